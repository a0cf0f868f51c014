/**
 * The tables' views over files of older layouts: a column added later (`quality_failed`) reads as null in a file
 * written before it, and `verify` accepts such a file; a file without any other column of its table still fails,
 * in the view and in `verify`.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../tables/duckdb-api.js';
import { tableSchema } from '../tables/schema.js';
import { parquetProblem } from '../verify/table-files.js';
import { tableViewQuery } from './lake-views.js';

type Connection = Awaited<ReturnType<InstanceType<typeof duckdb.DuckDBInstance>['connect']>>;

describe('table views over files written before a column was added', () => {
  let folder: string;
  let connection: Connection;
  const schema = tableSchema('indicators');

  /** One indicators row in a Parquet file of the table's columns but `without` (its partition in the path). */
  const writeFile = async (name: string, without: readonly string[]): Promise<string> => {
    const columns = schema.columns.filter((c) => !without.includes(c.name));
    const values = columns.map((c) => {
      if (c.name === 'ticker') return `'NVDA' AS "ticker"`;
      if (c.name === 'quality_failed') return `'plausibility.one_day_move:error' AS "quality_failed"`;
      const type = { varchar: 'VARCHAR', double: 'DOUBLE', bigint: 'BIGINT', boolean: 'BOOLEAN' }[c.type as string];
      return type === undefined ? `CAST(NULL AS TIMESTAMP) AS "${c.name}"` : `CAST(NULL AS ${type}) AS "${c.name}"`;
    });
    const path = join(folder, 'as_of=2026-12-01', `${name}.parquet`);
    await connection.run(`COPY (SELECT ${values.join(', ')}) TO '${path}' (FORMAT parquet)`);
    return path;
  };

  /** What `verify` says of the file, which it reads from a copy outside any partition folder. */
  const verifyProblem = async (path: string): Promise<string | undefined> => {
    const copy = join(folder, `checked-${path.split('/').pop()}`);
    await copyFile(path, copy);
    return parquetProblem(connection, copy, 'indicators', '1');
  };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'marketlake-lake-views-'));
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await mkdir(join(folder, 'as_of=2026-12-01'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('reads quality_failed as null in an older file, beside a newer file that has it', async () => {
    const older = await writeFile('older', ['quality_failed']);
    const newer = await writeFile('newer', []);
    const rows = async (files: string[]) =>
      (
        await connection.runAndReadAll(
          `SELECT ticker, quality_failed, CAST(as_of AS VARCHAR) AS as_of FROM (${tableViewQuery('indicators', files)})` +
            ' ORDER BY quality_failed NULLS FIRST',
        )
      ).getRowObjects();
    expect(await rows([older])).toEqual([{ ticker: 'NVDA', quality_failed: null, as_of: '2026-12-01' }]);
    expect(await rows([older, newer])).toEqual([
      { ticker: 'NVDA', quality_failed: null, as_of: '2026-12-01' },
      { ticker: 'NVDA', quality_failed: 'plausibility.one_day_move:error', as_of: '2026-12-01' },
    ]);
    expect(await verifyProblem(older)).toBeUndefined();
    expect(await verifyProblem(newer)).toBeUndefined();
  });

  it('still fails on a file without a column the table always had', async () => {
    const foreign = await writeFile('foreign', ['sma_20']);
    await expect(
      connection.runAndReadAll(`SELECT * FROM (${tableViewQuery('indicators', [foreign])})`),
    ).rejects.toThrow(/sma_20/);
    expect(await verifyProblem(foreign)).toMatch(/^columns ticker, sma_50/);
  });
});
