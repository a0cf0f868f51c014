import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { drainOutbox } from '../../src/pipeline/outbox-drain.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';
import { countPendingOutbox, listPendingOutbox } from '../../src/warehouse/outbox.js';

const TICKERS = ['NVDA', 'AAPL', 'D05.SI', '7974.T', '0700.HK'];
/** Per ticker: the raw snapshot and three processed objects. */
const OBJECTS_PER_TICKER = 4;

// The runs here check no quality (`quality: false`): these tests count the JSON write path's objects and puts.
describeOnDatabases('failures', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  async function rowCounts() {
    const db = t.warehouse.db;
    const count = async (
      table: 'daily_indicators' | 'indicator_percentiles' | 'comparative_features' | 'daily_prices',
    ) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      indicators: await count('daily_indicators'),
      percentiles: await count('indicator_percentiles'),
      features: await count('comparative_features'),
      prices: await count('daily_prices'),
    };
  }

  /** After recovery the lake holds exactly what the run should have written: none lost, none doubled. */
  async function expectCompleteLake() {
    const keys = await t.keys();
    expect(keys).toHaveLength(TICKERS.length * OBJECTS_PER_TICKER);
    expect(new Set(keys).size).toBe(keys.length);
    for (const ticker of TICKERS) {
      for (const prefix of ['raw/sample', 'processed/indicators', 'processed/percentiles', 'processed/features']) {
        expect(keys.filter((key) => key.startsWith(`${prefix}/${ticker}/`))).toHaveLength(1);
      }
    }
    // Every processed object names its raw object's real version id, also when the raw went through the outbox.
    for (const key of keys.filter((k) => k.startsWith('processed/'))) {
      const head = await t.store.head(key);
      const raw = await t.store.head(head.metadata.source_raw_data_key);
      expect(head.metadata.source_raw_data_version_id).toBe(raw.versionId);
      const body = JSON.parse(Buffer.from((await t.store.get(key)).body).toString());
      expect(body.source_raw_data_version_id).toBe(raw.versionId);
    }
    const db = t.warehouse.db;
    const catalog = await db.selectFrom('lake_objects').select('key').orderBy('key').execute();
    expect(catalog.map((row) => row.key)).toEqual(keys);
    const missingVersion = await db
      .selectFrom('daily_prices')
      .select('symbol')
      .where('raw_version_id', 'is', null)
      .execute();
    expect(missingVersion).toEqual([]);
    const rows = await db.selectFrom('daily_indicators').select(['lake_key', 'source_raw_version_id']).execute();
    for (const row of rows) {
      expect(keys).toContain(row.lake_key);
      expect(row.source_raw_version_id).not.toBeNull();
    }
    expect(await countPendingOutbox(t.warehouse.db)).toBe(0);
  }

  it('with a lake that refuses every write: the database holds every row, the outbox every object, and a retry completes the lake', async () => {
    t.store.failPuts = 'all';
    const summary = await t.run({ tables: false, quality: false, tickers: TICKERS });
    expect(summary.tickers_ok).toEqual(TICKERS);
    expect(summary.status).toBe('partial');
    expect(summary.objects_written).toBe(0);
    expect(summary.outbox_pending).toBe(TICKERS.length * OBJECTS_PER_TICKER);
    expect(summary.lake_errors.length).toBeGreaterThan(0);
    expect(summary.lake_errors[0]).toMatch(/injected fault/);
    expect(await t.keys()).toEqual([]);
    expect(await rowCounts()).toMatchObject({
      indicators: TICKERS.length,
      percentiles: TICKERS.length,
      features: TICKERS.length,
    });

    // Still down: a retry changes nothing and loses nothing.
    const stillDown = await drainOutbox(t.lake, t.warehouse);
    expect(stillDown.written).toEqual([]);
    expect(await countPendingOutbox(t.warehouse.db)).toBe(TICKERS.length * OBJECTS_PER_TICKER);

    t.store.failPuts = 'none';
    const retry = await drainOutbox(t.lake, t.warehouse);
    expect(retry.failed).toEqual([]);
    expect(retry.written).toHaveLength(TICKERS.length * OBJECTS_PER_TICKER);
    await expectCompleteLake();
  });

  it('with a lake that refuses one write in three: the same, and the next run drains the outbox first', async () => {
    t.store.failPuts = { everyNth: 3 };
    const summary = await t.run({ tables: false, quality: false, tickers: TICKERS, concurrency: 1 });
    expect(summary.tickers_ok).toEqual(TICKERS);
    const expectedFailures = Math.floor((TICKERS.length * OBJECTS_PER_TICKER) / 3);
    expect(t.store.counts.putsFailed).toBeGreaterThanOrEqual(expectedFailures);
    expect(summary.outbox_pending).toBeGreaterThan(0);
    expect(summary.objects_written + summary.outbox_pending).toBe(TICKERS.length * OBJECTS_PER_TICKER);
    expect(await rowCounts()).toMatchObject({
      indicators: TICKERS.length,
      percentiles: TICKERS.length,
      features: TICKERS.length,
    });

    t.store.failPuts = 'none';
    // An empty run (no tickers) still drains what earlier runs left behind.
    const next = await t.run({ tables: false, quality: false, tickers: [] });
    expect(next.outbox_retried).toBe(summary.outbox_pending);
    expect(next.outbox_pending).toBe(0);
    await expectCompleteLake();
  });

  it('a retry after a write whose confirmation was lost does not double the object', async () => {
    t.store.failPuts = 'all';
    await t.run({ tables: false, quality: false, tickers: ['NVDA'] });
    t.store.failPuts = 'none';
    // Write one pending object behind the outbox's back, as if the lake took it but the answer never came.
    const [entry] = await listPendingOutbox(t.warehouse.db, 1);
    await t.store.put({
      key: entry.key,
      body: entry.body,
      contentType: entry.contentType,
      tags: entry.tags,
      metadata: entry.metadata,
    });
    const retry = await drainOutbox(t.lake, t.warehouse);
    expect(retry.failed).toEqual([]);
    const keys = await t.keys();
    expect(keys).toHaveLength(OBJECTS_PER_TICKER);
    expect(keys.filter((key) => key.includes('_2.json'))).toEqual([]);
  });

  it('a ticker whose database write fails leaves no processed objects and fails alone', async () => {
    // A real database failure in the middle of the ticker's one statement: the percentile insert raises for AAPL only.
    await sql`create or replace function marketlake_test_fail() returns trigger language plpgsql as $$
      begin if new.symbol = 'AAPL' then raise exception 'injected database failure for %', new.symbol; end if; return new; end $$`.execute(
      t.warehouse.db,
    );
    await sql`create trigger marketlake_test_fail before insert on indicator_percentiles for each row execute function marketlake_test_fail()`.execute(
      t.warehouse.db,
    );
    try {
      const summary = await t.run({ tables: false, quality: false, tickers: ['NVDA', 'AAPL', 'D05.SI'] });
      expect(summary.status).toBe('partial');
      expect(summary.tickers_ok).toEqual(['NVDA', 'D05.SI']);
      expect(summary.tickers_failed).toEqual([
        { ticker: 'AAPL', reason: expect.stringMatching(/injected database failure for AAPL/) },
      ]);
      expect(await t.keys('processed/')).toHaveLength(6);
      expect(await t.keys('processed/indicators/AAPL/')).toEqual([]);
      expect(await t.keys('processed/percentiles/AAPL/')).toEqual([]);
      // The indicator row was written by the same statement: its failure took the row back.
      const aaplRows = await t.warehouse.db
        .selectFrom('daily_indicators')
        .select('symbol')
        .where('symbol', '=', 'AAPL')
        .execute();
      expect(aaplRows).toEqual([]);
      const outbox = await t.warehouse.db
        .selectFrom('lake_outbox')
        .select('ticker')
        .where('ticker', '=', 'AAPL')
        .execute();
      expect(outbox).toEqual([]);
      // The prices were in the same statement; the raw object, already in the lake, is still catalogued.
      const aaplPrices = await t.warehouse.db
        .selectFrom('daily_prices')
        .select('symbol')
        .where('symbol', '=', 'AAPL')
        .execute();
      expect(aaplPrices).toEqual([]);
      const aaplCatalog = await t.warehouse.db
        .selectFrom('lake_objects')
        .select('key')
        .where('ticker', '=', 'AAPL')
        .execute();
      expect(aaplCatalog.map((row) => row.key)).toEqual(await t.keys('raw/sample/AAPL/'));
      expect(aaplCatalog).toHaveLength(1);
    } finally {
      await sql`drop trigger if exists marketlake_test_fail on indicator_percentiles`.execute(t.warehouse.db);
    }
  });

  it('a batch of completions that fails leaves only the failing ticker’s entries pending, and a retry completes them', async () => {
    // The run marks the entries of several tickers done in one statement. A real failure inside it: cataloguing
    // AAPL's processed objects raises.
    await sql`create or replace function marketlake_test_fail() returns trigger language plpgsql as $$
      begin if new.ticker = 'AAPL' and new.kind <> 'raw' then raise exception 'injected catalog failure for %', new.key; end if; return new; end $$`.execute(
      t.warehouse.db,
    );
    await sql`create trigger marketlake_test_fail before insert on lake_objects for each row execute function marketlake_test_fail()`.execute(
      t.warehouse.db,
    );
    try {
      const summary = await t.run({ tables: false, quality: false, tickers: TICKERS });
      // AAPL's rows and objects are all there; only the completion of its three entries is missing.
      expect(summary).toMatchObject({ status: 'partial', tickers_ok: TICKERS, tickers_failed: [], outbox_pending: 3 });
      expect(summary.objects_written).toBe(TICKERS.length * OBJECTS_PER_TICKER - 3);
      expect(summary.lake_errors).toHaveLength(3);
      for (const error of summary.lake_errors) {
        expect(error).toMatch(
          /^processed\/\w+\/AAPL\/.*: written, but its outbox entry \d+ could not be marked done: .*injected catalog failure/,
        );
      }
      const pending = await listPendingOutbox(t.warehouse.db, 10);
      expect(pending.map((entry) => entry.ticker)).toEqual(['AAPL', 'AAPL', 'AAPL']);
      expect(await t.keys('processed/')).toHaveLength(TICKERS.length * 3);
      const catalogued = await t.warehouse.db
        .selectFrom('lake_objects')
        .select('key')
        .where('kind', '<>', 'raw')
        .execute();
      expect(catalogued).toHaveLength((TICKERS.length - 1) * 3);
      expect(await rowCounts()).toMatchObject({
        indicators: TICKERS.length,
        percentiles: TICKERS.length,
        features: TICKERS.length,
      });
    } finally {
      await sql`drop trigger if exists marketlake_test_fail on lake_objects`.execute(t.warehouse.db);
    }
    // The objects are in the lake already: the retry finds them by sha256 and completes the entries.
    const retried = await drainOutbox(t.lake, t.warehouse);
    expect(retried.failed).toEqual([]);
    expect(retried.doneIds).toHaveLength(3);
    await expectCompleteLake();
  });

  it('two runs in the same second do not overwrite each other, and every older version stays readable', async () => {
    const first = await t.run({ tables: false, quality: false, tickers: ['NVDA'] });
    const second = await t.run({ tables: false, quality: false, tickers: ['NVDA'], computationVersion: '2.0' });
    expect([first.status, second.status]).toEqual(['ok', 'ok']);
    expect(await t.keys('processed/indicators/NVDA/')).toEqual([
      'processed/indicators/NVDA/2026-11-26/20261126_213000.json',
      'processed/indicators/NVDA/2026-11-26/20261126_213000_2.json',
    ]);
    // The two fetches returned identical bytes (the sample source is deterministic for a date): the raw snapshot
    // is recognised by its sha256 and stored once, referenced by both results.
    expect(await t.keys('raw/sample/NVDA/')).toEqual(['raw/sample/NVDA/2026-11-26/20261126_213000.json']);
    const versions = await t.lake.listVersions('indicators', 'NVDA');
    expect(versions.map((v) => v.computation_version)).toEqual(['2.0', '1.0']);
    const original = await t.lake.getByVersion<{ computation_version: string }>(
      'indicators',
      'NVDA',
      '20261126_213000',
    );
    expect(original.body.computation_version).toBe('1.0');
    const secondObject = await t.lake.getByVersion<{ computation_version: string }>(
      'indicators',
      'NVDA',
      '20261126_213000_2',
    );
    expect(secondObject.body.computation_version).toBe('2.0');
    const third = await t.run({
      tables: false,
      quality: false,
      tickers: ['NVDA'],
      clock: () => new Date(TEST_NOW.getTime() + 1000),
    });
    expect(third.status).toBe('ok');
    expect(await t.keys('processed/indicators/NVDA/')).toHaveLength(3);
    expect(
      (await t.lake.getByVersion<{ computation_version: string }>('indicators', 'NVDA', '20261126_213000')).body
        .computation_version,
    ).toBe('1.0');
    await t.run({
      tables: false,
      quality: false,
      tickers: ['NVDA'],
      computationVersion: '2.0',
      clock: () => new Date(TEST_NOW.getTime() + 1000),
    });
    // The database row follows the newest run and names the key it was actually written to.
    const row = await t.warehouse.db
      .selectFrom('daily_indicators')
      .selectAll()
      .where('symbol', '=', 'NVDA')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      computation_version: '2.0',
      lake_key: 'processed/indicators/NVDA/2026-11-26/20261126_213001_2.json',
    });
  });

  it('refuses bad tickers before any write, each failing alone with its reason', async () => {
    const bad = ['../x', 'A/B', '', 'A'.repeat(40), '^^GSPC'];
    const summary = await t.run({ tables: false, quality: false, tickers: [...bad, 'NVDA'] });
    expect(summary.tickers_ok).toEqual(['NVDA']);
    expect(summary.tickers_failed.map((f) => f.ticker)).toEqual(bad);
    for (const failure of summary.tickers_failed) expect(failure.reason).toMatch(/invalid ticker/);
    expect(t.store.counts.putsAttempted).toBe(OBJECTS_PER_TICKER);
    expect((await t.keys()).every((key) => key.includes('/NVDA/'))).toBe(true);
    const symbols = await t.warehouse.db.selectFrom('daily_prices').select('symbol').distinct().execute();
    expect(symbols).toEqual([{ symbol: 'NVDA' }]);
  });
});
