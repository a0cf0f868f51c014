/** Rebuilding from the lake what derives from it: the catalog (from the objects' tags), and the whole warehouse. */
export { rebuildCatalog, type RebuildOptions, type RebuildReport } from './rebuild-catalog.js';
export { describeObject } from '../lake-scan/describe-object.js';
export {
  compareCatalogRow,
  deriveCatalogRow,
  knownSince,
  type DerivedCatalogRow,
  type ObjectEvidence,
} from '../lake-scan/expected-catalog-row.js';
export { rebuildWarehouse, type WarehouseRebuildOptions } from './warehouse/rebuild-warehouse.js';
export { rebuildProblems, type WarehouseRebuildReport } from './warehouse/report.js';
export type { ProgressSink } from '../lake-scan/progress.js';
