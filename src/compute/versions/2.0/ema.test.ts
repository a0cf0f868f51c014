import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ema } from './ema.js';
import { priceSeries } from './testing/arbitraries.js';
import { TALIB_RELATIVE } from './testing/run.js';
import { compare, describeMismatches, fixtureSeries, talibFixture } from './testing/series.js';

/** TA_EMA written the plain way: SMA seed at bar period - 1, then e += k (x - e). */
function plainEma(x: Float64Array, period: number): number[] {
  const out = new Array<number>(x.length).fill(NaN);
  if (x.length < period) return out;
  let sum = 0;
  for (let i = 0; i < period; i++) sum += x[i];
  let e = sum / period;
  out[period - 1] = e;
  const k = 2 / (period + 1);
  for (let i = period; i < x.length; i++) out[i] = e += k * (x[i] - e);
  return out;
}

describe('ema (TA_EMA)', () => {
  for (const series of fixtureSeries()) {
    for (const period of [12, 26]) {
      it(`matches TA-Lib EMA ${period} on ${series.name}`, () => {
        const expected = talibFixture(series.name)[`ema_${period}`];
        const ours = ema(series.close, period, new Float64Array(series.close.length));
        const { mismatches } = compare(ours, expected, TALIB_RELATIVE);
        expect(describeMismatches(`ema_${period}`, mismatches)).toBe('');
      });
    }
  }

  it('is seeded with the SMA of the first `period` values, bit for bit', () => {
    const x = Float64Array.from([10.1, 10.7, 9.9, 10.3, 10.05, 11, 10.2]);
    const out = ema(x, 5, new Float64Array(7));
    expect(out[3]).toBeNaN();
    expect(out[4]).toBe((10.1 + 10.7 + 9.9 + 10.3 + 10.05) / 5);
  });

  it('property: every length and period (all unrolling remainders) agrees with the plain recurrence', () => {
    fc.assert(
      fc.property(priceSeries({ maxLength: 150 }), fc.integer({ min: 1, max: 30 }), (x, period) => {
        // An output longer than the input, with a sentinel tail that must survive.
        const ours = ema(x, period, new Float64Array(x.length + 4).fill(-7));
        expect(Array.from(ours.subarray(x.length))).toEqual([-7, -7, -7, -7]);
        // Both forms round relative to the prices the average has seen, not to its current value (after a
        // 1000-fold drop, e + k (x - e) cancels): compare at 1e-13 of the largest price.
        let largest = 0;
        for (const v of x) largest = Math.max(largest, Math.abs(v));
        const { mismatches } = compare(ours, plainEma(x, period), 1e-13, largest);
        expect(describeMismatches('ema', mismatches)).toBe('');
      }),
      { numRuns: 300 },
    );
  });

  it('period 1 is the input; longer outputs keep their tail; short inputs are all NaN', () => {
    const x = Float64Array.from([3, 1, 4, 1, 5]);
    expect(Array.from(ema(x, 1, new Float64Array(5)))).toEqual(Array.from(x));
    const out = new Float64Array(8).fill(-1);
    ema(x, 2, out);
    expect(Array.from(out.slice(5))).toEqual([-1, -1, -1]);
    expect(Array.from(ema(x, 6, new Float64Array(5))).every(Number.isNaN)).toBe(true);
  });

  it('rejects bad periods, short outputs and an output sharing the input', () => {
    const x = new Float64Array(10);
    expect(() => ema(x, 0, new Float64Array(10))).toThrow(RangeError);
    expect(() => ema(x, 3, new Float64Array(9))).toThrow(RangeError);
    expect(() => ema(x, 3, x)).toThrow(/share memory/);
  });
});
