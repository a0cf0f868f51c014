/**
 * Reads the lake's tables the way `marketlake sql` does (a local copy of the files, the views of src/sql), in a
 * plain DuckDB instance: for tests that check what the tables hold, not how a query is confined.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { lakeViewStatements } from '../../src/sql/lake-views.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { syncLocalTables } from '../../src/tables/local-copy.js';
import { TABLE_NAMES } from '../../src/tables/schema.js';

export type JsonRow = Record<string, unknown>;

export async function queryTables(store: ObjectStore, cacheDir: string, sql: string): Promise<JsonRow[]> {
  const local = await syncLocalTables(store, cacheDir, TABLE_NAMES);
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  try {
    const connection = await instance.connect();
    try {
      for (const view of lakeViewStatements(local)) await connection.run(view.sql);
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as JsonRow[];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
