import { z } from 'zod';
import { InputError } from '../../errors.js';
import { isIsoDate } from '../../market/dates.js';
import { normalizeTicker } from '../../market/ticker.js';
import { tickerFromSegment } from '../../market/ticker-segment.js';
import { RAW_SCHEMA, type Dividend, type RawBar, type RawSnapshot, type Split } from './raw.js';
import { RAW_DOCUMENT } from './raw-schema.js';
import { checkDocument } from './schema-check.js';
import { checkBars, missingFieldsReason } from './raw-bars.js';

/**
 * Reads a raw object from the lake: the current `marketlake.raw/1` document, or the older format an existing
 * bucket may hold (docs/design.md "Object bodies"), which is turned into the current one in memory and never written.
 * Every error names the key and the field, so a bad object in a bucket of thousands can be found.
 */
export function parseRawDocument(text: string, key: string): RawSnapshot {
  const fail = (problem: string): never => {
    throw new InputError(key, undefined, problem);
  };
  let document: unknown;
  try {
    document = parseJson(text);
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return fail('expected a JSON object (a raw snapshot)');
  }
  const record = document as Record<string, unknown>;
  if ('schema' in record) {
    if (record.schema !== RAW_SCHEMA) return fail(`schema ${JSON.stringify(record.schema)} is not ${RAW_SCHEMA}`);
    return parseCurrent(record, key);
  }
  if ('history' in record) return parseLegacy(record, key);
  return fail(`neither a ${RAW_SCHEMA} document (no "schema") nor the older format (no "history" list)`);
}

// --- marketlake.raw/1 (its schema: raw-schema.ts) ----------------------------------------------------------------

function parseCurrent(document: Record<string, unknown>, key: string): RawSnapshot {
  const parsed = checkDocument(RAW_DOCUMENT, document, key);
  let ticker: string;
  try {
    ticker = normalizeTicker(parsed.ticker);
  } catch (error) {
    throw new InputError(key, undefined, `ticker: ${(error as Error).message}`);
  }
  // The bars are checked as a series too (order, one per date): the schema sees one bar at a time.
  checkBars(parsed.bars, key);
  const snapshot: RawSnapshot = { ...parsed, ticker };
  if (parsed.dropped_bars === undefined) delete snapshot.dropped_bars;
  if (parsed.synthetic === undefined) delete snapshot.synthetic;
  return snapshot;
}

// --- the older format ---------------------------------------------------------------------------------------------

/**
 * JSON.parse, and only when it refuses the text, again after `legacyNumbersToNull`: text JSON.parse takes has no
 * bare NaN or Infinity for that rewrite to change, and scanning every string of a snapshot for them cost more than
 * the rest of the parse (docs/benchmarks.md "Measurements behind design choices").
 */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
    return JSON.parse(legacyNumbersToNull(text));
  }
}

/**
 * The older writer was Python: `json.dumps` writes NaN, Infinity and -Infinity as bare words, which JSON.parse
 * refuses. Outside strings they become null, and the rows holding them are dropped as rows of nulls.
 */
function legacyNumbersToNull(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g, (match) => (match.startsWith('"') ? match : 'null'));
}

/** Every row has the five columns (null on a day without prices); the others are optional. */
const cell = z.number().nullable();
const legacyRow = z.object({
  Date: z.string(),
  Open: cell,
  High: cell,
  Low: cell,
  Close: cell,
  Volume: cell,
  'Adj Close': cell.optional(),
  Dividends: cell.optional(),
  'Stock Splits': cell.optional(),
});

const optionalText = z.string().nullable().optional();
/** yfinance's `info` and history metadata name these fields this way. */
const vendorInfo = z
  .object({
    currency: optionalText,
    exchange: optionalText,
    exchangeName: optionalText,
    exchangeTimezoneName: optionalText,
    timezone: optionalText,
  })
  .nullable()
  .optional();

const legacySchema = z.object({
  ticker: optionalText,
  symbol: optionalText,
  fetched_at: optionalText,
  interval: optionalText,
  currency: optionalText,
  exchange: optionalText,
  timezone: optionalText,
  info: vendorInfo,
  metadata: vendorInfo,
  history: z.array(legacyRow),
});

/** `raw/yfinance/{TICKER}/{FETCH_DATE}/{TS}.json` (or `{TS}_2.json`), possibly under a prefix. */
const RAW_KEY =
  /(?:^|\/)raw\/yfinance\/([^/]+)\/(\d{4}-\d{2}-\d{2})\/(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?:_\d+)?\.json$/;

/** A row's date as written: `2024-01-02`, or the date part of `2024-01-02T00:00:00-05:00` / `2024-01-02 00:00:00`. */
const LEGACY_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function parseLegacy(document: Record<string, unknown>, key: string): RawSnapshot {
  const fail = (problem: string): never => {
    throw new InputError(key, undefined, problem);
  };
  const parsed = checkDocument(legacySchema, document, key);
  if (parsed.interval != null && parsed.interval !== '1d') {
    fail(`interval ${JSON.stringify(parsed.interval)} is not daily ("1d"): only daily bars are read`);
  }
  const keyMatch = RAW_KEY.exec(key);

  const ticker = legacyTicker(parsed.ticker ?? parsed.symbol ?? null, keyMatch?.[1] ?? null, fail);
  const fetchedAt = legacyFetchedAt(parsed.fetched_at ?? null, keyMatch, fail);

  const rows: { date: string; index: number; row: z.infer<typeof legacyRow> }[] = parsed.history.map((row, index) => {
    // The date part as written is the exchange-local date: pandas writes the index in the exchange's zone.
    const match = LEGACY_DATE.exec(row.Date.trim());
    if (!match || !isIsoDate(match[1])) {
      fail(`history[${index}].Date: ${JSON.stringify(row.Date)} is neither YYYY-MM-DD nor an ISO timestamp`);
    }
    return { date: match![1], index, row };
  });
  // Stable: rows of one date keep their order, and checkBars reports them as duplicates.
  rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  const bars: RawBar[] = [];
  const dropped: { date: string; reason: string }[] = [];
  const dividends: Dividend[] = [];
  const splits: Split[] = [];
  for (const { date, index, row } of rows) {
    const fields = { open: row.Open, high: row.High, low: row.Low, close: row.Close, volume: row.Volume };
    const reason = missingFieldsReason(fields);
    if (reason !== null) dropped.push({ date, reason });
    else {
      bars.push({
        date,
        open: row.Open!,
        high: row.High!,
        low: row.Low!,
        close: row.Close!,
        adj_close: row['Adj Close'] ?? null,
        volume: row.Volume!,
      });
    }
    // pandas writes 0 on days without an event.
    if (row.Dividends) dividends.push({ date, amount: row.Dividends });
    if (row['Stock Splits'])
      splits.push({ date, ...splitRatio(row['Stock Splits'], `history[${index}]["Stock Splits"]`, fail) });
  }
  if (bars.length === 0) {
    const count = parsed.history.length;
    fail(`history has no rows with prices (${count} row${count === 1 ? '' : 's'})`);
  }
  checkBars(bars, key);

  const info = { ...parsed.metadata, ...parsed.info };
  const snapshot: RawSnapshot = {
    schema: RAW_SCHEMA,
    source: 'yfinance',
    ticker,
    fetched_at: fetchedAt,
    interval: '1d',
    currency: parsed.currency ?? info.currency ?? null,
    exchange: parsed.exchange ?? info.exchange ?? info.exchangeName ?? null,
    timezone: parsed.timezone ?? info.exchangeTimezoneName ?? info.timezone ?? null,
    bars,
    events: { dividends, splits },
  };
  if (dropped.length > 0) snapshot.dropped_bars = dropped;
  return snapshot;
}

function legacyTicker(fromDocument: string | null, fromKey: string | null, fail: (problem: string) => never): string {
  const normalize = (value: string, where: string) => {
    try {
      return normalizeTicker(value);
    } catch (error) {
      return fail(`${where}: ${(error as Error).message}`);
    }
  };
  const documentTicker = fromDocument === null ? null : normalize(fromDocument, 'ticker');
  // Our keys write `^` escaped (`_5EGSPC`); a key of the older system may hold the symbol as it is.
  const keyTicker = fromKey === null ? null : (tickerFromSegment(fromKey) ?? normalize(fromKey, 'the key'));
  if (documentTicker && keyTicker && documentTicker !== keyTicker) {
    fail(`the document is for ${documentTicker} but its key names ${keyTicker}`);
  }
  const ticker = documentTicker ?? keyTicker;
  if (!ticker)
    return fail('no ticker: the document has no "ticker" or "symbol" and the key is not raw/yfinance/{TICKER}/...');
  return ticker;
}

/**
 * The document's `fetched_at`, else the key's `{TS}` (UTC by docs/design.md). A timestamp without a zone is read as
 * UTC: the older system ran on UTC hosts. More than millisecond digits (Python writes microseconds) are cut.
 */
function legacyFetchedAt(
  fromDocument: string | null,
  keyMatch: RegExpExecArray | null,
  fail: (problem: string) => never,
): string {
  if (fromDocument !== null) {
    const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(
      fromDocument.trim(),
    );
    const millis = match ? (match[3] ?? '').slice(0, 3).padEnd(3, '0') : '';
    const zone = match?.[4] ?? 'Z';
    const instant = match ? new Date(`${match[1]}T${match[2]}.${millis}${zone}`) : null;
    if (!instant || Number.isNaN(instant.getTime()) || !isIsoDate(match![1])) {
      return fail(`fetched_at: ${JSON.stringify(fromDocument)} is not an ISO timestamp`);
    }
    return instant.toISOString();
  }
  if (keyMatch) {
    const [, , , year, month, day, hour, minute, second] = keyMatch;
    const instant = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
    if (Number.isNaN(instant.getTime()) || !isIsoDate(`${year}-${month}-${day}`)) {
      return fail(`the key's timestamp ${year}${month}${day}_${hour}${minute}${second} is not a valid time`);
    }
    return instant.toISOString();
  }
  return fail('no fetch time: the document has no "fetched_at" and the key has no {TS} (YYYYMMDD_HHMMSS)');
}

/** yfinance writes a split as one float (4.0 for 4:1, 0.5 for 1:2, 1.5 for 3:2): the smallest fraction that matches. */
function splitRatio(
  ratio: number,
  where: string,
  fail: (problem: string) => never,
): { numerator: number; denominator: number } {
  if (!(ratio > 0)) return fail(`${where}: a split ratio must be positive, got ${ratio}`);
  for (let denominator = 1; denominator <= 1000; denominator++) {
    const numerator = Math.round(ratio * denominator);
    if (numerator > 0 && Math.abs(numerator / denominator - ratio) <= 1e-9 * Math.max(1, ratio)) {
      return { numerator, denominator };
    }
  }
  return fail(`${where}: split ratio ${ratio} is not a fraction with a denominator up to 1000`);
}
