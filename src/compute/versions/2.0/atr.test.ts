import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atr } from './atr.js';
import { priceSeries } from './testing/arbitraries.js';
import { TALIB_RELATIVE, talibFloor } from './testing/run.js';
import { compare, describeMismatches, fixtureSeries, priceScale, talibFixture } from './testing/series.js';
import { runTalib } from './testing/talib.js';

/** Bars around a close path: high/low stretched from open/close by a generated amount, gaps included. */
interface Hlc {
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

function barsFrom(close: Float64Array, stretch: number[]): Hlc {
  const n = close.length;
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const open = i > 0 ? close[i - 1] * (1 + 0.01 * (stretch[i] - 0.5)) : close[i];
    const s = Math.abs(stretch[i]) * 0.01;
    high[i] = Math.max(open, close[i]) * (1 + s);
    low[i] = Math.min(open, close[i]) * (1 - s);
  }
  return { high, low, close };
}

describe('atr (TA_ATR, Wilder)', () => {
  for (const series of fixtureSeries()) {
    it(`matches TA-Lib ATR 14 on ${series.name}`, () => {
      const ours = atr(series.high, series.low, series.close, 14, new Float64Array(series.close.length));
      const floor = talibFloor('atr_14', priceScale(series.close));
      const { mismatches } = compare(ours, talibFixture(series.name).atr_14, TALIB_RELATIVE, floor);
      expect(describeMismatches('atr_14', mismatches)).toBe('');
    });
  }

  it("matches TA-Lib live for any period and length, gaps included (period 1 is TA-Lib's true range)", () => {
    fc.assert(
      fc.property(
        priceSeries({ maxLength: 120 }).chain((close) =>
          fc.tuple(
            fc.constant(close),
            fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: close.length, maxLength: close.length }),
          ),
        ),
        fc.integer({ min: 1, max: 30 }),
        ([close, stretch], period) => {
          const bars = barsFrom(close, stretch);
          // An output longer than the input, with a sentinel tail that must survive.
          const ours = atr(bars.high, bars.low, bars.close, period, new Float64Array(close.length + 4).fill(-7));
          expect(Array.from(ours.subarray(close.length))).toEqual([-7, -7, -7, -7]);
          const ta = runTalib('ATR', { ...bars }, { optInTimePeriod: period }).outReal;
          const floor = talibFloor('atr_14', priceScale(close));
          expect(describeMismatches(`atr ${period}`, compare(ours, ta, TALIB_RELATIVE, floor).mismatches)).toBe('');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is exactly 0 on bars that never move, and NaN until bar `period`', () => {
    const flat = new Float64Array(30).fill(12.5);
    const out = atr(flat, flat, flat, 14, new Float64Array(30));
    expect(Array.from(out.slice(0, 14)).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.slice(14))).toEqual(new Array(16).fill(0));
  });

  it('rejects inputs of different lengths, bad periods, short outputs and an output sharing an input', () => {
    const a = new Float64Array(20);
    const b = new Float64Array(19);
    expect(() => atr(a, b, a, 14, new Float64Array(20))).toThrow(RangeError);
    expect(() => atr(a, a, a, 0, new Float64Array(20))).toThrow(RangeError);
    expect(() => atr(a, a, a, 14, new Float64Array(19))).toThrow(RangeError);
    expect(() => atr(a, a, new Float64Array(20), 14, a)).toThrow(/share memory/);
  });
});
