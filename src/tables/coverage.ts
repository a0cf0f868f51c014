/**
 * Which source objects the table files already hold rows of (schema.ts `source`: the raw key of a prices row,
 * the processed object of a result row, ...): what `tables rebuild` leaves out, so that running it again, or
 * after the daily run wrote its files, adds no row twice.
 */
import { duckdb } from './duckdb-api.js';
import type { LocalTables } from './local-copy.js';
import { type TableName, tableSchema } from './schema.js';

export async function coveredSources(local: LocalTables, table: TableName): Promise<Set<string>> {
  const files = local.files.get(table) ?? [];
  if (files.length === 0) return new Set();
  const instance = await duckdb.DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  try {
    const connection = await instance.connect();
    try {
      const list = files.map((file) => `'${file.replaceAll("'", "''")}'`).join(', ');
      const column = tableSchema(table).source;
      const reader = await connection.runAndReadAll(`SELECT DISTINCT "${column}" FROM read_parquet([${list}])`);
      return new Set(reader.getRows().map(([value]) => String(value)));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
