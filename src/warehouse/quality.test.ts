import { expect, it } from 'vitest';
import { describeOnDatabases } from '../../test/support/databases.js';
import { qualityResultRow, type QualityVerdictInput } from '../lake/formats/quality.js';
import { qualityResultsOfRun, recordQualityRun, restoreQualityRun, type QualityRun } from './quality.js';

const run = (runId: string): QualityRun => ({
  runId,
  runDate: '2026-12-04',
  checkedAt: new Date('2026-12-04T22:00:00Z'),
  policy: 'block',
  computationVersion: '1.0',
  lakeKey: `quality/2026-12-04/${runId}.json`,
});

const raw = (ticker: string, n: number) => ({
  key: `raw/sample/${ticker}/2026-12-04/20261204_22000${n}.json`,
  versionId: `v${n}`,
  sha256: String(n).repeat(64),
});

/**
 * Verdicts that share a ticker but not all of what they are about (recordQualityRun sends them grouped by it):
 * two snapshots of one ticker, another market's ticker, a verdict with no snapshot, another date, and every kind
 * of observation.
 */
const VERDICTS: QualityVerdictInput[] = [
  {
    check: 'a.one',
    ticker: 'D05.SI',
    market: 'SG',
    severity: 'warn',
    passed: true,
    observed: 0.5,
    expected: [0, 1],
    details: '',
    as_of: '2026-12-04',
    raw: raw('D05.SI', 1),
  },
  {
    check: 'b.two',
    ticker: 'D05.SI',
    market: 'SG',
    severity: 'error',
    passed: false,
    observed: 'text "quoted"',
    expected: true,
    details: 'é ✓ \\ "',
    as_of: '2026-12-04',
    raw: raw('D05.SI', 1),
  },
  {
    check: 'c.three',
    ticker: 'D05.SI',
    market: 'SG',
    severity: 'warn',
    passed: true,
    observed: null,
    expected: null,
    details: 'peer',
    as_of: '2026-12-03',
    raw: raw('D05.SI', 1),
  },
  {
    check: 'd.four',
    ticker: 'D05.SI',
    market: 'SG',
    severity: 'warn',
    passed: true,
    observed: ['2026-12-01', 3],
    expected: false,
    details: '',
    as_of: '2026-12-04',
    raw: raw('D05.SI', 2),
  },
  {
    check: 'a.one',
    ticker: 'NVDA',
    market: 'US',
    severity: 'error',
    passed: true,
    observed: -1e-300,
    expected: 1.5e300,
    details: '',
    as_of: '2026-12-04',
    raw: raw('NVDA', 3),
  },
  {
    check: 'vendor.payload_shape',
    ticker: 'ZZZZ',
    market: 'US',
    severity: 'error',
    passed: false,
    observed: 'no chart',
    expected: 'the chart response format',
    details: 'no chart',
    as_of: null,
    raw: null,
  },
];

describeOnDatabases('quality verdicts in the warehouse', (ctx) => {
  it('gives back every verdict as recorded, whatever it shares with the others', async () => {
    const db = ctx.warehouse().db;
    await recordQualityRun(db, run('run-a'), VERDICTS);
    // Read back in (ticker, check) order (plain ASCII here, so any collation agrees); the two D05.SI snapshots'
    // verdicts stay apart.
    const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const sorted = [...VERDICTS].sort((a, b) => byCodeUnit(a.ticker, b.ticker) || byCodeUnit(a.check, b.check));
    expect(await qualityResultsOfRun(db, 'run-a')).toEqual(sorted);
    expect(await db.selectFrom('quality_runs').select('run_id').execute()).toEqual([{ run_id: 'run-a' }]);
  });

  it('records nothing of a run whose verdicts are refused', async () => {
    const db = ctx.warehouse().db;
    // The same check on the same ticker twice breaks the primary key (run, ticker, check).
    const twice = [VERDICTS[0], { ...VERDICTS[0], raw: raw('D05.SI', 2) }];
    await expect(recordQualityRun(db, run('run-b'), twice)).rejects.toThrow();
    expect(await db.selectFrom('quality_runs').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('quality_results').selectAll().execute()).toEqual([]);
  });

  it('restores a run from its lake rows once, and leaves a run it has alone', async () => {
    const db = ctx.warehouse().db;
    const rows = VERDICTS.map(qualityResultRow);
    expect(await restoreQualityRun(db, run('run-c'), 'object-version', rows)).toBe(true);
    expect(await restoreQualityRun(db, run('run-c'), 'object-version', rows.slice(0, 1))).toBe(false);
    expect(await qualityResultsOfRun(db, 'run-c')).toHaveLength(VERDICTS.length);
  });
});
