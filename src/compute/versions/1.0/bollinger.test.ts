import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries, pricePath } from './testing/arbitraries.js';
import {
  compareOrExact,
  exactRollingMean,
  exactRollingStd,
  fixtureNames,
  loadFixture,
} from './testing/pandas-fixtures.js';
import { bollinger, type BollingerOutput } from './bollinger.js';

function allocate(n: number): BollingerOutput {
  return { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n) };
}

describe('bollinger (1.0) against pandas', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    const bands = bollinger(f.close, 20, 2, allocate(f.length));
    const narrow = bollinger(f.close, 5, 1.5, allocate(f.length));
    // Exact references for where pandas' own arithmetic loses the answer (compareOrExact).
    const exact = (period: number, k: number) => {
      const mean = exactRollingMean(f.close, period);
      const sd = exactRollingStd(f.close, period);
      return { upper: mean.map((m, i) => m + k * sd[i]), middle: mean, lower: mean.map((m, i) => m - k * sd[i]) };
    };
    const wide = exact(20, 2);
    const tight = exact(5, 1.5);
    it.each([
      ['bb_upper', bands.upper, wide.upper],
      ['bb_middle', bands.middle, wide.middle],
      ['bb_lower', bands.lower, wide.lower],
      ['bb_upper_5_1_5', narrow.upper, tight.upper],
      ['bb_lower_5_1_5', narrow.lower, tight.lower],
    ] as const)('%s', (key, values, reference) => {
      expect(compareOrExact(values, f.outputs[key], reference, f.priceScale)).toEqual([]);
    });
  });

  it('the bands close on a flat stretch', () => {
    const f = loadFixture('flat-stretch'); // closes 199..239 are identical
    const bands = bollinger(f.close, 20, 2, allocate(f.length));
    for (let i = 218; i < 240; i++) {
      expect([bands.lower[i], bands.middle[i], bands.upper[i]]).toEqual(Array(3).fill(f.close[220]));
    }
  });

  it('refuses a bad period or a short output', () => {
    expect(() => bollinger(new Float64Array(3), 0, 2, allocate(3))).toThrow(RangeError);
    const out = allocate(3);
    out.lower = new Float64Array(1);
    expect(() => bollinger(new Float64Array(3), 2, 2, out)).toThrow(RangeError);
  });

  it('property: middle and deviation within 1e-12 of exact two-pass values, on prices of any scale', () => {
    fc.assert(
      fc.property(
        pricePath(),
        fc.integer({ min: 2, max: 30 }),
        fc.constantFrom(1e-3, 1, 5e4, 1e9),
        (path, period, scale) => {
          const close = path.map((x) => x * scale);
          const n = close.length;
          const sd = new Float64Array(n);
          const bands = bollinger(close, period, 2, { ...allocate(n), stddev: sd });
          const mean = exactRollingMean(close, period);
          const exactSd = exactRollingStd(close, period);
          for (let i = 0; i < n; i++) {
            if (Number.isNaN(mean[i])) {
              expect([bands.middle[i], sd[i]]).toEqual([NaN, NaN]);
              continue;
            }
            expect(Math.abs(bands.middle[i] - mean[i])).toBeLessThanOrEqual(1e-12 * mean[i]);
            // The deviation's error is relative to itself, except that it is computed from prices: 1e-15 of the
            // price level is rounding of the inputs' own size.
            expect(Math.abs(sd[i] - exactSd[i])).toBeLessThanOrEqual(1e-12 * exactSd[i] + 1e-15 * mean[i]);
            expect(bands.upper[i]).toBe(bands.middle[i] + 2 * sd[i]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a window holding NaN or ±Infinity is NaN, any other is defined', () => {
    fc.assert(
      fc.property(hostileSeries(80, false), fc.integer({ min: 2, max: 10 }), (close, period) => {
        const bands = bollinger(close, period, 2, allocate(close.length));
        for (let i = 0; i < close.length; i++) {
          const full = i >= period - 1 && close.subarray(i - period + 1, i + 1).every(Number.isFinite);
          expect(Number.isNaN(bands.middle[i]), `middle[${i}]`).toBe(!full);
          expect(Number.isNaN(bands.upper[i]), `upper[${i}]`).toBe(!full);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: lower <= middle <= upper', () => {
    fc.assert(
      fc.property(
        pricePath(),
        fc.integer({ min: 2, max: 30 }),
        fc.double({ min: 0, max: 4, noNaN: true }),
        (close, period, k) => {
          const bands = bollinger(close, period, k, allocate(close.length));
          for (let i = 0; i < close.length; i++) {
            if (Number.isNaN(bands.middle[i])) continue;
            expect(bands.lower[i]).toBeLessThanOrEqual(bands.middle[i]);
            expect(bands.middle[i]).toBeLessThanOrEqual(bands.upper[i]);
          }
        },
      ),
    );
  });
});
