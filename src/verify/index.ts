/** Verifying the lake against its records (the catalog) and against a recomputation from its raw snapshots. */
export { verifyLake, type VerifyOptions } from './verify-lake.js';
export type { Mismatch, MismatchProblem, MissingObject, UncataloguedObject, VerifyReport } from './report.js';
export { diffJson, toJsonValue, type JsonDifference, type JsonValue } from './json-diff.js';
export type { ProgressSink } from '../lake-scan/progress.js';
