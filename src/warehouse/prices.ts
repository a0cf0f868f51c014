/**
 * `daily_prices`: one row per (symbol, date), the bars of the latest raw snapshot that covered that date.
 */
import type { Kysely } from 'kysely';
import type { Bar } from '../market/bars.js';
import type { Database } from './schema.js';
import { assertUniqueKeys, chunkRows, finiteDouble, nullableDouble, setFromExcluded } from './sql-helpers.js';

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

/**
 * Inserts or replaces the bars of `symbol` in multi-row `INSERT ... ON CONFLICT DO UPDATE` statements (up to
 * 1000 rows each). Returns the number of rows written. Wrap it in a transaction for all-or-nothing over chunks.
 */
export async function upsertPrices(
  db: Kysely<Database>,
  symbol: string,
  bars: readonly Bar[],
  raw: RawSnapshotRef,
): Promise<number> {
  assertUniqueKeys(bars, (bar) => bar.date, `upsertPrices(${symbol}): bar date`);
  const rows = bars.map((bar) => {
    const what = `${symbol} ${bar.date}`;
    return {
      symbol,
      price_date: bar.date,
      open: finiteDouble(bar.open, `${what} open`),
      high: finiteDouble(bar.high, `${what} high`),
      low: finiteDouble(bar.low, `${what} low`),
      close: finiteDouble(bar.close, `${what} close`),
      adj_close: nullableDouble(bar.adjClose, `${what} adj_close`),
      volume: finiteDouble(bar.volume, `${what} volume`),
      raw_key: raw.key,
      raw_version_id: raw.versionId,
      fetched_at: raw.fetchedAt,
    };
  });
  for (const chunk of chunkRows(rows, PRICE_COLUMNS.length + 2)) {
    await db
      .insertInto('daily_prices')
      .values(chunk)
      .onConflict((conflict) =>
        conflict.columns(['symbol', 'price_date']).doUpdateSet(setFromExcluded('daily_prices', PRICE_COLUMNS)),
      )
      .execute();
  }
  return rows.length;
}
