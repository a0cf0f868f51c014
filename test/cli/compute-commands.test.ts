import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATOR_FIELDS } from '../../src/compute/fields.js';
import { runCli } from '../support/cli.js';

const SERIES = new URL('../fixtures/series/', import.meta.url).pathname;

describe('marketlake indicators / percentiles / features --csv', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marketlake-csv-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('indicators --json prints one array, one object per input row in input order, null for undefined values', async () => {
    const result = await runCli('indicators', '--csv', join(SERIES, 'short-150.csv'), '--json');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const rows = JSON.parse(result.stdout);
    expect(rows).toHaveLength(150);
    expect(Object.keys(rows[0])).toEqual(['date', ...INDICATOR_FIELDS]);
    expect(rows[0].date).toBe('2022-01-03');
    expect(rows.every((row: { sma_200: unknown }) => row.sma_200 === null)).toBe(true);
    expect(rows[18].sma_20).toBeNull();
    expect(rows[19].sma_20).toEqual(expect.any(Number));
    expect(rows[149].rsi_14).toEqual(expect.any(Number));
  });

  it('defaults to version 1.0 and differs under 2.0 (TA-Lib MACD starts at bar 33, 1.0 at bar 0)', async () => {
    const legacy = JSON.parse((await runCli('indicators', '--csv', join(SERIES, 'walk-50.csv'), '--json')).stdout);
    const explicit = JSON.parse(
      (await runCli('indicators', '--csv', join(SERIES, 'walk-50.csv'), '--computation-version', '1.0', '--json'))
        .stdout,
    );
    const standard = JSON.parse(
      (await runCli('indicators', '--csv', join(SERIES, 'walk-50.csv'), '--computation-version', '2.0', '--json'))
        .stdout,
    );
    expect(legacy).toEqual(explicit);
    expect(legacy[0].macd).toEqual(0);
    expect(standard[32].macd).toBeNull();
    expect(standard[33].macd).toEqual(expect.any(Number));
  });

  it('without --json prints a readable table of the last rows', async () => {
    const result = await runCli('indicators', '--csv', join(SERIES, 'walk-50.csv'));
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^field\s+2024-04-15\s+2024-04-16\s+2024-04-17\s+2024-04-18\s+2024-04-19$/);
    expect(lines.some((line) => line.startsWith('rsi_14 '))).toBe(true);
    expect(result.stdout).toContain('600 rows');
  });

  it('percentiles --json and features --json print one object as of the last row', async () => {
    const percentiles = JSON.parse(
      (await runCli('percentiles', '--csv', join(SERIES, 'walk-50.csv'), '--json')).stdout,
    );
    expect(percentiles.as_of).toBe('2024-04-19');
    expect(percentiles.computation_version).toBe('1.0');
    expect(percentiles.values.rsi_14).toMatchObject({ count: expect.any(Number), percentile: expect.any(Number) });
    expect(percentiles.values.rsi_14.count).toBeGreaterThan(350);
    const features = JSON.parse((await runCli('features', '--csv', join(SERIES, 'walk-50.csv'), '--json')).stdout);
    expect(features.values).toMatchObject({
      return_1d: expect.any(Number),
      max_drawdown: expect.any(Number),
      bars: 600,
    });
  });

  it.each([
    ['missing columns', 'Date,Open,High,Close\n2024-01-02,1,2,1.5\n', /bad\.csv:1: missing column\(s\) Low, Volume/],
    [
      'an unparsable number',
      'Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,x1.5,10\n',
      /bad\.csv:2: Close "x1\.5" is not a number/,
    ],
    ['NaN', 'Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,NaN,10\n', /bad\.csv:2: Close "NaN" is not a number/],
    ['a negative price', 'Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,-1.5,10\n', /bad\.csv:2: close is -1\.5/],
    ['high < low', 'Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,2,1.5,10\n', /bad\.csv:2: high 1 is below low 2/],
    [
      'unsorted dates',
      'Date,Open,High,Low,Close,Volume\n2024-01-03,1,2,1,1.5,10\n2024-01-02,1,2,1,1.5,10\n',
      /bad\.csv:3: .*ascending/,
    ],
    ['an empty file', '', /bad\.csv: the file is empty/],
  ])('refuses %s with file, line and problem on stderr, nothing on stdout, exit 1', async (_name, text, message) => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, text);
    for (const command of ['indicators', 'percentiles', 'features']) {
      const result = await runCli(command, '--csv', file, '--json');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/); // a message, not a stack trace
    }
  });

  it('a missing file and an unknown computation version are clear errors', async () => {
    const missing = await runCli('indicators', '--csv', join(dir, 'nope.csv'), '--json');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.csv: no such file/);
    const version = await runCli(
      'indicators',
      '--csv',
      join(SERIES, 'walk-50.csv'),
      '--computation-version',
      '3.0',
      '--json',
    );
    expect(version.code).toBe(2);
    expect(version.stdout).toBe('');
    expect(version.stderr).toMatch(/unknown computation version "3\.0"/);
  });
});
