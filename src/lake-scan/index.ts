/**
 * Reading the lake object by object, as verify, the two rebuilds, as-known-at reads and crash healing do: which
 * objects (scope.ts), reading each without failing on a damaged one (fetch.ts), the catalog row an object implies
 * (expected-catalog-row.ts, describe-object.ts), and progress of the long scans (progress.ts).
 */
export { describeObject } from './describe-object.js';
export {
  compareCatalogRow,
  deriveCatalogRow,
  knownSince,
  type DerivedCatalogRow,
  type ObjectEvidence,
} from './expected-catalog-row.js';
export { noProgress, type ProgressSink } from './progress.js';
