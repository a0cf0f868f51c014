/**
 * `daily_prices`: one row per (symbol, date), the bars of the latest raw snapshot that covered that date. A row
 * is written only when its values change, so its `raw_key` names the snapshot the values came from (the first
 * one to report them), and a daily run writes only its new and restated bars: no churn, and no bloat.
 */
import { sql, type Kysely, type QueryCreator } from 'kysely';
import type { Bar } from '../market/bars.js';
import type { Database } from './schema.js';
import {
  assertUniqueKeys,
  finiteDouble,
  nullableDouble,
  numberArrayLiteral,
  setFromExcluded,
  textArrayLiteral,
  type WriteStep,
} from './sql-helpers.js';

// Re-exported: the array literals were first written for this module.
export { numberArrayLiteral, textArrayLiteral };

/** The raw lake object the bars were read from. */
export interface RawSnapshotRef {
  key: string;
  /** Null when the object store does not version objects. */
  versionId: string | null;
  fetchedAt: Date | string;
}

const PRICE_COLUMNS = [
  'open',
  'high',
  'low',
  'close',
  'adj_close',
  'volume',
  'raw_key',
  'raw_version_id',
  'fetched_at',
] as const;

/** The columns that hold what the vendor said about a bar (the others say where it came from). */
const BAR_VALUE_COLUMNS = ['open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;

/**
 * Inserts or replaces the bars of `symbol` in ONE `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE`
 * statement, whatever the number of bars. Only new bars and bars whose values changed are written: a bar the
 * table holds with the same values is left as it is, with its row version and the snapshot it names (so a day
 * with no new bar writes no row, and the table does not bloat). Returns the number of bars given.
 *
 * Why unnest rather than a multi-row VALUES list: each bar column travels as one array parameter (7 parameters,
 * plus 4 shared by every row) instead of 11 parameters per bar (5,753 for two years). The drivers encode, and
 * PostgreSQL parses and plans, a handful of parameters instead of thousands, and no chunking is needed, so the
 * statement is atomic on its own. The stored values are the same: numbers travel as JavaScript's shortest
 * round-trip decimal text either way, which float8 parses back to the identical double.
 */
export async function upsertPrices(
  db: Kysely<Database>,
  symbol: string,
  bars: readonly Bar[],
  raw: RawSnapshotRef,
): Promise<number> {
  const step = pricesUpsertStep(symbol, bars, raw);
  if (step === undefined) return 0;
  await step(db).execute();
  return bars.length;
}

/**
 * The statement of `upsertPrices`, checked and built but not run, to be run on its own or as a step of a larger
 * statement (the daily run writes a ticker's prices in the same statement as its results). Undefined when there
 * is no bar, since there is then nothing to write.
 */
export function pricesUpsertStep(symbol: string, bars: readonly Bar[], raw: RawSnapshotRef): WriteStep | undefined {
  assertUniqueKeys(bars, (bar) => bar.date, `upsertPrices(${symbol}): bar date`);
  if (bars.length === 0) return undefined;
  const columns = barColumns(symbol, bars);
  return (creator: QueryCreator<Database>) =>
    creator
      .insertInto('daily_prices')
      .columns(['symbol', 'price_date', ...PRICE_COLUMNS])
      .expression(
        sql`select ${symbol}::text, b.price_date, b.open, b.high, b.low, b.close, b.adj_close, b.volume,
                   ${raw.key}::text, ${raw.versionId}::text, ${raw.fetchedAt}::timestamptz
            from unnest(${columns.dates}::date[], ${columns.open}::float8[], ${columns.high}::float8[], ${columns.low}::float8[],
                        ${columns.close}::float8[], ${columns.adjClose}::float8[], ${columns.volume}::float8[])
                 as b(price_date, open, high, low, close, adj_close, volume)
            where not exists (
              select from daily_prices p
              where p.symbol = ${symbol}::text and p.price_date = b.price_date
                and (p.open, p.high, p.low, p.close, p.adj_close, p.volume)
                    is not distinct from (b.open, b.high, b.low, b.close, b.adj_close, b.volume))`,
      )
      .onConflict((conflict) =>
        // The anti-join above already leaves out the bars the table holds with the same values, with read-only
        // index probes (ON CONFLICT would lock, and so write, each of them). This guard keeps that exact when
        // another writer stored the same values in between.
        conflict.columns(['symbol', 'price_date']).doUpdateSet(setFromExcluded('daily_prices', PRICE_COLUMNS))
          .where(sql<boolean>`(${sql.join(BAR_VALUE_COLUMNS.map((c) => sql.ref(`daily_prices.${c}`)))})
                 is distinct from (${sql.join(BAR_VALUE_COLUMNS.map((c) => sql.ref(`excluded.${c}`)))})`),
      );
}

/**
 * Records that `daily_prices` holds every bar of the snapshot `rawKey` of `symbol` (as a step of the statement
 * that wrote them): the next run, whose previous snapshot that is, may then send only the bars that differ from it.
 */
export function priceSourceStep(symbol: string, rawKey: string): WriteStep {
  return (creator: QueryCreator<Database>) =>
    creator
      .insertInto('price_sources')
      .values({ symbol, raw_key: rawKey })
      .onConflict((conflict) => conflict.column('symbol').doUpdateSet({ raw_key: rawKey }));
}

/** The snapshot each symbol's prices were last brought up to date with (symbols without one are absent). */
export async function priceSourcesOf(db: Kysely<Database>, symbols: readonly string[]): Promise<Map<string, string>> {
  if (symbols.length === 0) return new Map();
  const rows = await db
    .selectFrom('price_sources')
    .select(['symbol', 'raw_key'])
    .where('symbol', 'in', [...new Set(symbols)])
    .execute();
  return new Map(rows.map((row) => [row.symbol, row.raw_key]));
}

/**
 * The bars a run must send for a snapshot: all of them, unless `daily_prices` was last brought up to date with the
 * very snapshot `previous` is (`pricesSource`), in which case only the bars that are new or differ from it.
 * Either way the upsert itself leaves unchanged rows alone; this only spares it comparing them.
 */
export function barsToWrite(
  bars: readonly Bar[],
  previous: { key: string; bars: readonly Bar[] } | undefined,
  pricesSource: string | undefined,
): readonly Bar[] {
  if (previous === undefined || pricesSource !== previous.key) return bars;
  const held = new Map(previous.bars.map((bar) => [bar.date, bar]));
  return bars.filter((bar) => {
    const before = held.get(bar.date);
    return before === undefined || !sameBarValues(before, bar);
  });
}

/**
 * Whether the table would leave `held` alone when `bar` is upserted over it: the same values as stored (a NaN
 * adjusted close is stored as null), compared as the upsert's IS DISTINCT FROM compares them.
 */
export function sameBarValues(held: Bar, bar: Bar): boolean {
  const adjusted = (value: number | null) => (value === null || Number.isNaN(value) ? null : value);
  return (
    held.open === bar.open &&
    held.high === bar.high &&
    held.low === bar.low &&
    held.close === bar.close &&
    adjusted(held.adjClose) === adjusted(bar.adjClose) &&
    held.volume === bar.volume
  );
}

/** The bars column by column, as PostgreSQL array literals, each value checked as a row insert would check it. */
function barColumns(symbol: string, bars: readonly Bar[]) {
  const dates: string[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const adjClose: (number | null)[] = [];
  const volume: number[] = [];
  for (const bar of bars) {
    const what = `${symbol} ${bar.date}`;
    dates.push(bar.date);
    open.push(finiteDouble(bar.open, `${what} open`));
    high.push(finiteDouble(bar.high, `${what} high`));
    low.push(finiteDouble(bar.low, `${what} low`));
    close.push(finiteDouble(bar.close, `${what} close`));
    adjClose.push(nullableDouble(bar.adjClose, `${what} adj_close`));
    volume.push(finiteDouble(bar.volume, `${what} volume`));
  }
  return {
    dates: textArrayLiteral(dates),
    open: numberArrayLiteral(open),
    high: numberArrayLiteral(high),
    low: numberArrayLiteral(low),
    close: numberArrayLiteral(close),
    adjClose: numberArrayLiteral(adjClose),
    volume: numberArrayLiteral(volume),
  };
}
