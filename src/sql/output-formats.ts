/**
 * How `marketlake sql` prints a result: an aligned text table (the default), CSV (RFC 4180) and JSON (an array of
 * objects keyed by column name, or one object a line). Values are the session's JSON-safe ones (json-values.ts);
 * in CSV and the text table a list, struct or map is written as its JSON.
 */
import type { QueryResult } from './duckdb-session.js';
import type { JsonValue } from './json-values.js';

/** A value as one field of text: null as `nullText`, strings as they are, anything else as JSON. */
function fieldText(value: JsonValue, nullText: string): string {
  if (value === null) return nullText;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** RFC 4180: a field with a comma, a double quote, CR or LF is quoted, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV as RFC 4180 writes it: a header row of the column names, CRLF after every record, null as an empty field
 * (an empty string is `""`, so the two stay apart).
 */
export function toCsv(result: QueryResult): string {
  const line = (fields: string[]) => fields.join(',') + '\r\n';
  const header = line(result.columns.map((column) => csvField(column.name)));
  const field = (value: JsonValue) => (value === '' ? '""' : csvField(fieldText(value, '')));
  const rows = result.rows.map((row) => line(row.map(field)));
  return header + rows.join('');
}

/**
 * Object keys for the columns: each name once; a repeated name gets `_1`, `_2`, ... (as DuckDB names the columns of
 * `SELECT 1 AS a, 2 AS a` when it must keep them apart), so no value is lost in an object.
 */
export function uniqueColumnKeys(result: QueryResult): string[] {
  const taken = new Set<string>();
  return result.columns.map(({ name }) => {
    let key = name;
    for (let suffix = 1; taken.has(key); suffix++) key = `${name}_${suffix}`;
    taken.add(key);
    return key;
  });
}

/** The rows as objects keyed by column name (uniqueColumnKeys), in column order. */
export function toObjects(result: QueryResult): Record<string, JsonValue>[] {
  const keys = uniqueColumnKeys(result);
  return result.rows.map((row) => Object.fromEntries(keys.map((key, index) => [key, row[index]])));
}

/** `--json`: one JSON array of row objects, and a newline. */
export function toJson(result: QueryResult): string {
  return JSON.stringify(toObjects(result)) + '\n';
}

/** JSON Lines: one row object a line. */
export function toJsonLines(result: QueryResult): string {
  return toObjects(result)
    .map((row) => JSON.stringify(row) + '\n')
    .join('');
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;

/** One line a cell: control characters (a newline in a value) written as escapes so the columns stay aligned. */
function cellText(value: JsonValue): string {
  return fieldText(value, 'NULL').replace(/[\u0000-\u001f\u007f]/g, (character) => {
    const escapes: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return escapes[character] ?? `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Width on a terminal, counted in code points (wide characters count one; good enough for data). */
const widthOf = (text: string): number => [...text].length;

/**
 * The default output: the column names, a rule, one line a row with the columns aligned (numbers to the right),
 * NULL for null, and a count of the rows at the end.
 */
export function toTextTable(result: QueryResult): string {
  const header = result.columns.map((column) => cellText(column.name));
  const cells = result.rows.map((row) => row.map(cellText));
  const widths = header.map((name, index) => Math.max(widthOf(name), ...cells.map((row) => widthOf(row[index]))));
  const numeric = result.columns.map((column) => NUMERIC_TYPE.test(column.type));
  const pad = (text: string, index: number) => {
    const fill = ' '.repeat(widths[index] - widthOf(text));
    return numeric[index] ? fill + text : text + fill;
  };
  const line = (texts: string[]) => texts.map(pad).join('  ').trimEnd() + '\n';
  const rule = widths.map((width) => '-'.repeat(width)).join('  ') + '\n';
  const count = result.rows.length === 1 ? '(1 row)\n' : `(${result.rows.length} rows)\n`;
  return line(header) + rule + cells.map(line).join('') + count;
}
