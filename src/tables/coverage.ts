/**
 * Which source objects the table files already hold rows of (schema.ts `source`: the raw key of a prices row,
 * the processed object of a result row, ...): what `tables rebuild` leaves out, so that running it again, or
 * after the daily run wrote its files, adds no row twice.
 */
import { duckdb } from './duckdb-api.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '../storage/object-store.js';
import { type LocalTables, syncLocalTables } from './local-copy.js';
import { type TableName, tableSchema } from './schema.js';

export async function coveredSources(local: LocalTables, table: TableName): Promise<Set<string>> {
  return sourcesOf(local.files.get(table) ?? [], table);
}

async function sourcesOf(files: readonly string[], table: TableName): Promise<Set<string>> {
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

/** The objects the lake's tables hold rows of, asked about files not yet in the lake (see `overlaps`). */
export interface TablesCoverage {
  /** Whether a table file's rows (its Parquet bytes) name an object the lake's table already holds rows of. */
  overlaps(table: TableName, body: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}

/** A private copy of `tables`' files (removed at close) and what they hold. */
export async function coverageOfTables(store: ObjectStore, tables: readonly TableName[]): Promise<TablesCoverage> {
  const folder = await mkdtemp(join(tmpdir(), 'marketlake-coverage-'));
  const covered = new Map<TableName, Set<string>>();
  try {
    const local = await syncLocalTables(store, join(folder, 'copy'), [...new Set(tables)]);
    for (const table of new Set(tables)) covered.set(table, await coveredSources(local, table));
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  let count = 0;
  return {
    async overlaps(table, body) {
      const held = covered.get(table) ?? new Set<string>();
      if (held.size === 0) return false;
      const file = join(folder, `pending-${++count}.parquet`);
      await writeFile(file, body);
      const sources = await sourcesOf([file], table);
      return [...sources].some((source) => held.has(source));
    },
    close: () => rm(folder, { recursive: true, force: true }),
  };
}
