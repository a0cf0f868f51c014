/** The warehouse: PostgreSQL (or embedded PGlite) tables for reports, the lake catalog, outbox and run log. */
export { openWarehouse, type Warehouse, type WarehouseKind, type WarehouseOptions } from './database.js';
export { WarehouseConnectionError, describePostgresUrl } from './postgres/postgres.js';
export {
  DataDirectoryInUseError,
  acquireDataDirectoryLock,
  LOCK_FILE_NAME,
  type DataDirectoryLock,
  type LockHolder,
} from './pglite/lock.js';
export { upsertPrices, type RawSnapshotRef } from './prices.js';
export {
  writeComputedResults,
  type ComputationLineage,
  type ComputedResultsInput,
  type FeatureResultInput,
  type IndicatorResultsInput,
  type IndicatorRowInput,
  type PercentileResultInput,
} from './results.js';
export {
  catalogRowFor,
  countPendingOutbox,
  describeBody,
  enqueueOutbox,
  getOutboxEntry,
  listPendingOutbox,
  markOutboxDone,
  markOutboxFailed,
  type OutboxCatalogPlan,
  type OutboxEntry,
  type OutboxEntryInput,
} from './outbox.js';
export {
  CatalogConflictError,
  findLatestObject,
  getCatalogObject,
  insertCatalogObject,
  listCatalogObjects,
  type CatalogFilter,
  type CatalogObject,
  type CatalogObjectInput,
} from './lake-objects.js';
export {
  abortRun,
  countRunsByStatus,
  finishRun,
  getRun,
  listRunningRuns,
  listRuns,
  renewRunHeartbeat,
  startRun,
  type ComputationRun,
  type FinalRunStatus,
  type RunningRun,
  type StartRunInput,
} from './runs.js';
export { inTransaction } from './sql-helpers.js';
export { MIGRATIONS, migrateToLatest } from './migrations/index.js';
export * from './schema.js';
