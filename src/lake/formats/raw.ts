import { tickerSegment } from '../../market/ticker-segment.js';
import { PRODUCER } from '../../version.js';
import { RAW_DOCUMENT } from './raw-schema.js';
import { renderedObject, serializeBody, sha256Hex, type RenderedObject } from './render.js';
import { checkBeforeWrite } from './schema-check.js';
import { RAW_SCHEMA } from './schema-names.js';

/**
 * The raw snapshot document (docs/design.md "Object bodies": `marketlake.raw/1`), as every source produces it
 * and as the lake stores it. Field names are snake_case because this is the stored JSON contract. It is read back
 * by raw-parse.ts (which also reads the older format) and turned into domain bars by raw-bars.ts.
 */
export { RAW_SCHEMA };

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

/**
 * The raw snapshot as stored, once its schema (raw-schema.ts) has accepted it. `key` is only used in error messages
 * (limits are checked per object).
 */
export function renderRaw(key: string, snapshot: RawSnapshot): RenderedObject {
  const body = serializeBody(snapshot);
  checkBeforeWrite(RAW_DOCUMENT, snapshot, body, key);
  const bars = snapshot.bars;
  const tags = {
    source: snapshot.source,
    ticker: tickerSegment(snapshot.ticker),
    fetched_at: snapshot.fetched_at.slice(0, 10),
  };
  const metadata: Record<string, string> = {
    fetched_at: snapshot.fetched_at,
    source: snapshot.source,
    ticker: snapshot.ticker,
    data_classification: 'public-api-data',
    content_sha256: sha256Hex(body),
    bars: String(bars.length),
    first_date: bars[0]?.date ?? '',
    last_date: bars[bars.length - 1]?.date ?? '',
    producer: PRODUCER,
  };
  if (snapshot.synthetic) metadata.synthetic = 'true';
  return renderedObject(key, body, tags, metadata);
}
