/**
 * Where a table file lives in the lake: `tables/{table}/{partition}={YYYY-MM-DD}/part-{sha256 prefix}.parquet`.
 *
 * The name is made of the file's own content (the first 16 hex digits of its sha256): writing the same rows again
 * (a retry, a second `tables rebuild`) names the same key with the same bytes, which the store's create-only put
 * and the lake's "same bytes, same object" rule turn into nothing written. Different rows get another name, so a
 * file is never rewritten.
 */
import { UserError } from '../errors.js';
import { isIsoDate } from '../market/dates.js';
import { quote } from '../quote.js';
import { isTableName, type TableName, tableSchema } from './schema.js';

export const TABLES_PREFIX = 'tables/';
export const TABLE_FILE_CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface TableFileKey {
  table: TableName;
  /** The partition value, `YYYY-MM-DD`. */
  partition: string;
  /** The file's sha256 prefix (16 hex digits). */
  name: string;
}

export class InvalidTableKeyError extends UserError {
  override readonly name = 'InvalidTableKeyError';
}

export function tablePrefix(table: TableName): string {
  return `${TABLES_PREFIX}${table}/`;
}

export function partitionPrefix(table: TableName, partition: string): string {
  if (!isIsoDate(partition)) throw new InvalidTableKeyError(`"${partition}" is not a date YYYY-MM-DD`);
  return `${tablePrefix(table)}${tableSchema(table).partition.name}=${partition}/`;
}

export function tableFileKey(table: TableName, partition: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new InvalidTableKeyError(`"${sha256}" is not a sha256 in hex`);
  return `${partitionPrefix(table, partition)}part-${sha256.slice(0, 16)}.parquet`;
}

const KEY_PATTERN =
  /^tables\/(?<table>[a-z_]+)\/(?<column>[a-z_]+)=(?<value>[^/]+)\/part-(?<name>[0-9a-f]{16})\.parquet$/;

export function parseTableFileKey(key: string): TableFileKey {
  const groups = KEY_PATTERN.exec(key)?.groups;
  if (groups === undefined) {
    throw new InvalidTableKeyError(
      `${quote(key)} is not a table file key (tables/{table}/{partition}={YYYY-MM-DD}/part-{16 hex}.parquet)`,
    );
  }
  if (!isTableName(groups.table)) throw new InvalidTableKeyError(`${quote(key)}: unknown table "${groups.table}"`);
  const expected = tableSchema(groups.table).partition.name;
  if (groups.column !== expected) {
    throw new InvalidTableKeyError(`${quote(key)}: the ${groups.table} table is partitioned by ${expected}`);
  }
  if (!isIsoDate(groups.value)) throw new InvalidTableKeyError(`${quote(key)}: "${groups.value}" is not a date`);
  return { table: groups.table, partition: groups.value, name: groups.name };
}

/** The key's table file form, or undefined for any other key under `tables/` (another tool's file). */
export function tableFileKeyOrUndefined(key: string): TableFileKey | undefined {
  try {
    return parseTableFileKey(key);
  } catch (error) {
    if (error instanceof InvalidTableKeyError) return undefined;
    throw error;
  }
}
