import { describe, expect, it } from 'vitest';
import { COMPUTATION_VERSIONS, type ComputationVersion } from '../compute/fields.js';
import { computeResults, type TickerResults } from '../compute/results.js';
import { parseQualityConfig } from './config.js';
import type { CheckVerdict } from './finding.js';
import { checkResults, RESULT_CHECKS } from './result-checks.js';
import { calmBars, snapshotOf } from './testing/bars.js';

function find(verdicts: CheckVerdict[], id: string): CheckVerdict {
  return verdicts.find((v) => v.check === id)!;
}

function judge(results: TickerResults, version: ComputationVersion = '1.0', bars = calmBars(results.bars)) {
  return checkResults({ ticker: 'TEST', market: 'US', version, results, bars });
}

describe.each(COMPUTATION_VERSIONS)('checkResults, computation version %s', (version) => {
  it('passes the results of a long, calm series', () => {
    const bars = calmBars(260);
    const verdicts = judge(computeResults(snapshotOf(bars), version), version, bars);
    expect(verdicts.map((v) => v.check)).toEqual([...RESULT_CHECKS]);
    expect(verdicts.filter((v) => !v.passed)).toEqual([]);
  });

  it('does not ask for sma_200 or the 252-day return of a 150-bar series', () => {
    const bars = calmBars(150);
    const results = computeResults(snapshotOf(bars), version);
    expect(results.indicators.sma_200).toBeNull();
    expect(find(judge(results, version, bars), 'computation.missing_values').passed).toBe(true);
  });

  it('finds sma_200 and volatility_90d missing from a 260-bar series', () => {
    const bars = calmBars(260);
    const results = computeResults(snapshotOf(bars), version);
    const broken = {
      ...results,
      indicators: { ...results.indicators, sma_200: null },
      features: { ...results.features, volatility_90d: null },
    };
    const verdict = find(judge(broken, version, bars), 'computation.missing_values');
    expect(verdict).toMatchObject({ passed: false, severity: 'warn', observed: 2 });
    expect(verdict.details).toContain('sma_200 (200 bars needed)');
    expect(verdict.details).toContain('volatility_90d (91 bars needed)');
  });
});

describe('computation.missing_values', () => {
  it('excuses the RSI of a flat series (0/0), not its SMA', () => {
    const bars = calmBars(60).map((bar) => ({ ...bar, open: 50, high: 50, low: 50, close: 50 }));
    const results = computeResults(snapshotOf(bars), '1.0');
    const verdict = find(judge(results, '1.0', bars), 'computation.missing_values');
    expect(results.indicators.rsi_14).toBeNull();
    expect(verdict.passed).toBe(true);
    const noSma = { ...results, indicators: { ...results.indicators, sma_20: null } };
    expect(find(judge(noSma, '1.0', bars), 'computation.missing_values').details).toContain('sma_20');
  });
});

describe('computation.domain', () => {
  const results = computeResults(snapshotOf(calmBars(260)), '2.0');

  it.each([
    ['rsi_14', { indicators: { ...results.indicators, rsi_14: 101 } }],
    ['atr_14', { indicators: { ...results.indicators, atr_14: -0.5 } }],
    ['volatility_30d', { features: { ...results.features, volatility_30d: -0.1 } }],
    ['max_drawdown', { features: { ...results.features, max_drawdown: 0.2 } }],
    ['bb_lower > bb_upper', { indicators: { ...results.indicators, bb_lower: 1e9 } }],
    [
      'percentiles.rsi_14.percentile',
      { percentiles: { ...results.percentiles, rsi_14: { ...results.percentiles.rsi_14, percentile: 140 } } },
    ],
    [
      'percentiles.macd.std',
      { percentiles: { ...results.percentiles, macd: { ...results.percentiles.macd, std: -1 } } },
    ],
  ])('finds %s out of its domain, as an error', (name, change) => {
    const verdict = find(judge({ ...results, ...change } as TickerResults, '2.0'), 'computation.domain');
    expect(verdict).toMatchObject({ passed: false, severity: 'error', observed: 1 });
    expect(verdict.details).toContain(name);
  });

  it('can be set to warn by the config', () => {
    const config = parseQualityConfig({ checks: { 'computation.domain': { severity: 'warn' } } }, 'q.json');
    const broken = { ...results, indicators: { ...results.indicators, rsi_14: -3 } };
    const verdicts = checkResults({ ticker: 'TEST', market: 'US', version: '2.0', results: broken }, config);
    expect(find(verdicts, 'computation.domain')).toMatchObject({ passed: false, severity: 'warn' });
  });
});
