/**
 * Test setup: small Parquet files written by an unconfined DuckDB, laid out as the lake's tables are
 * (`tables/{table}/{partition}=YYYY-MM-DD/*.parquet`), plus a file outside the tables folder to try to read.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export interface ParquetFixture {
  /** The temporary directory holding everything; `remove()` deletes it. */
  root: string;
  /** The readable folder: `root/tables`. */
  tables: string;
  /** A folder beside it that a session must not read: `root/outside`, holding `secret.parquet`. */
  outside: string;
  remove(): void;
}

/** Runs `statements` in a throwaway in-memory DuckDB with no confinement (writing the fixture's files). */
export async function runUnconfined(...statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const statement of statements) await connection.run(statement);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Reads the rows of a Parquet file with an unconfined DuckDB (to check what a session wrote), as DuckDB's JSON. */
export async function readParquetRows(file: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`);
    return reader.getRowsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * A `prices` table of two partitions (as_of 2024-01-02: AAA and BBB; 2024-01-03: AAA) with a DOUBLE close, a BIGINT
 * volume beyond 2^53 for BBB, a TIMESTAMP and a nullable note; and `outside/secret.parquet`.
 */
export async function makeParquetFixture(): Promise<ParquetFixture> {
  const root = mkdtempSync(join(tmpdir(), 'marketlake-sql-fixture-'));
  const tables = join(root, 'tables');
  const outside = join(root, 'outside');
  for (const dir of ['prices/as_of=2024-01-02', 'prices/as_of=2024-01-03'])
    mkdirSync(join(tables, dir), { recursive: true });
  mkdirSync(outside);
  await runUnconfined(
    `COPY (SELECT * FROM (VALUES
        ('AAA', 10.5, 1000::BIGINT, TIMESTAMP '2024-01-02 21:00:00.123', 'first'),
        ('BBB', 'NaN'::DOUBLE, 9007199254740993::BIGINT, TIMESTAMP '2024-01-02 21:00:00', NULL)
      ) t(ticker, close, volume, fetched_at, note))
      TO '${tables}/prices/as_of=2024-01-02/part-0.parquet' (FORMAT parquet)`,
    `COPY (SELECT 'AAA' AS ticker, 11.0 AS close, 2000::BIGINT AS volume,
        TIMESTAMP '2024-01-03 21:00:00.000001' AS fetched_at, NULL::VARCHAR AS note)
      TO '${tables}/prices/as_of=2024-01-03/part-0.parquet' (FORMAT parquet)`,
    `COPY (SELECT 'do not read me' AS secret) TO '${outside}/secret.parquet' (FORMAT parquet)`,
  );
  return { root, tables, outside, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The view over the fixture's `prices`, as the CLI declares one (Hive partitions, the partition typed DATE). */
export function pricesView(tables: string): { name: string; sql: string } {
  return {
    name: 'prices',
    sql: `SELECT * FROM read_parquet('${tables}/prices/*/*.parquet', hive_partitioning=true, hive_types={'as_of': DATE}, union_by_name=true)`,
  };
}
