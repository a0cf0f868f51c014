import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rsi } from './rsi.js';
import { priceSeries } from './testing/arbitraries.js';
import { TALIB_RELATIVE, talibFloor } from './testing/run.js';
import { compare, describeMismatches, fixtureSeries, talibFixture } from './testing/series.js';
import { runTalib } from './testing/talib.js';

const U = 2 ** -53;

/** Wilder's average gain + average loss per bar (the RSI's denominator), the plain way. */
function averageMove(x: Float64Array, period: number): number[] {
  const out = new Array<number>(x.length).fill(NaN);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < x.length; i++) {
    const change = x[i] - x[i - 1];
    if (i <= period) {
      gain += Math.max(change, 0) / period;
      loss += Math.max(-change, 0) / period;
    } else {
      gain = (gain * (period - 1) + Math.max(change, 0)) / period;
      loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
    }
    if (i >= period) out[i] = gain + loss;
  }
  return out;
}

describe('rsi (TA_RSI, Wilder)', () => {
  for (const series of fixtureSeries()) {
    it(`matches TA-Lib RSI 14 on ${series.name}`, () => {
      const ours = rsi(series.close, 14, new Float64Array(series.close.length));
      const { mismatches } = compare(ours, talibFixture(series.name).rsi_14, TALIB_RELATIVE, talibFloor('rsi_14', 1));
      expect(describeMismatches('rsi_14', mismatches)).toBe('');
    });
  }

  it('follows TA-Lib at the edges: 0 with no movement at all, 100 with no losses, first value at bar 14', () => {
    const flat = new Float64Array(40).fill(50.25);
    const rising = Float64Array.from({ length: 40 }, (_, i) => 50 + i * 0.25);
    for (const x of [flat, rising]) {
      const ours = rsi(x, 14, new Float64Array(x.length));
      const expected = runTalib('RSI', { inReal: x }, { optInTimePeriod: 14 }).outReal;
      expect(Array.from(ours, (v) => (Number.isNaN(v) ? null : v))).toEqual(expected);
    }
    expect(rsi(flat, 14, new Float64Array(40))[14]).toBe(0);
    expect(rsi(rising, 14, new Float64Array(40))[39]).toBe(100);
    expect(rsi(rising, 14, new Float64Array(40))[13]).toBeNaN();
  });

  it("switches to TA-Lib's 0 on the same bar as TA-Lib when movement dies out (any alignment)", () => {
    // One tiny move, then nothing: G + L decays by 13/14 a bar and crosses TA-Lib's 1e-14 after ~25 bars.
    for (let extra = 0; extra < 8; extra++) {
      const x = new Float64Array(60 + extra).fill(1);
      x[3] = 1 + 1e-12;
      const ours = rsi(x, 14, new Float64Array(x.length));
      const ta = runTalib('RSI', { inReal: x }, { optInTimePeriod: 14 }).outReal;
      const zeros = ta.filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThan(0);
      expect(zeros).toBeLessThan(x.length - 14);
      const isZero = (v: number | null) => (v === null || Number.isNaN(v) ? null : v === 0);
      expect(Array.from(ours, isZero)).toEqual(ta.map(isZero));
    }
  });

  it('matches TA-Lib live for any period and length (all unrolling remainders)', () => {
    fc.assert(
      fc.property(priceSeries({ maxLength: 150 }), fc.integer({ min: 2, max: 30 }), (x, period) => {
        // An output longer than the input, with a sentinel tail that must survive.
        const ours = rsi(x, period, new Float64Array(x.length + 4).fill(-7));
        expect(Array.from(ours.subarray(x.length))).toEqual([-7, -7, -7, -7]);
        const ta = runTalib('RSI', { inReal: x }, { optInTimePeriod: period }).outReal;
        const { mismatches } = compare(ours, ta, TALIB_RELATIVE, talibFloor('rsi_14', 1));
        expect(describeMismatches(`rsi ${period}`, mismatches)).toBe('');
      }),
      { numRuns: 200 },
    );
  });

  it('property: 0 <= rsi <= 100', () => {
    fc.assert(
      fc.property(priceSeries({ maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (x, period) => {
        const ours = rsi(x, period, new Float64Array(x.length));
        for (let i = period; i < x.length; i++) {
          expect(ours[i]).toBeGreaterThanOrEqual(0);
          expect(ours[i]).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: shifting prices by a constant does not change the RSI (bit for bit when the shift is exact)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -400, max: 400 }), { maxLength: 150 }),
        fc.integer({ min: -(2 ** 20), max: 2 ** 20 }),
        (steps, shift) => {
          // Multiples of 1/64 from a level of 10,000: every price and every shifted price is exact.
          let price = 10_000;
          const x = Float64Array.from(steps, (s) => (price += s / 64));
          const shifted = x.map((v) => v + shift / 64);
          expect(Array.from(rsi(shifted, 14, new Float64Array(x.length)))).toEqual(
            Array.from(rsi(x, 14, new Float64Array(x.length))),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: shifting by any constant changes the RSI by no more than its rounding', () => {
    fc.assert(
      fc.property(priceSeries({ maxLength: 150 }), fc.double({ min: -0.5, max: 1e4, noNaN: true }), (x, c) => {
        let min = Infinity;
        for (const v of x) min = Math.min(min, v);
        const shift = c < 0 ? c * min : c; // keep prices positive
        const shifted = x.map((v) => v + shift);
        const a = rsi(x, 14, new Float64Array(x.length));
        const b = rsi(shifted, 14, new Float64Array(x.length));
        // Rounding x + shift moves each change by <= 2 eps max|x + shift|, the averages by as much, and
        // RSI = 100 G / (G + L) by <= 100 x 2 delta / (G + L); a further eps-level term for the RSI itself.
        let max = 0;
        for (const v of shifted) max = Math.max(max, Math.abs(v));
        for (const v of x) max = Math.max(max, Math.abs(v));
        const moves = averageMove(x, 14);
        for (let i = 14; i < x.length; i++) {
          if (moves[i] < 1e-12) continue; // TA-Lib's "no movement" 0 sits at a fixed threshold, not scale-free
          const allowed = ((100 * 2 * 4 * U * max) / moves[i]) * 4 + 1e-11;
          expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(allowed);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('short inputs are all NaN; longer outputs keep their tail; bad arguments throw', () => {
    const x = Float64Array.from({ length: 14 }, (_, i) => i);
    expect(Array.from(rsi(x, 14, new Float64Array(14))).every(Number.isNaN)).toBe(true);
    const out = new Float64Array(20).fill(-1);
    rsi(x, 5, out);
    expect(Array.from(out.slice(14))).toEqual(new Array(6).fill(-1));
    expect(() => rsi(x, 0, new Float64Array(14))).toThrow(RangeError);
    expect(() => rsi(x, 5, new Float64Array(13))).toThrow(RangeError);
    expect(() => rsi(x, 5, x)).toThrow(/share memory/);
  });
});
