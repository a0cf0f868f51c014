export {
  FieldAccumulator,
  isChanged,
  relativeDifference,
  RELATIVE_TOLERANCE,
  type FieldStatistics,
  type WorstCase,
} from './compare.js';
export { diffVersions, type DiffOptions, type DiffReport, type KindDiff } from './diff.js';
export { flattenValues } from './flatten.js';
export { findPairs, tickersWithResults, type ObjectPair } from './compared-objects.js';
