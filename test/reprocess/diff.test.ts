import { afterEach, beforeEach, expect, it } from 'vitest';
import { formatDiffReport } from '../../src/cli/commands/reprocess-commands.js';
import { diffVersions, type DiffReport, type KindDiff } from '../../src/diff/index.js';
import { UsageError } from '../../src/errors.js';
import { computeResults } from '../../src/compute/results.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { minutesLater, readRaw, reprocessAt, runAt } from '../support/reprocess-runs.js';

function field(report: DiffReport, name: string): KindDiff {
  const found = report.fields.find((f) => f.field === name);
  if (!found) throw new Error(`no field ${name} in the report (${report.fields.map((f) => f.field).join(', ')})`);
  return found;
}

describeOnDatabases('diff', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  const diff = (options: { from?: string; to?: string; tickers?: string[]; date?: string } = {}) =>
    diffVersions({ lake: t.lake, warehouse: t.warehouse, from: '1.0', to: '2.0', ...options });

  it('compares 1.0 with 2.0 on the same raw snapshots: what changed, by how much, and where', async () => {
    await runAt(t, { tickers: ['NVDA', 'D05.SI', '7974.T'] });
    await reprocessAt(t, { computationVersion: '2.0' });
    const report = await diff();
    expect(report).toMatchObject({
      from: '1.0',
      to: '2.0',
      date: null,
      tickers: ['7974.T', 'D05.SI', 'NVDA'],
      pairs: { indicators: 3, percentiles: 3, features: 3 },
      unpaired: { indicators: { from: 0, to: 0 }, percentiles: { from: 0, to: 0 }, features: { from: 0, to: 0 } },
    });

    // Wilder's RSI is not the rolling-mean RSI: it differs everywhere, and the worst cases name every ticker.
    const raw = await readRaw(t, 'raw/sample/NVDA/2026-11-26/20261126_213000.json');
    const [legacy, standard] = [computeResults(raw, '1.0'), computeResults(raw, '2.0')];
    const rsi = field(report, 'indicators.rsi_14');
    expect(rsi).toMatchObject({ kind: 'indicators', compared: 3, changed: 3 });
    expect(rsi.worst.map((w) => w.ticker).sort()).toEqual(['7974.T', 'D05.SI', 'NVDA']);
    const nvda = rsi.worst.find((w) => w.ticker === 'NVDA')!;
    expect(nvda).toEqual({
      ticker: 'NVDA',
      as_of: '2026-11-26',
      from: legacy.indicators.rsi_14,
      to: standard.indicators.rsi_14,
      abs_diff: Math.abs(legacy.indicators.rsi_14! - standard.indicators.rsi_14!),
      rel_diff: expect.any(Number),
    });
    expect(rsi.max_abs_diff).toBeGreaterThanOrEqual(nvda.abs_diff!);
    // Worst first, by relative difference.
    const relatives = rsi.worst.map((w) => w.rel_diff!);
    expect(relatives).toEqual([...relatives].sort((a, b) => b - a));
    expect(field(report, 'indicators.atr_14').changed).toBe(3);
    expect(field(report, 'percentiles.rsi_14.percentile').changed).toBe(3);

    // The same definition computed two ways differs in the last bits only: not a change.
    const sma = field(report, 'indicators.sma_20');
    expect(sma.changed).toBe(0);
    expect(sma.max_abs_diff).toBeLessThan(1e-9);
    // MACD has forgotten its different start after 500 bars; features do not depend on the version at all.
    expect(field(report, 'indicators.macd').changed).toBe(0);
    expect(report.fields.filter((f) => f.kind === 'features').map((f) => [f.field, f.changed])).toEqual(
      [
        'return_1d',
        'return_5d',
        'return_20d',
        'return_60d',
        'return_252d',
        'volatility_30d',
        'volatility_90d',
        'sharpe_ratio',
        'max_drawdown',
        'bars',
      ].map((name) => [`features.${name}`, 0]),
    );
    expect(report.fields.map((f) => f.field)).toContain('percentiles.current_price_percentile');

    const text = formatDiffReport(report, false);
    expect(text).toMatch(
      /^diff 1\.0 -> 2\.0: 3 tickers; pairs from the same raw snapshots: 3 indicators, 3 percentiles, 3 features/,
    );
    expect(text).toMatch(/indicators\.rsi_14 +3 +3 /);
    expect(text).not.toMatch(/indicators\.sma_20 /);
    expect(text).toMatch(/\d+ of \d+ fields changed/);
    expect(formatDiffReport(report, true)).toMatch(/indicators\.sma_20 +3 +0 /);

    const one = await diff({ tickers: ['nvda'] });
    expect(one).toMatchObject({ tickers: ['NVDA'], pairs: { indicators: 1, percentiles: 1, features: 1 } });
  });

  it('with backfilled history: MACD differs at the early bars, where 2.0 has no value yet; --date narrows to one date', async () => {
    await runAt(t, { start: '2026-09-01', end: '2026-11-26' });
    await reprocessAt(t, { computationVersion: '1.0', backfill: true, now: minutesLater(60) });
    await reprocessAt(t, { computationVersion: '2.0', backfill: true, now: minutesLater(120) });
    const raw = await readRaw(t, 'raw/sample/NVDA/2026-11-26/20261126_213000.json');
    const n = raw.bars.length;

    const report = await diff();
    expect(report.pairs).toEqual({ indicators: n, percentiles: n, features: n });
    const macd = field(report, 'indicators.macd');
    expect(macd.compared).toBe(n);
    // TA_MACD's three lines start at bar 33; 1.0's EWM starts at the first close.
    expect(macd.changed).toBeGreaterThanOrEqual(33);
    expect(macd.worst).toHaveLength(5);
    for (const worst of macd.worst) {
      expect(worst).toMatchObject({ from: expect.any(Number), to: null, abs_diff: null, rel_diff: null });
      expect(raw.bars.findIndex((bar) => bar.date === worst.as_of)).toBeLessThan(33);
    }
    // Both versions leave SMA 20 undefined for the same first 19 bars: null on both sides is no change.
    expect(field(report, 'indicators.sma_20').changed).toBe(0);

    const early = raw.bars[10].date;
    const oneDate = await diff({ date: early });
    expect(oneDate).toMatchObject({ date: early, pairs: { indicators: 1, percentiles: 1, features: 1 } });
    expect(field(oneDate, 'indicators.macd')).toMatchObject({
      compared: 1,
      changed: 1,
      worst: [{ ticker: 'NVDA', as_of: early, to: null }],
    });
  });

  it('never pairs results computed from different raw snapshots', async () => {
    await runAt(t, { computationVersion: '1.0' });
    await runAt(t, { computationVersion: '2.0', now: minutesLater(60) }); // a new fetch: another raw snapshot
    const report = await diff();
    expect(report.pairs).toEqual({ indicators: 0, percentiles: 0, features: 0 });
    expect(report.unpaired.indicators).toEqual({ from: 1, to: 1 });
    expect(report.fields).toEqual([]);
    expect(formatDiffReport(report, false)).toMatch(
      /without a counterpart from the same raw snapshot: indicators 1 \(1\.0\) \/ 1 \(2\.0\)/,
    );
  });

  it('refuses comparing a version with itself, or a malformed date', async () => {
    await expect(diff({ to: '1.0' })).rejects.toBeInstanceOf(UsageError);
    await expect(diff({ date: '2026-13-01' })).rejects.toThrow(/--date must be a date/);
  });
});
