/**
 * Staleness and restatements (see README.md in this folder): what the write path calls, what `marketlake stale`
 * and `reprocess --stale` use.
 */
export {
  diffBars,
  changedFields,
  BAR_FIELDS,
  type BarField,
  type BarDiff,
  type BarRestatement,
  type FieldChange,
} from './bar-diff.js';
export {
  affectedUntil,
  affectedUntilAnyVersion,
  EWM_NEGLIGIBLE_WEIGHT,
  INDICATOR_INPUTS,
  isResultAffected,
  lookbackTable,
  RESULT_INPUTS,
} from './lookback.js';
export {
  RESTATEMENT_PREFIX,
  RESTATEMENT_SCHEMA,
  restatementKey,
  renderRestatement,
  type RestatementDocument,
} from '../lake/formats/restatement.js';
export { listRestatements, type RestatementFilter, type StoredRestatement } from '../warehouse/restatements.js';
export { PreloadedPreviousRaws, type PreviousRawFinder, type PreviousRaws } from './previous-raw.js';
export {
  findBaseline,
  recordRestatement,
  writePendingRestatements,
  type RestatementCheck,
  type RestatementContext,
} from './detect.js';
export {
  findStale,
  type ComputationVersionReason,
  type FindStaleOptions,
  type RestatementReason,
  type StaleReason,
  type StaleResult,
} from './find-stale.js';
export { COMPUTATION_VERSION_ENV, currentComputationVersion, isOlderVersion } from './versions.js';
