import { afterEach, beforeEach, expect, it } from 'vitest';
import { rebuildCatalog } from '../../src/rebuild/rebuild-catalog.js';
import { verifyLake } from '../../src/verify/verify-lake.js';
import { sha256Hex } from '../../src/lake/formats/render.js';
import { type CatalogObject, getCatalogObject, listCatalogObjects } from '../../src/warehouse/lake-objects.js';
import { createTestWarehouse, describeOnDatabases } from '../support/databases.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';

const LATER = new Date('2026-11-27T21:30:00Z');

describeOnDatabases('marketlake catalog rebuild', (ctx) => {
  let t: TestLake;
  let original: CatalogObject[];
  const rebuild = () => rebuildCatalog({ store: t.store, db: t.warehouse.db });
  const catalog = () => listCatalogObjects(t.warehouse.db);

  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
    expect((await t.run({ computationVersion: '1.0' })).status).toBe('ok');
    expect((await t.run({ computationVersion: '2.0', clock: () => LATER })).status).toBe('ok');
    original = await catalog();
    expect(original).toHaveLength(24);
  });
  afterEach(async () => t.dispose());

  it('rebuilds every row, column for column, from the lake alone after the table was emptied; again is a no-op', async () => {
    await t.warehouse.db.deleteFrom('lake_objects').execute();
    expect(await rebuild()).toEqual({
      listed: 24,
      inserted: 24,
      already_present: 0,
      conflicting: [],
      failed: [],
      ignored: [],
    });
    const rebuilt = await catalog();
    // key, kind, ticker, object_date, version_id, sha256, size, computation_version, source raw key and version,
    // and created_at (computed_at / fetched_at to the millisecond).
    expect(rebuilt).toEqual(original);
    expect(rebuilt.find((row) => row.kind === 'raw')?.createdAt.toISOString()).toBe(TEST_NOW.toISOString());

    expect(await rebuild()).toEqual({
      listed: 24,
      inserted: 0,
      already_present: 24,
      conflicting: [],
      failed: [],
      ignored: [],
    });
    expect(await catalog()).toEqual(original);
  });

  it('fills in only the rows that are missing', async () => {
    const lost = original.filter((row) => row.ticker === 'NVDA').map((row) => row.key);
    await t.warehouse.db.deleteFrom('lake_objects').where('key', 'in', lost).execute();
    expect(await rebuild()).toMatchObject({ inserted: 8, already_present: 16, conflicting: [] });
    expect(await catalog()).toEqual(original);
  });

  it('reports a row that disagrees with its object as a conflict and leaves it alone', async () => {
    const row = original.find((r) => r.kind === 'features')!;
    await t.warehouse.db
      .updateTable('lake_objects')
      .set({ sha256: 'f'.repeat(64), size: 3 })
      .where('key', '=', row.key)
      .execute();
    const report = await rebuild();
    expect(report).toMatchObject({
      inserted: 0,
      already_present: 23,
      conflicting: [{ key: row.key, columns: ['sha256', 'size'] }],
    });
    expect((await getCatalogObject(t.warehouse.db, row.key))?.sha256).toBe('f'.repeat(64));
  });

  it('works on a fresh, empty database over the same lake (a lost database), and verify passes afterwards', async () => {
    const fresh = await createTestWarehouse('pglite');
    try {
      expect(await listCatalogObjects(fresh.warehouse.db)).toEqual([]);
      const report = await rebuildCatalog({ store: t.store, db: fresh.warehouse.db });
      expect(report).toMatchObject({ listed: 24, inserted: 24, conflicting: [], failed: [] });
      expect(await listCatalogObjects(fresh.warehouse.db)).toEqual(original);
      const verified = await verifyLake({ store: t.store, db: fresh.warehouse.db });
      expect(verified).toMatchObject({ ok: true, checked: 18, catalog_rows: 24 });
    } finally {
      await fresh.dispose();
    }
  });

  it('catalogues an object of the older writer (no metadata) from its body and key, and ignores foreign keys', async () => {
    const legacyKey = 'raw/yfinance/OLD/2024-01-02/20240102_150000.json';
    const legacyBody = JSON.stringify(
      {
        ticker: 'OLD',
        history: [{ Date: '2024-01-02', Open: 10, High: 11, Low: 9, Close: 10.5, Volume: 1000 }],
      },
      null,
      2,
    );
    const written = await t.store.put({ key: legacyKey, body: legacyBody, contentType: 'application/json' });
    await t.store.put({ key: 'raw/README.txt', body: 'notes', contentType: 'text/plain' });

    const report = await rebuild();
    expect(report).toMatchObject({
      listed: 26,
      inserted: 1,
      already_present: 24,
      failed: [],
      ignored: ['raw/README.txt'],
    });
    expect(await getCatalogObject(t.warehouse.db, legacyKey)).toEqual({
      key: legacyKey,
      kind: 'raw',
      ticker: 'OLD',
      objectDate: '2024-01-02',
      versionId: written.versionId,
      sha256: sha256Hex(legacyBody),
      size: Buffer.byteLength(legacyBody),
      computationVersion: null,
      sourceRawKey: null,
      sourceRawVersionId: null,
      // No fetched_at anywhere: the key's timestamp, which the writer took from the same instant.
      createdAt: new Date('2024-01-02T15:00:00Z'),
    });
    // verify reads the older format too and, with no hash recorded, holds it to the catalog's; the foreign
    // file is the one thing it objects to.
    const verified = await verifyLake({ store: t.store, db: t.warehouse.db });
    expect(verified).toMatchObject({
      raw_checked: 7,
      mismatches: [],
      missing_objects: [],
      uncatalogued_objects: [{ key: 'raw/README.txt', kind: 'unknown' }],
    });
  });
});
