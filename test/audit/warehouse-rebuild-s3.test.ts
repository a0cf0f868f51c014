/**
 * `warehouse rebuild` on the production kind of servers: the history in an S3 bucket (RGW, with S3 version ids)
 * and PostgreSQL; the database lost (a new one), rebuilt from the bucket alone, row for row.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rebuildWarehouse } from '../../src/rebuild/warehouse/rebuild-warehouse.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { describeOnRgw } from '../support/rgw.js';
import { buildHistory, dumpReportTables } from '../support/warehouse-history.js';

describeOnRgw('warehouse rebuild on S3 and PostgreSQL', (rgw) => {
  let original: TestWarehouse;
  let fresh: TestWarehouse;

  beforeAll(async () => {
    original = await createTestWarehouse('postgres');
    fresh = await createTestWarehouse('postgres');
  });
  afterAll(async () => {
    await original?.dispose();
    await fresh?.dispose();
  });

  it('rebuilds every table the reports read from the bucket, row for row', { timeout: 240_000 }, async () => {
    const store = rgw.openStore();
    await buildHistory(new DataLake(store, new WarehouseLakeCatalog(original.warehouse.db)), original.warehouse);
    const before = await dumpReportTables(original.warehouse.db);
    expect(before.restatements).toHaveLength(2);

    const report = await rebuildWarehouse({ store, warehouse: fresh.warehouse });
    expect(report.failed).toEqual([]);
    expect(report.catalog).toMatchObject({ inserted: before.lake_objects.length, conflicting: [], failed: [] });
    expect(await dumpReportTables(fresh.warehouse.db)).toEqual(before);
  });
});
