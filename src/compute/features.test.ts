/**
 * computeFeatures against pandas (test/fixtures/pandas-stats, from scripts/fixtures/pandas_stats.py), hand-worked
 * examples, the length thresholds of each feature, and properties over random positive closes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../market/bars.js';
import { FEATURE_FIELDS, computeFeatures, type FeatureValues } from './features.js';
import { FIXTURES_DIR, expectRelClose, pandasStatsFixtures } from './testing/pandas-stats.js';

interface FeaturesFixture {
  name: string;
  series: string;
  expected: { features: Record<string, number | null> };
}

const fixtures = pandasStatsFixtures<FeaturesFixture>();

function readCloses(name: string): number[] {
  const lines = readFileSync(join(FIXTURES_DIR, 'series', `${name}.csv`), 'utf8')
    .trim()
    .split('\n');
  const column = lines[0].split(',').indexOf('Close');
  return lines.slice(1).map((line) => Number(line.split(',')[column]));
}

function seriesOf(closes: readonly number[]): BarSeries {
  const close = Float64Array.from(closes);
  return {
    dates: closes.map((_, i) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)),
    open: close.slice(),
    high: close.slice(),
    low: close.slice(),
    close,
    volume: new Float64Array(closes.length).fill(1),
  };
}

/** Sample standard deviation, written the textbook way, as an independent check on small inputs. */
function sampleStd(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}

describe('computeFeatures against pandas', () => {
  it('has the fixtures', () => {
    expect(fixtures.map((f) => f.name)).toEqual(
      expect.arrayContaining(['flat-stretch', 'short-150', 'walk-50', 'walk-50000', 'zero-volume']),
    );
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s matches pandas', (_name, f) => {
    const got = computeFeatures(seriesOf(readCloses(f.series)));
    const expected = f.expected.features;
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    for (const key of FEATURE_FIELDS) {
      const label = `${f.name} ${key}`;
      // Returns, drawdown and bars use the same single operations as pandas: bit-identical. The others sum.
      if (key.startsWith('volatility_') || key === 'sharpe_ratio') expectRelClose(got[key], expected[key], label);
      else expect(got[key], label).toBe(expected[key]);
    }
  });
});

describe('computeFeatures by hand', () => {
  it('computes returns, volatility, Sharpe and drawdown on a small series', () => {
    const closes = [100, 110, 99, 121];
    const got = computeFeatures(seriesOf(closes));
    const r = [110 / 100 - 1, 99 / 110 - 1, 121 / 99 - 1];
    expect(got.return_1d).toBe(121 / 99 - 1);
    expect(got.return_5d).toBeNull();
    expect(got.max_drawdown).toBe(99 / 110 - 1); // -10%: from the peak 110, not from the first close
    const mean = (r[0] + r[1] + r[2]) / 3;
    expectRelClose(got.sharpe_ratio, (mean / sampleStd(r)) * Math.sqrt(252), 'sharpe');
    expect(got.volatility_30d).toBeNull();
    expect(got.bars).toBe(4);
  });

  it('annualises the sample std of exactly the last 30 returns', () => {
    // A calm start and a volatile tail: using more than 30 returns (or ddof 0) changes the answer.
    const closes = [100];
    for (let i = 1; i <= 60; i++) closes.push(closes[i - 1] * (i <= 30 ? 1.001 : i % 2 ? 1.05 : 0.96));
    const got = computeFeatures(seriesOf(closes));
    const tail = closes
      .slice(-31)
      .map((c, i, a) => (i ? c / a[i - 1] - 1 : NaN))
      .slice(1);
    expect(tail).toHaveLength(30);
    expectRelClose(got.volatility_30d, sampleStd(tail) * Math.sqrt(252), 'volatility_30d');
    expect(got.volatility_90d).toBeNull();
  });

  it('needs k + 1 bars for return_k and k returns for volatility_k', () => {
    const closes = (n: number) => Array.from({ length: n }, (_, i) => 100 + Math.sin(i) * 5 + i * 0.1);
    for (const k of [1, 5, 20, 60, 252] as const) {
      const key = `return_${k}d` as keyof FeatureValues;
      expect(computeFeatures(seriesOf(closes(k)))[key], `${key} with ${k} bars`).toBeNull();
      const c = closes(k + 1);
      expect(computeFeatures(seriesOf(c))[key], `${key} with ${k + 1} bars`).toBe(c[k] / c[0] - 1);
    }
    for (const k of [30, 90] as const) {
      const key = `volatility_${k}d` as keyof FeatureValues;
      expect(computeFeatures(seriesOf(closes(k)))[key]).toBeNull();
      expect(computeFeatures(seriesOf(closes(k + 1)))[key]).toBeGreaterThan(0);
    }
  });

  it('handles empty, one-bar and constant series with nulls, never NaN', () => {
    const empty = computeFeatures(seriesOf([]));
    expect(empty).toEqual({
      return_1d: null,
      return_5d: null,
      return_20d: null,
      return_60d: null,
      return_252d: null,
      volatility_30d: null,
      volatility_90d: null,
      sharpe_ratio: null,
      max_drawdown: null,
      bars: 0,
    });
    const one = computeFeatures(seriesOf([5]));
    expect(one.max_drawdown).toBe(0);
    expect(one.sharpe_ratio).toBeNull();
    const two = computeFeatures(seriesOf([5, 6]));
    expect(two.sharpe_ratio).toBeNull(); // a single return has no sample std
    const flat = computeFeatures(seriesOf(Array(100).fill(0.1)));
    expect(flat.sharpe_ratio).toBeNull(); // zero std
    expect(flat.volatility_30d).toBe(0);
    expect(flat.volatility_90d).toBe(0);
    expect(flat.max_drawdown).toBe(0);
    expect(flat.return_60d).toBe(0);
    // Closes of 0: every return and drawdown is 0/0; the result has nulls, not NaN.
    const zeros = computeFeatures(seriesOf([0, 0, 0]));
    expect(JSON.parse(JSON.stringify(zeros))).toEqual(zeros);
  });
});

describe('computeFeatures properties', () => {
  const closes = fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 0, maxLength: 300 });

  it('max_drawdown is in [-1, 0], volatilities are >= 0, and nothing is NaN or infinite', () => {
    fc.assert(
      fc.property(closes, (cs) => {
        const got = computeFeatures(seriesOf(cs));
        expect(got.bars).toBe(cs.length);
        if (cs.length > 0) {
          expect(got.max_drawdown).not.toBeNull();
          expect(got.max_drawdown as number).toBeGreaterThanOrEqual(-1);
          expect(got.max_drawdown as number).toBeLessThanOrEqual(0);
        }
        for (const v of [got.volatility_30d, got.volatility_90d]) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
        for (const v of Object.values(got)) if (v !== null) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('max_drawdown equals the worst close-to-later-close fall (an O(n^2) check)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }), (cs) => {
        let worst = 0;
        for (let i = 0; i < cs.length; i++) {
          for (let j = i; j < cs.length; j++) worst = Math.min(worst, cs[j] / cs[i] - 1);
        }
        // The running maximum is one of the earlier closes, so the two agree exactly.
        expect(computeFeatures(seriesOf(cs)).max_drawdown).toBe(worst);
      }),
    );
  });
});

describe('computeFeatures on degenerate closes', () => {
  it('gives null rather than NaN or Infinity when a close is 0', () => {
    const closes = Array.from({ length: 40 }, (_, i) => (i === 35 ? 0 : 10 + i));
    const got = computeFeatures(seriesOf(closes));
    expect(got.volatility_30d).toBeNull();
    expect(got.sharpe_ratio).toBeNull();
    expect(got.max_drawdown).toBe(-1);
    for (const v of Object.values(got)) if (v !== null) expect(Number.isFinite(v)).toBe(true);
  });
});
