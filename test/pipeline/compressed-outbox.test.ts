/**
 * Compressed objects through the outbox: when the lake refuses a gzip run's writes, the outbox plans `.json.gz`
 * keys (the results already name the raw snapshot's), and the retry writes exactly those keys, even when the
 * setting was turned off in between: a planned key's form wins, so no reference ever points at a key that is not
 * written.
 */
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataLake } from '../../src/lake/data-lake.js';
import { drainOutbox } from '../../src/pipeline/outbox-drain.js';
import { countPendingOutbox, listPendingOutbox } from '../../src/warehouse/outbox.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, runTestDay, type TestLake } from '../support/lake.js';

const TICKERS = ['NVDA', 'D05.SI'];

describeOnDatabases('compressed objects through the outbox', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  it('a refused gzip run plans .json.gz keys, and a retry with the setting off writes exactly those', async () => {
    const gzipLake = new DataLake(t.store, new WarehouseLakeCatalog(t.warehouse.db), undefined, 'gzip');
    t.store.failPuts = 'all';
    const summary = await runTestDay(gzipLake, t.warehouse, { tickers: TICKERS });
    expect(summary.outbox_pending).toBe(8);
    const planned = (await listPendingOutbox(t.warehouse.db, 100)).map((entry) => entry.key).sort();
    expect(planned).toHaveLength(8);
    for (const key of planned) expect(key).toMatch(/\.json\.gz$/);

    t.store.failPuts = 'none';
    // The plain lake (the setting turned off since): the planned keys still decide the form.
    const retry = await drainOutbox(t.lake, t.warehouse);
    expect(retry.failed).toEqual([]);
    expect(await countPendingOutbox(t.warehouse.db)).toBe(0);
    expect((await t.keys()).sort()).toEqual(planned);

    for (const key of planned) {
      const stored = await t.store.get(key);
      expect(stored.contentEncoding, key).toBe('gzip');
      const body = gunzipSync(stored.body);
      expect(createHash('sha256').update(body).digest('hex')).toBe(stored.metadata.content_sha256);
      if (!key.startsWith('processed/')) continue;
      // Completed after the raw object was written: it names that object's key, version and uncompressed sha256.
      const document = JSON.parse(body.toString('utf8'));
      const raw = await t.store.get(document.source_raw_data_key);
      expect(raw.versionId).toBe(document.source_raw_data_version_id);
      expect(createHash('sha256').update(gunzipSync(raw.body)).digest('hex')).toBe(document.source_raw_data_sha256);
    }
    const catalog = await t.warehouse.db.selectFrom('lake_objects').select(['key', 'sha256', 'size']).execute();
    expect(catalog.map((row) => row.key).sort()).toEqual(planned);
    for (const row of catalog) {
      const body = gunzipSync((await t.store.get(row.key)).body);
      expect(Number(row.size), row.key).toBe(body.length);
      expect(row.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    }
  });
});
