/**
 * The raw snapshot document (DESIGN.md "Object bodies": `marketlake.raw/1`), as every source produces it
 * and as the lake stores it. Field names are snake_case because this is the stored JSON contract.
 */
export const RAW_SCHEMA = 'marketlake.raw/1';

/** Where a snapshot came from; it is also the key segment `raw/{source}/...` and the `source` tag. */
export type SourceName = 'yfinance' | 'csv' | 'sample';

export interface RawBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adj_close: number | null;
  volume: number;
}

export interface Dividend {
  date: string;
  amount: number;
}

export interface Split {
  date: string;
  numerator: number;
  denominator: number;
}

export interface RawSnapshot {
  schema: typeof RAW_SCHEMA;
  source: SourceName;
  ticker: string;
  /** ISO 8601 UTC instant of the fetch. */
  fetched_at: string;
  interval: '1d';
  currency: string | null;
  exchange: string | null;
  timezone: string | null;
  bars: RawBar[];
  events: { dividends: Dividend[]; splits: Split[] };
  /** Vendor rows that could not be used (Yahoo sends bars of nulls), kept so the snapshot says what was fetched. */
  dropped_bars?: { date: string; reason: string }[];
  /** True for the seeded synthetic generator: never mistake it for market data. */
  synthetic?: boolean;
}
