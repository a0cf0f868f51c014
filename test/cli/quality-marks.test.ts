/**
 * `marketlake run --quality-policy warn` over a folder of CSV files, one of them with a seeded fault (a price
 * spike: one close tripled, which the CSV source accepts and plausibility.one_day_move finds): the faulty ticker's
 * results are written and marked, the JSON summary lists it under `quality.marked`, the text report says so in one
 * line, `get` shows the tag and metadata; under `block` the same ticker is blocked and nothing is marked. The clean
 * tickers are never marked.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../../src/sources/index.js';
import { runCli, type CliResult } from '../support/cli.js';
import { withNow } from '../support/env.js';

const TICKERS = ['7974.T', 'D05.SI', 'NVDA'];
const FAULTY = 'D05.SI';
const NOW = '2026-11-26T21:30:00Z';
const RANGE = { start: '2024-11-26', end: '2026-11-26' };

/** The sample source's two years of a ticker as a CSV file; a faulty one has its tenth bar from the end tripled. */
async function writeCsv(dir: string, ticker: string, faulty: boolean): Promise<string> {
  const snapshot = await createSource('sample').fetchSnapshot(ticker, { ...RANGE, now: new Date(NOW) });
  const bars = snapshot.bars.map((bar) => ({ ...bar }));
  let faultDate = '';
  if (faulty) {
    const bar = bars[bars.length - 10];
    bar.close *= 3;
    bar.adj_close = bar.adj_close === null ? null : bar.adj_close * 3;
    bar.high = Math.max(bar.high, bar.close);
    faultDate = bar.date;
  }
  const lines = bars.map((bar) =>
    [bar.date, bar.open, bar.high, bar.low, bar.close, bar.adj_close ?? '', bar.volume].join(','),
  );
  await writeFile(join(dir, `${ticker}.csv`), ['Date,Open,High,Low,Close,Adj Close,Volume', ...lines, ''].join('\n'));
  return faultDate;
}

describe('marketlake run: results of a snapshot that failed a check are marked', () => {
  let scratch: string;
  let csvDir: string;
  let faultDate: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'marketlake-quality-marks-'));
    csvDir = join(scratch, 'csv');
    await mkdir(csvDir);
    for (const ticker of TICKERS) {
      const date = await writeCsv(csvDir, ticker, ticker === FAULTY);
      if (ticker === FAULTY) faultDate = date;
    }
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  const run = (home: string, now: string, ...flags: string[]): Promise<CliResult> =>
    withNow(now, () =>
      runCli('run', '--home', home, '--source', 'csv', '--csv-dir', csvDir, '--tickers', TICKERS.join(','), ...flags),
    );

  /** Each ticker's marks in the three result tables of the lake (SQL over its Parquet files). */
  const tableMarks = async (home: string): Promise<unknown> => {
    const rows = (table: string) => `SELECT ticker, quality_failed FROM ${table}`;
    const query =
      `SELECT DISTINCT ticker, quality_failed FROM (${rows('indicators')} UNION ALL ${rows('percentiles')} ` +
      `UNION ALL ${rows('features')}) ORDER BY ticker, quality_failed`;
    const result = await runCli('sql', '--home', home, '--json', query);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('under warn: the summary lists the marked ticker, the report says it in one line, get shows the mark', async () => {
    const home = join(scratch, 'warn');
    const first = await run(home, NOW, '--quality-policy', 'warn', '--json');
    // An error finding makes the exit code 1 under either policy; the ticker is written all the same.
    expect(first.code, first.stderr).toBe(1);
    const summary = JSON.parse(first.stdout);
    expect(summary.status).toBe('ok');
    expect(summary.tickers_ok.sort()).toEqual(TICKERS);
    expect(summary.quality).toMatchObject({ policy: 'warn', errors: 1, blocked: [], marked: [FAULTY] });
    expect(summary.quality.failures[0]).toMatchObject({ ticker: FAULTY, check: 'plausibility.one_day_move' });
    expect(summary.quality.failures[0].details).toContain(faultDate);

    for (const kind of ['indicators', 'percentiles', 'features']) {
      const object = JSON.parse((await runCli('get', kind, FAULTY, '--home', home, '--json')).stdout);
      expect(object.tags, kind).toMatchObject({ quality: 'flagged' });
      expect(object.metadata.quality_failed.split(','), kind).toContain('plausibility.one_day_move:error');
      expect(object.metadata.quality_run_id, kind).toBe(summary.run_id);
      const clean = JSON.parse((await runCli('get', kind, 'NVDA', '--home', home, '--json')).stdout);
      expect(clean.tags, kind).not.toHaveProperty('quality');
      expect(clean.metadata, kind).not.toHaveProperty('quality_failed');
    }

    // The lake's Parquet tables carry the mark in their rows (column quality_failed), clean rows null.
    const markText = JSON.parse((await runCli('get', 'indicators', FAULTY, '--home', home, '--json')).stdout).metadata
      .quality_failed as string;
    expect(await tableMarks(home)).toEqual([
      { ticker: '7974.T', quality_failed: null },
      { ticker: FAULTY, quality_failed: markText },
      { ticker: 'NVDA', quality_failed: null },
    ]);
    // `tables rebuild` makes the same from the objects' metadata alone (a run that wrote no tables).
    const rebuilt = join(scratch, 'warn-no-tables');
    expect((await run(rebuilt, NOW, '--quality-policy', 'warn', '--no-tables')).code).toBe(1);
    const rebuild = await runCli('tables', 'rebuild', '--home', rebuilt);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(await tableMarks(rebuilt)).toEqual(await tableMarks(home));

    // The same files a minute later (nothing restated): the text report.
    const text = await run(home, '2026-11-26T21:31:00Z', '--quality-policy', 'warn');
    expect(text.code, text.stderr).toBe(1);
    const marked = text.stdout.split('\n').filter((line) => line.includes('MARKED'));
    expect(marked).toEqual([
      `  MARKED  1 (${FAULTY}): results written with the failed checks named (tag quality=flagged, column quality_failed)`,
    ]);
    expect(text.stdout).not.toContain('BLOCKED');
  });

  it('under block: the faulty ticker is blocked, not marked, and the report says nothing of marks', async () => {
    const home = join(scratch, 'block');
    const text = await run(home, NOW);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toContain(`BLOCKED 1 (${FAULTY})`);
    expect(text.stdout).not.toContain('MARKED');
  });
});
