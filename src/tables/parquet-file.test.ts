/**
 * ParquetRenderer (parquet-file.ts): the file holds the rows given, in the order given, each column of its schema's
 * type, and the same rows make the same bytes, whichever way the dictionary is decoded (by list index, or by join
 * and sort for large dictionaries). Read back with DuckDB, the reference reader here (Athena reads the same
 * format). The rows cross DuckDB's 2,048-row chunks and its 122,880-row groups, come in an order no column sorts
 * by, and repeat or leave empty the coded (text, date, timestamp) columns as a run's rows do: `previous_raw_key`
 * has no value at all, as in a first run's prices file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from './duckdb-api.js';
import { LIST_DECODE_LIMIT, ParquetRenderer } from './parquet-file.js';
import type { TableRow } from './rows.js';
import { tableSchema } from './schema.js';

const ROWS = 125_000;

/** Rows of the prices table in a scrambled order: 7 tickers, dates 2020-01-01 + (i * 37 mod 1000) days. */
function scrambledPriceRows(): TableRow[] {
  return Array.from({ length: ROWS }, (_, i): TableRow => {
    const day = new Date(Date.UTC(2020, 0, 1) + ((i * 37) % 1000) * 86_400_000).toISOString().slice(0, 10);
    const ticker = ['NVDA', 'D05.SI', '7974.T', '0700.HK', 'VNM.VN', '2330.TW', 'AAPL'][(i * 5) % 7]!;
    const removed = i % 97 === 0;
    return {
      ticker,
      date: day,
      open: removed ? null : 100 + (i % 13) / 7,
      high: removed ? null : 101 + (i % 11) / 3,
      low: removed ? null : 99 - (i % 5) / 9,
      close: removed ? null : 100.5 + (i % 17) / 11,
      adj_close: i % 3 === 0 ? null : 100.25,
      volume: removed ? null : 1000 * (i % 29),
      change: removed ? 'removed' : i % 2 === 0 ? 'new' : 'changed',
      fetched_at: `2026-12-0${1 + (i % 3)}T22:00:00.000Z`,
      source: 'sample',
      raw_key: `raw/sample/${ticker}/2026-12-01/20261201_220000.json`,
      raw_version_id: `v${i % 7}`,
      raw_sha256: String(i % 7).repeat(64),
      previous_raw_key: null,
      run_id: i % 50 === 0 ? null : 'run-1',
    };
  });
}

describe('ParquetRenderer', () => {
  let folder: string;
  let renderer: ParquetRenderer;
  /** Every dictionary above its limit: decoded by join and sort. */
  let joining: ParquetRenderer;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'marketlake-parquet-test-'));
    renderer = await ParquetRenderer.open();
    joining = await ParquetRenderer.open({ listDecodeLimit: 0 });
  });
  afterAll(async () => {
    await renderer?.close();
    await joining?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps the rows in the order given, each column of its type; the same rows give the same bytes', async () => {
    const rows = scrambledPriceRows();
    // The largest dictionary (dates) is under the limit, so `renderer` decodes by list index.
    expect(new Set(rows.map((row) => row.date)).size).toBeLessThan(LIST_DECODE_LIMIT);
    const bytes = await renderer.render('prices', rows);
    expect(Buffer.from(await renderer.render('prices', rows)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(await joining.render('prices', rows)).equals(Buffer.from(bytes))).toBe(true);
    const file = join(folder, 'prices.parquet');
    await writeFile(file, bytes);

    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`))
        .getRowObjects()
        .map((row) => `${String(row.column_name)} ${String(row.column_type)}`);
      expect(described).toEqual(
        tableSchema('prices').columns.map((column) => `${column.name} ${column.type.toUpperCase()}`),
      );
      const read = (
        await connection.runAndReadAll(
          `SELECT ticker, strftime(date, '%Y-%m-%d') AS date, open, high, low, close, adj_close, volume, change,
             strftime(fetched_at, '%Y-%m-%dT%H:%M:%S.000Z') AS fetched_at, source, raw_key, raw_version_id,
             raw_sha256, previous_raw_key, run_id
           FROM read_parquet('${file}')`,
        )
      ).getRowObjects();
      expect(read).toEqual(rows);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
