export { AsOfCalculator, seriesPrefix } from './as-of.js';
export { existingKey, findExisting, type ExistingIndex } from './idempotency.js';
export { RawIntegrityError, readRawSnapshot } from './raw-reader.js';
export { reprocess, type ReprocessOptions, type ReprocessSummary } from './reprocess.js';
export { catalogedTickers, checkScope, selectSnapshots, type RawCandidate, type SnapshotScope } from './scope.js';
export { reprocessTicker, type TickerReprocessOutcome } from './ticker.js';
export { judgeStoredSnapshot, qualityReport, type ReprocessQualityReport, type SnapshotJudgement } from './quality.js';
