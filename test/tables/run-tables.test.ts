/**
 * The daily run writes the lake's tables itself (src/pipeline/table-write.ts): the rows it writes are the rows
 * `tables rebuild` makes from the same lake's JSON objects (which test/tables/rebuild.test.ts checks against the
 * warehouse), its files go through their outbox (a refused put leaves the file pending, `lake retry` writes it),
 * and `tables: false` writes none.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainPendingTableFiles } from '../../src/pipeline/table-write.js';
import { rebuildTables } from '../../src/rebuild/tables/rebuild-tables.js';
import { createSource } from '../../src/sources/index.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { listAllKeys } from '../../src/storage/listing.js';
import { createLineageEmitter } from '../../src/lineage/emitter.js';
import { TABLE_NAMES, tableSchema } from '../../src/tables/schema.js';
import { countPendingTableFiles, listCatalogedTableFiles } from '../../src/warehouse/table-files.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { removeObject } from '../support/fs-tamper.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { DAY_1, DAY_2, day1DateBefore, RestatingSource, runDay } from '../support/staleness.js';
import { createTablesTestLake, queryTables, type JsonRow, type TablesTestLake } from '../support/tables.js';

const TICKERS = ['NVDA', 'D05.SI', '7974.T'];
const SATURDAY = new Date('2026-11-28T21:30:00Z');

/** Every row of a table as text. */
async function tableLines(store: FsObjectStore | TestLake['store'], cache: string, table: string): Promise<string[]> {
  const rows = await queryTables(store, cache, `select * from ${table}`);
  return rows.map((row: JsonRow) => JSON.stringify(row)).sort();
}

describe('the daily run writes the tables', () => {
  let db: TestWarehouse;
  let t: TestLake;
  const folders: string[] = [];
  const folder = async (name: string) => {
    const path = await mkdtemp(join(tmpdir(), `marketlake-${name}-`));
    folders.push(path);
    return path;
  };

  beforeAll(async () => {
    db = await createTestWarehouse('pglite');
    t = await createTestLake(db.warehouse);
    const restatedDate = await day1DateBefore('NVDA', 4);
    const restating = () => new RestatingSource(createSource('sample'), 'NVDA', [restatedDate]);
    // With the OpenLineage events in the lake, as the CLI writes them: they tell a rebuild the run ids.
    const lineage = createLineageEmitter({ store: t.store });
    const day = (now: Date, source = createSource('sample')) =>
      runDay(t.lake, t.warehouse, now, { tickers: TICKERS, source, lineage });
    for (const [now, source] of [
      [DAY_1, undefined],
      [DAY_2, restating()],
      [SATURDAY, restating()],
    ] as const) {
      const summary = await day(now, source);
      expect(summary.status).toBe('ok');
      expect(summary.tables?.files_written).toBeGreaterThan(0);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
    await db?.dispose();
    for (const path of folders) await rm(path, { recursive: true, force: true });
  });

  it('holds the rows tables rebuild makes from the JSON objects and lineage events alone, table by table', async () => {
    // The same lake without its tables, rebuilt.
    const copy = await folder('lake-copy');
    await cp(t.root, copy, { recursive: true });
    await rm(join(copy, 'tables'), { recursive: true, force: true });
    const rebuiltStore = new FsObjectStore(copy);
    const report = await rebuildTables({ store: rebuiltStore, cacheDir: await folder('cache-a') });
    expect(report.failed).toEqual([]);

    const cache = await folder('cache-b');
    const rebuiltCache = await folder('cache-c');
    for (const table of TABLE_NAMES) {
      const written = await tableLines(t.store, cache, table);
      expect(written.length, table).toBeGreaterThan(0);
      expect(written, table).toEqual(await tableLines(rebuiltStore, rebuiltCache, table));
    }
    // Byte for byte where each partition is one run's: the prices of a fetch date. Each run appends its tickers'
    // prices as their jobs end, in the order of their raw keys (the tickers are given out of it here), which is the
    // order a rebuild gives them: the same content-named keys.
    const pricesKeys = async (store: FsObjectStore | TestLake['store']) => {
      const keys: string[] = [];
      for await (const key of listAllKeys(store, 'tables/prices/')) keys.push(key);
      return keys.sort();
    };
    expect((await pricesKeys(t.store)).length).toBeGreaterThanOrEqual(2);
    expect(await pricesKeys(rebuiltStore)).toEqual(await pricesKeys(t.store));
    const runs = await queryTables(t.store, cache, 'select status, failed_tickers from runs');
    expect(runs).toEqual([0, 1, 2].map(() => ({ status: 'ok', failed_tickers: '0' })));
    // Every row names the run that made it, raw snapshots included (the run's events list them as inputs).
    const unnamed = await queryTables(t.store, cache, 'select count(*) as n from prices where run_id is null');
    expect(unnamed).toEqual([{ n: '0' }]);
  });

  it('catalogues each file it wrote with its version id, and a rebuild finds nothing to add', async () => {
    const files = await listCatalogedTableFiles(t.warehouse.db);
    expect(files.map((file) => file.key).sort()).toEqual((await t.keys('tables/')).sort());
    expect(files.every((file) => file.versionId !== null && file.writtenAt !== null)).toBe(true);
    const again = await rebuildTables({ store: t.store, cacheDir: await folder('cache-d') });
    expect(again.files).toEqual([]);
    // Partitions are dates of the data: the prices of a fetch date, the results of an as_of.
    for (const file of files) expect(file.key).toContain(`/${tableSchema(file.table as 'prices').partition.name}=`);
  });
});

describe('table files the lake refuses', () => {
  let h: TablesTestLake;
  let t: TestLake;
  let cache: string;

  beforeAll(async () => {
    h = await createTablesTestLake();
    ({ t, cache } = h);
  }, 60_000);

  afterAll(() => h?.dispose());

  it('stay pending in their outbox (the run is partial), and lake retry writes them', async () => {
    t.store.failPuts = { prefix: 'tables/' };
    const summary = await runDay(t.lake, t.warehouse, DAY_1, { tickers: TICKERS });
    expect(summary.status).toBe('partial');
    expect(summary.tables).toMatchObject({ files_written: 0 });
    const pending = summary.tables?.files_pending ?? 0;
    expect(pending).toBeGreaterThan(0);
    // The JSON objects all reached the lake: only table files wait, in their own outbox.
    expect(summary.outbox_pending).toBe(0);
    expect(await countPendingTableFiles(t.warehouse.db)).toBe(pending);
    expect(await t.keys('tables/')).toEqual([]);

    t.store.failPuts = 'none';
    const drained = await drainPendingTableFiles(t.store, t.warehouse);
    expect(drained.failed).toEqual([]);
    expect(drained.written).toHaveLength(pending);
    expect(await countPendingTableFiles(t.warehouse.db)).toBe(0);
    const indicators = await queryTables(t.store, cache, 'select distinct ticker from indicators order by 1');
    expect(indicators.map((row) => row.ticker)).toEqual([...TICKERS].sort());
  });

  it('a pending file whose objects a rebuild made rows of meanwhile is dropped, not written twice', async () => {
    t.store.failPuts = { prefix: 'tables/' };
    const summary = await runDay(t.lake, t.warehouse, DAY_2, { tickers: TICKERS });
    const pending = summary.tables?.files_pending ?? 0;
    expect(pending).toBeGreaterThan(0);
    t.store.failPuts = 'none';
    // The lake alone knows nothing of the pending files: the rebuild makes the rows of DAY_2's objects itself.
    const rebuilt = await rebuildTables({ store: t.store, cacheDir: cache });
    expect(rebuilt.tables.indicators.rows).toBe(TICKERS.length);
    const drained = await drainPendingTableFiles(t.store, t.warehouse);
    // Only the run's own row is not in the rebuilt tables (this lake has no lineage events to make it from).
    expect(drained).toMatchObject({ written: [expect.stringMatching(/^tables\/runs\//)], failed: [] });
    expect(drained.dropped).toHaveLength(pending - 1);
    expect(await countPendingTableFiles(t.warehouse.db)).toBe(0);
    const twice = await queryTables(
      t.store,
      cache,
      'select object_key, count(*) as n from indicators group by 1 having count(*) > 1',
    );
    expect(twice).toEqual([]);
  });

  it('a run told not to write tables writes none; a lost file is found missing by a rebuild and made again', async () => {
    const saturday = new Date('2026-11-28T21:30:00Z');
    const summary = await runDay(t.lake, t.warehouse, saturday, { tickers: TICKERS, tables: false });
    expect(summary.tables).toBeNull();
    expect((await t.keys('tables/')).some((key) => key.includes('2026-11-28'))).toBe(false);

    const [lost] = await t.keys('tables/features/');
    await removeObject(t.root, lost);
    const report = await rebuildTables({ store: t.store, cacheDir: cache });
    expect(report.failed).toEqual([]);
    // The lost file's rows, and the Saturday's (written without tables).
    expect(report.tables.features.rows).toBeGreaterThanOrEqual(TICKERS.length);
  });
});
