/**
 * renderBatchFiles (table-files.ts), which both the daily run and `tables rebuild` write their files with: one file
 * a table and partition, in that order, each file's batches in source order whatever order they came in, a lazy
 * batch made only then, no file for no row (and no DuckDB opened for nothing).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from './duckdb-api.js';
import { runRow, type RunEntry } from './rows.js';
import { renderBatchFiles, type RowBatch } from './table-files.js';

const run = (runId: string, startedAt: string): RunEntry => ({
  runId,
  job: 'daily_run',
  status: 'ok',
  startedAt,
  endedAt: startedAt,
  computationVersion: '1.0',
  objectsWritten: 1,
  outboxPending: 0,
  failedTickers: 0,
});

describe('renderBatchFiles', () => {
  let scratch: string;
  beforeAll(async () => (scratch = await mkdtemp(join(tmpdir(), 'marketlake-table-files-'))));
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('makes no file, and opens no DuckDB, for no batch or only empty ones', async () => {
    expect(await renderBatchFiles([], null)).toEqual([]);
    expect(await renderBatchFiles([{ table: 'runs', partition: '2026-12-01', source: 'r', rows: [] }], null)).toEqual(
      [],
    );
  });

  it('one file a table and partition, its batches in source order, a lazy batch made once', async () => {
    let made = 0;
    const batches: RowBatch[] = [
      { table: 'runs', partition: '2026-12-02', source: 'run-c', rows: [runRow(run('run-c', '2026-12-02T22:00:00Z'))] },
      {
        table: 'runs',
        partition: '2026-12-01',
        source: 'run-b',
        rows: () => {
          made++;
          return [runRow(run('run-b', '2026-12-01T22:00:00Z'))];
        },
      },
      { table: 'runs', partition: '2026-12-01', source: 'run-a', rows: [runRow(run('run-a', '2026-12-01T21:00:00Z'))] },
    ];
    const files = await renderBatchFiles(batches, null);
    expect(made).toBe(1);
    expect(files.map((file) => [file.table, file.partition, file.rows])).toEqual([
      ['runs', '2026-12-01', 2],
      ['runs', '2026-12-02', 1],
    ]);
    // Read back: the first file's rows in source order (run-a before run-b), though given the other way round.
    const path = join(scratch, 'runs.parquet');
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, files[0]!.body);
      const reader = await connection.runAndReadAll(`SELECT run_id FROM read_parquet('${path}')`);
      expect(reader.getRowObjectsJS().map((row) => row.run_id)).toEqual(['run-a', 'run-b']);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    // The same batches in another order make the same files.
    const again = await renderBatchFiles([...batches].reverse(), null);
    expect(again.map((file) => file.key)).toEqual(files.map((file) => file.key));
  });
});
