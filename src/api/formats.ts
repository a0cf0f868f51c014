/**
 * JSON by default; CSV where an answer is a list of like rows (a query's result, a snapshot's bars, the versions
 * of an object, the tickers), asked by `?format=csv` or by preferring `text/csv` in Accept. The CSV is the one
 * `marketlake sql --csv` writes (RFC 4180, src/sql/output-formats.ts).
 */
import type { Context } from 'hono';
import type { QueryResult } from '../sql/duckdb-session.js';
import type { JsonValue } from '../sql/json-values.js';
import { toCsv } from '../sql/output-formats.js';

export type Format = 'json' | 'csv';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json';

/** `?format=` wins; else the Accept header's preference between JSON and CSV (ties and no preference: JSON). */
export function chosenFormat(c: Context, format: Format | undefined): Format {
  // The answer depends on Accept whenever the query does not decide: caches must keep the two apart.
  if (format !== undefined) return format;
  c.header('Vary', 'Accept', { append: true });
  const accept = c.req.header('Accept');
  if (accept === undefined) return 'json';
  const weights = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [type = '', ...parameters] = part.split(';').map((text) => text.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(type, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (type: string) => weights.get(type) ?? weights.get(`${type.split('/')[0]}/*`) ?? weights.get('*/*');
  const csv = weightOf('text/csv') ?? 0;
  const json = weightOf('application/json') ?? 0;
  return csv > json ? 'csv' : 'json';
}

/** Rows of like objects as a query result, for toCsv: the columns are the first row's keys, in order. */
export function rowsAsResult(rows: readonly Record<string, JsonValue>[], columns?: readonly string[]): QueryResult {
  const names = columns ?? Object.keys(rows[0] ?? {});
  return {
    columns: names.map((name) => ({ name, type: 'VARCHAR' })),
    rows: rows.map((row) => names.map((name) => row[name] ?? null)),
  };
}

export function csvResponse(c: Context, result: QueryResult): Response {
  return c.body(toCsv(result), 200, { 'Content-Type': CSV_CONTENT_TYPE });
}

/** JSON exactly as given (`text` already serialised, as `marketlake sql --json` prints it). */
export function jsonTextResponse(c: Context, text: string): Response {
  return c.body(text, 200, { 'Content-Type': JSON_CONTENT_TYPE });
}
