/**
 * Rebuilding from the lake what derives from it: the catalog (from the objects' metadata), and the whole warehouse.
 * What the rebuilds share with verify (scope, reads, the catalog row an object implies) is in src/lake-scan/.
 */
export { rebuildCatalog, type RebuildOptions, type RebuildReport } from './rebuild-catalog.js';
export { rebuildWarehouse, type WarehouseRebuildOptions } from './warehouse/rebuild-warehouse.js';
export { rebuildProblems, type WarehouseRebuildReport } from './warehouse/report.js';
