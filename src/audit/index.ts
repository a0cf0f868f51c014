/** Auditing the lake: verify it against its records and a recomputation, rebuild the catalog, read the past. */
export { verifyLake, type VerifyOptions } from './verify/verify-lake.js';
export type { Mismatch, MismatchProblem, MissingObject, UncataloguedObject, VerifyReport } from './verify/report.js';
export { rebuildCatalog, describeObject, type RebuildOptions, type RebuildReport } from './catalog-rebuild.js';
export { compareCatalogRow, deriveCatalogRow, knownSince, type DerivedCatalogRow, type ObjectEvidence } from './catalog-row.js';
export { diffJson, toJsonValue, type JsonDifference, type JsonValue } from './json-diff.js';
export type { ProgressSink } from './work.js';
