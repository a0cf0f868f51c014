/**
 * Table rows to the bytes of one Parquet file, written by DuckDB (`@duckdb/node-api`; Parquet is built in).
 *
 * The rows are appended column by column in chunks (DuckDB's data chunks, 2,048 rows each) into an in-memory
 * table typed from schema.ts, which DuckDB then copies to a Parquet file (zstd) in a private temporary folder; the
 * bytes are read back for the lake's write path, which puts them like any other object. One thread, the rows in
 * the order given: the same rows make the same bytes, which the content-named keys (keys.ts) rely on.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BIGINT,
  DATE,
  DOUBLE,
  DuckDBDataChunk,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBType,
  type DuckDBValue,
  TIMESTAMP,
  VARCHAR,
  dateValue,
  timestampValue,
} from '@duckdb/node-api';
import type { CellValue, TableRow } from './rows.js';
import { type Column, type ColumnType, type TableName, tableSchema } from './schema.js';

const CHUNK_ROWS = 2048;
const MS_PER_DAY = 86_400_000;

const DUCKDB_TYPES: Record<ColumnType, DuckDBType> = {
  varchar: VARCHAR,
  double: DOUBLE,
  bigint: BIGINT,
  date: DATE,
  timestamp: TIMESTAMP,
};

export class ParquetRenderer {
  private count = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly folder: string,
  ) {}

  static async open(): Promise<ParquetRenderer> {
    const folder = await mkdtemp(join(tmpdir(), 'marketlake-parquet-'));
    try {
      const instance = await DuckDBInstance.create(':memory:', {
        threads: '1',
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        temp_directory: join(folder, 'spill'),
      });
      return new ParquetRenderer(instance, await instance.connect(), folder);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** The Parquet bytes of `rows` (every column of the table but its partition column, in schema order). */
  async render(table: TableName, rows: readonly TableRow[]): Promise<Uint8Array> {
    return this.renderBatches(table, [() => rows]);
  }

  /**
   * The same for rows made batch by batch (a ticker's at a time): only one batch and one chunk are held at once,
   * however many rows the file gets (a first run's prices: every bar of every ticker).
   */
  async renderBatches(table: TableName, batches: Iterable<() => readonly TableRow[]>): Promise<Uint8Array> {
    const columns = tableSchema(table).columns;
    const staging = `staging_${++this.count}`;
    const file = join(this.folder, `${staging}.parquet`);
    const definition = columns.map((column) => `"${column.name}" ${column.type.toUpperCase()}`).join(', ');
    await this.connection.run(`CREATE TABLE ${staging} (${definition})`);
    try {
      const appender = await this.connection.createAppender(staging);
      try {
        const types = columns.map((column) => DUCKDB_TYPES[column.type]);
        const append = (rows: readonly TableRow[]) => {
          const chunk = DuckDBDataChunk.create(types, rows.length);
          chunk.setColumns(columns.map((column) => rows.map((row) => duckValue(column, row[column.name] ?? null))));
          appender.appendDataChunk(chunk);
        };
        let pending: TableRow[] = [];
        for (const batch of batches) {
          for (const row of batch()) {
            pending.push(row);
            if (pending.length === CHUNK_ROWS) {
              append(pending);
              pending = [];
            }
          }
        }
        if (pending.length > 0) append(pending);
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      await this.connection.run(`COPY ${staging} TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
      return new Uint8Array(await readFile(file));
    } finally {
      await this.connection.run(`DROP TABLE ${staging}`);
      await rm(file, { force: true });
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.folder, { recursive: true, force: true });
  }
}

function duckValue(column: Column, value: CellValue): DuckDBValue {
  if (value === null) return null;
  switch (column.type) {
    case 'varchar':
      return String(value);
    case 'double':
      return Number(value);
    case 'bigint':
      return BigInt(value);
    case 'date':
      return dateValue(Math.round(instant(column, `${String(value)}T00:00:00Z`) / MS_PER_DAY));
    case 'timestamp':
      return timestampValue(BigInt(instant(column, String(value))) * 1000n);
  }
}

function instant(column: Column, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`table column ${column.name}: ${JSON.stringify(text)} is not a ${column.type}`);
  return ms;
}
