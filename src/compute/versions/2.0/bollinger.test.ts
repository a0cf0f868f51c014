import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bollinger, type BollingerOutput } from './bollinger.js';
import { priceSeries } from './testing/arbitraries.js';
import { exactBollinger } from './testing/exact.js';
import {
  compare,
  describeMismatches,
  exactBollingerFixture,
  fixtureSeries,
  type Mismatch,
  talibFixture,
} from './testing/series.js';
import { talibBandErrorBound } from './testing/talib-bands.js';

/** The kernel's claim: the exact population standard deviation (and bands) to 1e-12 relative. */
const EXACT_RELATIVE = 1e-12;

function run(close: Float64Array, period = 20, k = 2): Required<BollingerOutput> {
  const n = close.length;
  return bollinger(close, period, k, {
    upper: new Float64Array(n),
    middle: new Float64Array(n),
    lower: new Float64Array(n),
    stddev: new Float64Array(n),
  }) as Required<BollingerOutput>;
}

/**
 * Every output against exact rational arithmetic, at 1e-12 relative to the quantity's own scale:
 *  - stddev: relative to itself, so an exactly constant window must give exactly 0;
 *  - middle: relative to |mean| + sd (a mean's rounding is relative to the values, which are that large
 *    even where the mean crosses zero);
 *  - bands: relative to |mean| + k sd, the size of the two terms they add (a band can cross zero while
 *    neither term is small).
 */
function compareBands(
  ours: Required<BollingerOutput>,
  exact: { middle: (number | null)[]; stddev: (number | null)[]; upper: (number | null)[]; lower: (number | null)[] },
  k: number,
  label: string,
): string {
  const sd = compare(ours.stddev, exact.stddev, EXACT_RELATIVE);
  const problems = [describeMismatches(`${label} stddev`, sd.mismatches)];
  for (const key of ['middle', 'upper', 'lower'] as const) {
    const weight = key === 'middle' ? 1 : k;
    const mismatches: Mismatch[] = [];
    for (let i = 0; i < exact[key].length; i++) {
      const expected = exact[key][i];
      const actual = ours[key][i];
      if (expected === null || Number.isNaN(expected)) {
        if (!Number.isNaN(actual)) mismatches.push({ index: i, actual, expected, allowed: 0 });
        continue;
      }
      const scale = Math.abs(exact.middle[i] as number) + weight * (exact.stddev[i] as number);
      const allowed = EXACT_RELATIVE * scale;
      if (!(Math.abs(actual - expected) <= allowed)) mismatches.push({ index: i, actual, expected, allowed });
    }
    problems.push(describeMismatches(`${label} ${key}`, mismatches));
  }
  return problems.filter(Boolean).join('\n');
}

function expectExact(close: Float64Array, period: number, k: number, label: string): void {
  expect(compareBands(run(close, period, k), exactBollinger(close, period, k), k, label)).toBe('');
}

/** TA-Lib's method (rolling sums of x and x^2), as a negative control: the tests must catch it. */
function rollingSumOfSquares(close: Float64Array, period: number): Float64Array {
  const sd = new Float64Array(close.length).fill(NaN);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < close.length; i++) {
    s1 += close[i];
    s2 += close[i] * close[i];
    if (i >= period) {
      s1 -= close[i - period];
      s2 -= close[i - period] * close[i - period];
    }
    if (i >= period - 1) sd[i] = Math.sqrt(Math.max(0, s2 / period - (s1 / period) ** 2));
  }
  return sd;
}

describe('bollinger: exact population standard deviation', () => {
  for (const series of fixtureSeries()) {
    it(`matches the exact reference on ${series.name} (fixture)`, () => {
      const reference = exactBollingerFixture(series.name);
      const ours = run(series.close, reference.period, reference.k);
      expect(compareBands(ours, reference, reference.k, series.name)).toBe('');
    });

    it(`matches TA-Lib's BBANDS on ${series.name} within TA-Lib's own rounding error`, () => {
      const talib = talibFixture(series.name);
      const reference = exactBollingerFixture(series.name);
      const ours = run(series.close);
      const exactSd = reference.stddev.map((v) => v ?? NaN);
      const exactMean = reference.middle.map((v) => v ?? NaN);
      const bounds = talibBandErrorBound(series.close, 20, 2, exactSd, exactMean);
      let worst = 0;
      for (const [key, exactKey, bound] of [
        ['bb_upper', 'upper', bounds.band],
        ['bb_lower', 'lower', bounds.band],
        ['bb_middle', 'middle', bounds.middle],
      ] as const) {
        const ta = talib[key];
        for (let i = 0; i < ta.length; i++) {
          const value = ta[i];
          if (value === null) {
            expect(ours[exactKey][i]).toBeNaN();
            continue;
          }
          const exact = reference[exactKey][i] as number;
          // TA-Lib is within its bound of the exact band, and so are we (plus our own 1e-12).
          const taError = Math.abs(value - exact);
          expect(taError, `${series.name} ${key}[${i}]`).toBeLessThanOrEqual(bound[i]);
          expect(Math.abs(ours[exactKey][i] - value), `${series.name} ${key}[${i}]`).toBeLessThanOrEqual(
            bound[i] + EXACT_RELATIVE * (Math.abs(exactMean[i]) + 2 * exactSd[i]),
          );
          if (key !== 'bb_middle') worst = Math.max(worst, taError / bound[i]);
        }
      }
      // A bound, not a blanket: TA-Lib's actual error reaches 1.5% to 8% of it on these series.
      expect(worst).toBeGreaterThan(1e-3);
    });
  }

  it('detects a rolling sum of squares (the tests have teeth)', () => {
    const series = fixtureSeries().find((s) => s.name === 'walk-50000');
    if (!series) throw new Error('walk-50000 fixture missing');
    const reference = exactBollingerFixture(series.name);
    const naive = rollingSumOfSquares(series.close, 20);
    expect(compare(naive, reference.stddev, EXACT_RELATIVE).mismatches.length).toBeGreaterThan(100);
  });

  it('is exactly 0, with the mean exactly the price, on constant windows', () => {
    const close = new Float64Array(70);
    for (let i = 0; i < 70; i++) close[i] = i < 20 ? 50 + Math.sin(i) : i < 45 ? 50.37 : 0.1 + 0.2;
    const ours = run(close);
    for (let i = 39; i < 45; i++) {
      expect(ours.stddev[i]).toBe(0);
      expect(ours.middle[i]).toBe(50.37);
      expect(ours.upper[i]).toBe(50.37);
      expect(ours.lower[i]).toBe(50.37);
    }
    expect(ours.stddev[69]).toBe(0);
    expect(ours.middle[69]).toBe(0.1 + 0.2);
  });

  it('stays exact after a spike leaves the window (the rolling sums forget it)', () => {
    const close = new Float64Array(400);
    for (let i = 0; i < close.length; i++) close[i] = 100 + 0.001 * Math.sin(i * 0.7);
    close[100] = 180;
    close[250] = 20;
    expectExact(close, 20, 2, 'spike');
    const naive = rollingSumOfSquares(close, 20);
    expect(compare(naive, exactBollinger(close, 20, 2).stddev, EXACT_RELATIVE).mismatches.length).toBeGreaterThan(0);
  });

  it('stays exact with a tiny spread on a huge level (1e8 +/- 1e-4) and on a steady trend', () => {
    const close = new Float64Array(2000);
    for (let i = 0; i < 1000; i++) close[i] = 1e8 + 1e-4 * Math.sin(i * 1.3) + 1e-4 * Math.cos(i * 0.11);
    for (let i = 1000; i < 2000; i++) close[i] = 10 + i * 0.37;
    expectExact(close, 20, 2, 'level/trend');
  });

  it('stays exact across zero, on negative values, and for periods 1, 2, 7, 200 and 500', () => {
    const close = new Float64Array(3000);
    for (let i = 0; i < close.length; i++) close[i] = Math.sin(i * 0.05) * 3 + Math.sin(i * 1.7) * 1e-3;
    for (const period of [1, 2, 7, 20, 200, 500]) expectExact(close, period, 2, `period ${period}`);
    expectExact(close, 20, 0.5, 'k 0.5');
  });

  it('stays exact over a long random walk (drift of the rolling sums would show here)', () => {
    let price = 50_000;
    let seed = 7;
    const close = new Float64Array(30_000);
    for (let i = 0; i < close.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      price = Math.round((price + (seed / 2 ** 32 - 0.5)) * 100) / 100;
      close[i] = price;
    }
    expectExact(close, 20, 2, 'long walk');
  });

  it('marks windows holding a NaN as NaN and recovers after it leaves', () => {
    const close = new Float64Array(80);
    for (let i = 0; i < close.length; i++) close[i] = 10 + Math.cos(i);
    close[30] = NaN;
    const ours = run(close);
    for (let i = 30; i < 50; i++) expect(ours.stddev[i]).toBeNaN();
    const clean = exactBollinger(close.slice(31), 20, 2);
    const { mismatches } = compare(ours.stddev.slice(50), clean.stddev.slice(19), EXACT_RELATIVE);
    expect(describeMismatches('after NaN', mismatches)).toBe('');
  });

  it('property: matches exact arithmetic on generated price series', () => {
    fc.assert(
      fc.property(priceSeries({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (close, period) => {
        expectExact(close, period, 2, 'generated');
      }),
      { numRuns: 150 },
    );
  });

  it('property: lower <= middle <= upper, and the standard deviation is >= 0', () => {
    fc.assert(
      fc.property(
        priceSeries({ maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (close, period, k) => {
          const ours = run(close, period, k);
          for (let i = period - 1; i < close.length; i++) {
            expect(ours.lower[i]).toBeLessThanOrEqual(ours.middle[i]);
            expect(ours.middle[i]).toBeLessThanOrEqual(ours.upper[i]);
            expect(ours.stddev[i]).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('bollinger: contract', () => {
  it('writes NaN for the first period - 1 bars and everywhere when the input is shorter', () => {
    const close = Float64Array.from({ length: 25 }, (_, i) => 10 + i);
    const ours = run(close);
    expect(Array.from(ours.upper.slice(0, 19)).every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(ours.upper[19])).toBe(false);
    const short = run(close.slice(0, 19));
    expect(Array.from(short.middle).every(Number.isNaN)).toBe(true);
    expect(run(new Float64Array(0)).middle.length).toBe(0);
  });

  it('overwrites the first n entries of longer outputs and leaves the rest', () => {
    const close = Float64Array.from({ length: 30 }, (_, i) => 10 + (i % 3));
    const filled = () => new Float64Array(40).fill(7);
    const out = { upper: filled(), middle: filled(), lower: filled() };
    bollinger(close, 20, 2, out);
    expect(out.middle[0]).toBeNaN();
    expect(Array.from(out.middle.slice(30))).toEqual(new Array(10).fill(7));
  });

  it('rejects bad periods, short outputs and outputs sharing memory', () => {
    const close = new Float64Array(30);
    const ok = () => ({ upper: new Float64Array(30), middle: new Float64Array(30), lower: new Float64Array(30) });
    expect(() => bollinger(close, 0, 2, ok())).toThrow(RangeError);
    expect(() => bollinger(close, 2.5, 2, ok())).toThrow(RangeError);
    expect(() => bollinger(close, 20, 2, { ...ok(), upper: new Float64Array(29) })).toThrow(RangeError);
    const shared = new Float64Array(30);
    expect(() => bollinger(close, 20, 2, { ...ok(), upper: shared, lower: shared })).toThrow(/share memory/);
    expect(() => bollinger(close, 20, 2, { ...ok(), middle: close })).toThrow(/share memory/);
  });
});
