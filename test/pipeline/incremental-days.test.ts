/**
 * The days after the first: a daily run writes the database rows of what changed, not every bar it fetched
 * (src/warehouse/prices.ts). "Written" is read off PostgreSQL's row versions: `xmin` is the transaction that
 * wrote a row's current version, `xmax` the last one that updated, deleted or locked it (ON CONFLICT DO UPDATE
 * locks a row even when its WHERE leaves it alone, which dirties its page): a row whose pair did not move was
 * not touched.
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSource } from '../../src/sources/index.js';
import type { MarketDataSource } from '../../src/sources/source.js';
import type { Database } from '../../src/warehouse/schema.js';
import { createTestWarehouse, describeOnDatabases, type TestWarehouse } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { DAY_1, DAY_2, day1DateBefore, RAW_DAY_1, RAW_DAY_2, RestatingSource, runDay } from '../support/staleness.js';

const TICKERS = ['NVDA', 'D05.SI', '7974.T'];
/** The Saturday after DAY_2: no market has a new bar. */
const SATURDAY = new Date('2026-11-28T21:30:00Z');
const MONDAY = new Date('2026-11-30T21:30:00Z');

interface PriceRow {
  symbol: string;
  price_date: string;
  close: number;
  raw_key: string;
  version: string;
}

async function priceRows(db: Kysely<Database>): Promise<Map<string, PriceRow>> {
  const { rows } = await sql<PriceRow>`
    select symbol, price_date::text as price_date, close, raw_key, xmin::text || ':' || xmax::text as version
    from daily_prices order by symbol, price_date`.execute(db);
  return new Map(rows.map((row) => [`${row.symbol} ${row.price_date}`, row]));
}

/** The rows of `after` that are new or whose version moved since `before`, as "SYMBOL DATE". */
function rewritten(before: Map<string, PriceRow>, after: Map<string, PriceRow>): string[] {
  return [...after].filter(([key, row]) => before.get(key)?.version !== row.version).map(([key]) => key);
}

describeOnDatabases('the days after the first run', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  const day = (now: Date, source?: MarketDataSource) => runDay(t.lake, t.warehouse, now, { tickers: TICKERS, source });

  it('a day with no new bar (Saturday) writes no price row, and still keeps its raw snapshot', async () => {
    expect((await day(DAY_2)).status).toBe('ok');
    const friday = await priceRows(t.warehouse.db);
    const saturday = await day(SATURDAY);
    expect(saturday.status).toBe('ok');
    const after = await priceRows(t.warehouse.db);
    expect(after.size).toBe(friday.size);
    expect(rewritten(friday, after)).toEqual([]);
    // The vendor's record of the day is kept as fetched, even though it told nothing new.
    expect(await t.keys('raw/sample/NVDA/2026-11-28/')).toHaveLength(1);
  });

  it('an outbox entry keeps no body once done (the lake holds the bytes), so the outbox does not grow with them', async () => {
    await day(DAY_2);
    const { rows } = await sql<{ done: number; with_body: number }>`
      select count(*)::int as done, count(*) filter (where body <> '')::int as with_body
      from lake_outbox where done_at is not null`.execute(t.warehouse.db);
    expect(rows[0]).toEqual({ done: 3 * TICKERS.length, with_body: 0 });
  });

  it('a new day writes exactly its new bars; a restated bar rewrites exactly that row, naming the new snapshot', async () => {
    await day(DAY_1);
    const thursday = await priceRows(t.warehouse.db);
    const restatedDate = await day1DateBefore('NVDA', 10);
    const friday = await day(DAY_2, new RestatingSource(createSource('sample'), 'NVDA', [restatedDate]));
    expect(friday.restatements.tickers).toEqual(['NVDA']);
    const after = await priceRows(t.warehouse.db);

    expect(rewritten(thursday, after).sort()).toEqual(
      [`NVDA ${restatedDate}`, ...TICKERS.map((ticker) => `${ticker} 2026-11-27`)].sort(),
    );
    const restated = after.get(`NVDA ${restatedDate}`)!;
    expect(restated.close).not.toBe(thursday.get(`NVDA ${restatedDate}`)!.close);
    expect(restated.raw_key).toBe(RAW_DAY_2('NVDA'));
    // Unchanged bars keep naming the snapshot that first reported their values.
    expect(after.get('NVDA 2026-11-25')!.raw_key).toBe(RAW_DAY_1('NVDA'));
    expect(after.get('NVDA 2026-11-27')!.raw_key).toBe(RAW_DAY_2('NVDA'));
  });

  it('a day whose previous snapshot never reached the prices (its run died after the raw write) sends every bar', async () => {
    await day(DAY_1);
    await day(DAY_2);
    const complete = await priceRows(t.warehouse.db);
    // As if DAY_2's database commit had failed after its raw snapshot was catalogued on its own: its new bars and
    // its record in price_sources are missing, while the catalog names it as the previous snapshot.
    await sql`delete from daily_prices where price_date = '2026-11-27'`.execute(t.warehouse.db);
    await sql`update price_sources set raw_key = 'raw/sample/' || symbol || '/2026-11-26/20261126_213000.json'`.execute(
      t.warehouse.db,
    );
    expect((await day(SATURDAY)).status).toBe('ok');
    const after = await priceRows(t.warehouse.db);
    expect([...after.keys()]).toEqual([...complete.keys()]);
    expect(rewritten(complete, after).sort()).toEqual(TICKERS.map((ticker) => `${ticker} 2026-11-27`).sort());
    expect(after.get('NVDA 2026-11-27')!.raw_key).toBe('raw/sample/NVDA/2026-11-28/20261128_213000.json');
  });

  it('after days of incremental writes, prices and results equal a from-scratch run on the last snapshot', async () => {
    const restatedDate = await day1DateBefore('NVDA', 5);
    const restating = () => new RestatingSource(createSource('sample'), 'NVDA', [restatedDate]);
    await day(DAY_1);
    await day(DAY_2, restating());
    await day(SATURDAY, restating());
    expect((await day(MONDAY, restating())).status).toBe('ok');

    let scratch: TestWarehouse | undefined;
    let scratchLake: TestLake | undefined;
    try {
      scratch = await createTestWarehouse(ctx.backend);
      scratchLake = await createTestLake(scratch.warehouse);
      const once = await runDay(scratchLake.lake, scratch.warehouse, MONDAY, { tickers: TICKERS, source: restating() });
      expect(once.status).toBe('ok');

      // Every bar of Monday's snapshot, as the from-scratch run stored it, is what the incremental days hold.
      const values = (rows: Map<string, PriceRow>) => new Map([...rows].map(([key, row]) => [key, row.close]));
      const incremental = values(await priceRows(t.warehouse.db));
      const fromScratch = values(await priceRows(scratch.warehouse.db));
      expect(fromScratch.size).toBeGreaterThan(500 * TICKERS.length);
      for (const [key, close] of fromScratch) expect([key, incremental.get(key)]).toEqual([key, close]);
      expect(await fullPrices(t.warehouse.db, MONDAY)).toEqual(await fullPrices(scratch.warehouse.db, MONDAY));

      // The results of Monday, every column but when and from which object they were computed.
      for (const table of ['daily_indicators', 'indicator_percentiles', 'comparative_features'] as const) {
        const incrementalRows = await resultsAsOf(t.warehouse.db, table, '2026-11-30');
        expect(incrementalRows).toHaveLength(TICKERS.length);
        expect(incrementalRows).toEqual(await resultsAsOf(scratch.warehouse.db, table, '2026-11-30'));
      }
    } finally {
      await scratchLake?.dispose();
      await scratch?.dispose();
    }
  });
});

/** Every value column of the prices inside the two-year window of `now` (the from-scratch run has no older bar). */
async function fullPrices(db: Kysely<Database>, now: Date) {
  const since = `${now.getUTCFullYear() - 2}${now.toISOString().slice(4, 10)}`;
  const { rows } = await sql`
    select symbol, price_date::text as price_date, open, high, low, close, adj_close, volume from daily_prices
    where price_date >= ${since}::date order by symbol, price_date`.execute(db);
  return rows;
}

async function resultsAsOf(
  db: Kysely<Database>,
  table: 'daily_indicators' | 'indicator_percentiles' | 'comparative_features',
  asOf: string,
) {
  const dateColumn = { daily_indicators: 'indicator_date', indicator_percentiles: 'percentile_date' }[table as string];
  const { rows } = await sql<Record<string, unknown>>`
    select * from ${sql.table(table)} where ${sql.ref(dateColumn ?? 'feature_date')} = ${asOf}::date
    order by symbol`.execute(db);
  const lineage = ['computed_at', 'lake_key', 'source_raw_key', 'source_raw_version_id', 'run_id'];
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !lineage.includes(column))));
}
