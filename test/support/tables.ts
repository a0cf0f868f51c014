/**
 * Reads the lake's tables the way `marketlake sql` does (a local copy of the files, the views of src/sql), in a
 * plain DuckDB instance: for tests that check what the tables hold, not how a query is confined.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { lakeViewStatements } from '../../src/sql/lake-views.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { syncLocalTables } from '../../src/tables/local-copy.js';
import { TABLE_NAMES } from '../../src/tables/schema.js';
import { createTestWarehouse, type TestWarehouse } from './databases.js';
import { createTestLake, type TestLake } from './lake.js';

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

/** A fresh embedded warehouse, a lake on it, and a folder for the local copy of its tables. */
export interface TablesTestLake {
  db: TestWarehouse;
  t: TestLake;
  /** The local copy's folder (tables rebuild and queryTables take it). */
  cache: string;
  dispose(): Promise<void>;
}

export async function createTablesTestLake(): Promise<TablesTestLake> {
  const db = await createTestWarehouse('pglite');
  const t = await createTestLake(db.warehouse);
  const cache = await mkdtemp(join(tmpdir(), 'marketlake-tables-cache-'));
  return {
    db,
    t,
    cache,
    async dispose() {
      await t.dispose();
      await db.dispose();
      await rm(cache, { recursive: true, force: true });
    },
  };
}
