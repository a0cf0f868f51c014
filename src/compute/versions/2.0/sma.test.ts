import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sma } from './sma.js';
import { priceSeries } from './testing/arbitraries.js';
import { TALIB_RELATIVE } from './testing/run.js';
import { compare, describeMismatches, fixtureSeries, talibFixture } from './testing/series.js';

const U = 2 ** -53;

/** The definition, window by window (two-pass, no rolling): what the kernel must agree with. */
function windowMeans(x: Float64Array, period: number): number[] {
  return Array.from(x, (_, i) => {
    if (i < period - 1) return NaN;
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += x[j];
    return sum / period;
  });
}

/**
 * A rolling sum's error: each of its i + 1 updates rounds at most eps x the largest window sum, so the
 * mean is off by at most 2 (i + 1) eps max|x| (plus the division); the tests below allow that, doubled.
 */
function rollingBound(x: Float64Array, i: number): number {
  let max = 0;
  for (let j = 0; j <= i; j++) max = Math.max(max, Math.abs(x[j]));
  return 4 * (i + 2) * U * max;
}

describe('sma (TA_SMA)', () => {
  for (const series of fixtureSeries()) {
    for (const period of [20, 50, 200]) {
      it(`matches TA-Lib SMA ${period} on ${series.name}, bit for bit`, () => {
        const expected = talibFixture(series.name)[`sma_${period}`];
        const ours = sma(series.close, period, new Float64Array(series.close.length));
        const { mismatches } = compare(ours, expected, TALIB_RELATIVE);
        expect(describeMismatches(`sma_${period}`, mismatches)).toBe('');
        // Stronger than the 1e-9 asked of every kernel: the same operations in the same order.
        expect(Array.from(ours, (v) => (Number.isNaN(v) ? null : v))).toEqual(expected);
      });
    }
  }

  it('is NaN everywhere on 150 bars with period 200, and for an empty input', () => {
    const short = fixtureSeries().find((s) => s.name === 'short-150');
    if (!short) throw new Error('short-150 fixture missing');
    expect(Array.from(sma(short.close, 200, new Float64Array(150))).every(Number.isNaN)).toBe(true);
    expect(sma(new Float64Array(0), 5, new Float64Array(0)).length).toBe(0);
  });

  it('property: every length and period (all unrolling remainders) agrees with the window-by-window mean', () => {
    fc.assert(
      fc.property(priceSeries({ maxLength: 120 }), fc.integer({ min: 1, max: 30 }), (x, period) => {
        // An output longer than the input, with a sentinel tail that must survive.
        const ours = sma(x, period, new Float64Array(x.length + 4).fill(-7));
        expect(Array.from(ours.subarray(x.length))).toEqual([-7, -7, -7, -7]);
        const expected = windowMeans(x, period);
        for (let i = 0; i < x.length; i++) {
          if (i < period - 1) expect(ours[i]).toBeNaN();
          else expect(Math.abs(ours[i] - expected[i])).toBeLessThanOrEqual(rollingBound(x, i));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: scaling prices scales the SMA (exactly for powers of 2)', () => {
    fc.assert(
      fc.property(
        priceSeries({ minLength: 1, maxLength: 150 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: -20, max: 20 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (x, period, exponent, factor) => {
          const base = sma(x, period, new Float64Array(x.length));
          const power = 2 ** exponent;
          const byPower = sma(
            x.map((v) => v * power),
            period,
            new Float64Array(x.length),
          );
          expect(Array.from(byPower)).toEqual(Array.from(base, (v) => v * power));
          const scaled = x.map((v) => v * factor);
          const byFactor = sma(scaled, period, new Float64Array(x.length));
          for (let i = period - 1; i < x.length; i++) {
            const allowed = 2 * rollingBound(scaled, i) + 2 * U * Math.abs(factor * base[i]);
            expect(Math.abs(byFactor[i] - factor * base[i])).toBeLessThanOrEqual(allowed);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('period 1 is the input; longer outputs keep their tail; the input is not modified', () => {
    const x = Float64Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
    const copy = x.slice();
    expect(Array.from(sma(x, 1, new Float64Array(8)))).toEqual(Array.from(x));
    const out = new Float64Array(12).fill(-1);
    sma(x, 3, out);
    expect(Array.from(out)).toEqual([NaN, NaN, 8 / 3, 2, 10 / 3, 5, 16 / 3, 17 / 3, -1, -1, -1, -1]);
    expect(x).toEqual(copy);
  });

  it('rejects bad periods, short outputs and an output sharing the input', () => {
    const x = new Float64Array(10);
    expect(() => sma(x, 0, new Float64Array(10))).toThrow(RangeError);
    expect(() => sma(x, 1.5, new Float64Array(10))).toThrow(RangeError);
    expect(() => sma(x, 3, new Float64Array(9))).toThrow(RangeError);
    expect(() => sma(x, 3, x)).toThrow(/share memory/);
    expect(() => sma(x.subarray(0, 5), 3, x.subarray(5))).not.toThrow();
  });
});
