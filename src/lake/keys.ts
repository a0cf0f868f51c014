import { UserError } from '../errors.js';
import { isIsoDate } from '../market/dates.js';
import type { SourceName } from './formats/raw.js';
import { quote } from '../quote.js';
import { tickerFromSegment, tickerSegment } from '../market/ticker-segment.js';
import { type LakeCompression, keyExtension } from './compression.js';

/**
 * The key layout of docs/design.md "Keys":
 *   raw/{source}/{TICKER}/{FETCH_DATE}/{TS}.json
 *   processed/{kind}/{TICKER}/{AS_OF}/{TS}.json
 * TICKER is the ticker's key segment (ticker-segment.ts: `^GSPC` is `_5EGSPC`, a plain ticker is itself).
 * TS is the UTC time `YYYYMMDD_HHMMSS`; a key is written once, and a second object in the same second takes
 * `{TS}_2.json`, `{TS}_3.json`, ... Keys sort by date then time within a ticker, which is what "latest" means.
 * A compressed object (compression.ts) ends `.json.gz` instead of `.json`: the extension is how Athena, DuckDB and
 * the lake's own readers know to decompress, and it is part of the key, so the two forms never share a key.
 */
export const PROCESSED_KINDS = ['indicators', 'percentiles', 'features'] as const;
export type ProcessedKind = (typeof PROCESSED_KINDS)[number];
export type ObjectKind = 'raw' | ProcessedKind;
export const OBJECT_KINDS: readonly ObjectKind[] = ['raw', ...PROCESSED_KINDS];

export const RAW_SOURCES: readonly SourceName[] = ['yfinance', 'csv', 'sample'];

export interface ParsedKey {
  kind: ObjectKind;
  /** For raw objects: the source segment (yfinance, csv, sample). */
  source?: SourceName;
  ticker: string;
  /** Fetch date (raw) or as-of date (processed). */
  date: string;
  /** `YYYYMMDD_HHMMSS` */
  timestamp: string;
  /** 1 for `{TS}.json`, n for `{TS}_n.json`. */
  sequence: number;
  /**
   * How the body is stored: parseKey always says (`none` for `.json`, `gzip` for `.json.gz`); a writer leaves it
   * out to take the lake's setting (DataLake.write).
   */
  compression?: LakeCompression;
}

const TIMESTAMP_PATTERN = /^\d{8}_\d{6}$/;

export class InvalidKeyError extends UserError {
  override readonly name = 'InvalidKeyError';
}

export function formatTimestamp(instant: Date): string {
  const iso = instant.toISOString(); // 2026-11-26T15:03:15.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** The instant a `YYYYMMDD_HHMMSS` timestamp names (UTC). */
export function parseTimestamp(timestamp: string): Date {
  if (!TIMESTAMP_PATTERN.test(timestamp))
    throw new InvalidKeyError(`"${timestamp}" is not a timestamp YYYYMMDD_HHMMSS`);
  const t = timestamp;
  return new Date(
    `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`,
  );
}

/** The folder holding every object of one kind and ticker: `raw/{source}/{TICKER}/` or `processed/{kind}/{TICKER}/`. */
export function tickerPrefix(kind: ObjectKind, ticker: string, source: SourceName = 'yfinance'): string {
  const symbol = tickerSegment(ticker);
  return kind === 'raw' ? `raw/${source}/${symbol}/` : `processed/${kind}/${symbol}/`;
}

export function datePrefix(kind: ObjectKind, ticker: string, date: string, source?: SourceName): string {
  if (!isIsoDate(date)) throw new InvalidKeyError(`"${date}" is not a date YYYY-MM-DD`);
  return `${tickerPrefix(kind, ticker, source)}${date}/`;
}

export function objectKey(
  kind: ObjectKind,
  ticker: string,
  date: string,
  timestamp: string,
  sequence = 1,
  source?: SourceName,
  compression: LakeCompression = 'none',
): string {
  if (!TIMESTAMP_PATTERN.test(timestamp))
    throw new InvalidKeyError(`"${timestamp}" is not a timestamp YYYYMMDD_HHMMSS`);
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new InvalidKeyError(`sequence ${sequence} must be a positive integer`);
  return `${datePrefix(kind, ticker, date, source)}${timestamp}${sequence === 1 ? '' : `_${sequence}`}${keyExtension(compression)}`;
}

const KEY_PATTERN =
  /^(?:raw\/(?<source>[a-z]+)|processed\/(?<kind>[a-z]+))\/(?<ticker>[^/]+)\/(?<date>\d{4}-\d{2}-\d{2})\/(?<ts>\d{8}_\d{6})(?:_(?<seq>[1-9]\d*))?\.json(?<gz>\.gz)?$/;

export function parseKey(key: string): ParsedKey {
  const match = KEY_PATTERN.exec(key);
  const groups = match?.groups;
  if (!groups)
    throw new InvalidKeyError(
      `${quote(key)} is not a marketlake object key (raw/{source}/{TICKER}/{DATE}/{TS}.json or processed/{kind}/{TICKER}/{DATE}/{TS}.json, or .json.gz)`,
    );
  const source = groups.source as SourceName | undefined;
  const kind = (groups.kind ?? 'raw') as ObjectKind;
  if (source !== undefined && !RAW_SOURCES.includes(source))
    throw new InvalidKeyError(`"${key}": unknown raw source "${source}"`);
  if (groups.kind !== undefined && !(PROCESSED_KINDS as readonly string[]).includes(groups.kind)) {
    throw new InvalidKeyError(`"${key}": unknown processed kind "${groups.kind}"`);
  }
  if (!isIsoDate(groups.date)) throw new InvalidKeyError(`"${key}": "${groups.date}" is not a calendar date`);
  const ticker = tickerFromSegment(groups.ticker);
  if (ticker === undefined) {
    throw new InvalidKeyError(
      `${quote(key)}: ${quote(groups.ticker)} is not the key form of a ticker (upper-case; "^" written as "_5E")`,
    );
  }
  return {
    kind,
    ...(source ? { source } : {}),
    ticker,
    date: groups.date,
    timestamp: groups.ts,
    sequence: groups.seq === undefined ? 1 : Number(groups.seq),
    compression: groups.gz === undefined ? 'none' : 'gzip',
  };
}

/**
 * Orders keys of one ticker and kind oldest first: by date, then timestamp, then sequence (numerically: _10 after _9).
 * `{TS}.json` and `{TS}.json.gz` can both exist only when the setting changed within that second; the compressed
 * one, written by the newer setting, counts as the later, so the order is total.
 */
export function compareKeys(a: ParsedKey, b: ParsedKey): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.sequence !== b.sequence) return a.sequence - b.sequence;
  return compressionRank(a) - compressionRank(b);
}

function compressionRank(key: ParsedKey): number {
  return key.compression === 'gzip' ? 1 : 0;
}
