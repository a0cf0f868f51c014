import { isIsoDate } from '../market/dates.js';
import type { CellValue } from './rows.js';
import type { Column, TableName, TableSchema } from './schema.js';

/**
 * The check of each cell before it goes into a Parquet file (parquet-file.ts): a value of the wrong type, or a null
 * where the table cannot have one, is a bug in the rows (rows.ts) and must not become a file that Athena and DuckDB
 * read as another value (a text where a number belongs reads as null, a bad date as an error at query time).
 * Cheap, because a first run's prices file has every bar of every ticker: one `typeof` per cell, and the format
 * of a date or timestamp once per distinct value (when it enters the writer's dictionary).
 */

/** A cell the table cannot hold: names the table, the column and the row (0-based, in the file's order). */
export class TableRowError extends Error {
  override readonly name = 'TableRowError';
  constructor(
    readonly table: TableName,
    readonly column: string,
    readonly row: number,
    readonly problem: string,
  ) {
    super(`table ${table}, column ${column}, row ${row}: ${problem} (the rows do not match the table's schema)`);
  }
}

/**
 * The columns that always have a value: the ticker, and the column naming the object a row was made from (every
 * row has one). The others may be null where their description says so.
 */
export function requiredColumns(schema: TableSchema): ReadonlySet<string> {
  return new Set(['ticker', schema.source].filter((name) => schema.columns.some((column) => column.name === name)));
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Why `value` cannot be a cell of `column`, or undefined; the format of a text is `textProblem`'s. */
export function cellProblem(column: Column, required: boolean, value: CellValue | undefined): string | undefined {
  if (value === null || value === undefined) return required ? 'null, but every row has a value here' : undefined;
  switch (column.type) {
    case 'varchar':
    case 'date':
    case 'timestamp':
      return typeof value === 'string' ? undefined : `expected a ${column.type} as text, got ${describe(value)}`;
    case 'double':
      return typeof value === 'number' ? undefined : `expected a number, got ${describe(value)}`;
    case 'bigint':
      return Number.isSafeInteger(value) ? undefined : `expected a whole number, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
  }
}

/** Why a text cannot be a value of `column` (a date `YYYY-MM-DD`, an ISO 8601 instant), or undefined. */
export function textProblem(column: Column, text: string): string | undefined {
  if (column.type === 'date' && !isIsoDate(text)) {
    return `expected a date YYYY-MM-DD, got ${JSON.stringify(text)}`;
  }
  if (column.type === 'timestamp' && !(INSTANT.test(text) && !Number.isNaN(Date.parse(text)))) {
    return `expected an ISO 8601 instant, got ${JSON.stringify(text)}`;
  }
  return undefined;
}

/** Names of a batch's columns the table does not have (a misspelt column would otherwise be written as nulls). */
export function unknownColumns(schema: TableSchema, names: Iterable<string>): string[] {
  const known = new Set([schema.partition.name, ...schema.columns.map((column) => column.name)]);
  return [...names].filter((name) => !known.has(name));
}

function describe(value: unknown): string {
  return `${typeof value} ${JSON.stringify(value)}`;
}
