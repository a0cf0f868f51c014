import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries, pricePath } from './testing/arbitraries.js';
import { compare, compareOrExact, exactRollingMean, fixtureNames, loadFixture } from './testing/pandas-fixtures.js';
import { atr, trueRange } from './atr.js';

describe('atr (1.0) against pandas', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    it('tr', () => {
      const out = trueRange(f.high, f.low, f.close, new Float64Array(f.length));
      expect(compare(out, f.outputs.tr, f.priceScale)).toEqual([]);
    });
    it.each([
      ['atr_14', 14],
      ['atr_3', 3],
    ] as const)('%s', (key, period) => {
      const out = atr(f.high, f.low, f.close, period, new Float64Array(f.length));
      // The exact mean of pandas' own true range is the reference where pandas' rolling sum loses the answer.
      expect(compareOrExact(out, f.outputs[key], exactRollingMean(f.outputs.tr, period), f.priceScale)).toEqual([]);
    });
  });

  it('the first true range is high - low; a missing term is skipped, all missing is NaN', () => {
    const high = Float64Array.of(12, 13, NaN, NaN);
    const low = Float64Array.of(10, 12.5, 11, NaN);
    const close = Float64Array.of(11, NaN, 11.5, 12);
    const tr = trueRange(high, low, close, new Float64Array(4));
    expect(tr[0]).toBe(2);
    expect(tr[1]).toBe(2); // max(0.5, |13 - 11|, |12.5 - 11|)
    expect(tr[2]).toBeNaN(); // high NaN, previous close NaN: only |low - NaN| is left, also NaN
    expect(tr[3]).toBeNaN();
  });

  it('uses the scratch buffer when given, and only its first n values', () => {
    const f = loadFixture('walk-50');
    const scratch = new Float64Array(f.length + 10).fill(1e9);
    const out = atr(f.high, f.low, f.close, 14, new Float64Array(f.length), scratch);
    expect(compare(out, f.outputs.atr_14, f.priceScale)).toEqual([]);
    expect(compare(scratch.subarray(0, f.length), f.outputs.tr, f.priceScale)).toEqual([]);
  });

  it('refuses misaligned inputs, a bad period, a short output or scratch', () => {
    const a = new Float64Array(4);
    expect(() => atr(new Float64Array(3), a, a, 2, new Float64Array(4))).toThrow(RangeError);
    expect(() => atr(a, a, a, 0, new Float64Array(4))).toThrow(RangeError);
    expect(() => atr(a, a, a, 2, new Float64Array(3))).toThrow(RangeError);
    expect(() => atr(a, a, a, 2, new Float64Array(4), new Float64Array(3))).toThrow(RangeError);
  });

  it('property: the true range is at least high - low and never negative for sane bars', () => {
    fc.assert(
      fc.property(
        pricePath({ minLength: 1 }),
        fc.array(fc.tuple(fc.nat(500), fc.nat(500)), { minLength: 120, maxLength: 120 }),
        (close, spreads) => {
          const n = close.length;
          const high = close.map((c, i) => c + spreads[i][0] / 100);
          const low = close.map((c, i) => c - spreads[i][1] / 100);
          const tr = trueRange(high, low, close, new Float64Array(n));
          for (let i = 0; i < n; i++) {
            expect(tr[i]).toBeGreaterThanOrEqual(high[i] - low[i]);
            expect(tr[i]).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
  });

  it('property: the true range is the NaN-skipping maximum of its three terms (to 2 ulps)', () => {
    fc.assert(
      fc.property(hostileSeries(40), hostileSeries(40), hostileSeries(40), (h, l, c) => {
        const n = Math.min(h.length, l.length, c.length);
        const [high, low, close] = [h.slice(0, n), l.slice(0, n), c.slice(0, n)];
        const tr = trueRange(high, low, close, new Float64Array(n));
        for (let i = 0; i < n; i++) {
          const prev = i > 0 ? close[i - 1] : NaN;
          const terms = [high[i] - low[i], Math.abs(high[i] - prev), Math.abs(low[i] - prev)].filter(
            (x) => !Number.isNaN(x),
          );
          // The maximum itself, up to the rounding of the one addition the kernel makes instead of choosing.
          if (terms.length === 0) expect(tr[i]).toBeNaN();
          else {
            const max = Math.max(...terms);
            if (tr[i] !== max) expect(Math.abs(tr[i] - max)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(max));
          }
        }
      }),
    );
  });
});
