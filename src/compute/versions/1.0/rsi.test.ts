import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries, pricePath, segmentedSeries } from './testing/arbitraries.js';
import {
  compare,
  compareOrExact,
  exactRollingMean,
  fixtureNames,
  pandasGainLoss,
  loadFixture,
} from './testing/pandas-fixtures.js';
import { rollingMean } from './rolling-mean.js';
import { rsi } from './rsi.js';

/** The 1.0 definition spelled out with the rolling-mean kernel: what the fused RSI must agree with. */
function composedRsi(close: Float64Array, period: number): Float64Array {
  const { gain, loss } = pandasGainLoss(close);
  const avgGain = rollingMean(gain, period, new Float64Array(close.length));
  const avgLoss = rollingMean(loss, period, new Float64Array(close.length));
  return avgGain.map((g, i) => 100 - 100 / (1 + g / avgLoss[i]));
}

/** The 1.0 definition on exactly summed means: the reference where pandas' own sums lose the answer. */
function exactRsi(close: Float64Array, period: number): Float64Array {
  const { gain, loss } = pandasGainLoss(close);
  const avgGain = exactRollingMean(gain, period);
  const avgLoss = exactRollingMean(loss, period);
  return avgGain.map((g, i) => 100 - 100 / (1 + g / avgLoss[i]));
}

describe('rsi (1.0) against pandas', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    it.each([
      ['rsi_14', 14],
      ['rsi_2', 2],
    ] as const)('%s', (key, period) => {
      const out = rsi(f.close, period, new Float64Array(f.length));
      expect(compareOrExact(out, f.outputs[key], exactRsi(f.close, period), 100)).toEqual([]);
    });
  });

  it('flat stretch: NaN while nothing changes (0/0), exactly 100 while nothing falls', () => {
    const f = loadFixture('flat-stretch');
    const out = rsi(f.close, 14, new Float64Array(f.length));
    for (let i = 213; i < 240; i++) expect(out[i]).toBeNaN(); // 14 zero changes in the window
    for (let i = 240; i < 260; i++) expect(out[i]).toBe(100); // only rises and zeros
    expect(out[212]).toBe(100); // the last loss has just left the window
    expect(out[212 - 2]).toBeLessThan(100);
  });

  it('is exactly 100 once the window has no losses, never an ulp above (found by the property below)', () => {
    const out = rsi(Float64Array.of(1, 1, 1.93, 1.93, 1.93, 1.93, 1.93), 5, new Float64Array(7));
    expect(Array.from(out.subarray(4))).toEqual([100, 100, 100]);
  });

  it('counts the first change as 0: defined from bar period - 1', () => {
    const out = rsi(Float64Array.of(1, 2, 3, 2), 3, new Float64Array(4));
    expect(out[1]).toBeNaN();
    // window [0, +1, +1]: no losses -> 100; then [+1, +1, -1]: rs = (2/3)/(1/3) = 2 -> 66.67
    expect(out[2]).toBe(100);
    expect(out[3]).toBeCloseTo(200 / 3, 12);
  });

  it('refuses a bad period or a short output', () => {
    expect(() => rsi(new Float64Array(3), 0, new Float64Array(3))).toThrow(RangeError);
    expect(() => rsi(new Float64Array(3), 2, new Float64Array(2))).toThrow(RangeError);
  });

  it('property: the fused kernel agrees with rolling means of gain and loss, on any input', () => {
    fc.assert(
      fc.property(hostileSeries(), fc.integer({ min: 1, max: 16 }), (close, period) => {
        const out = rsi(close, period, new Float64Array(close.length));
        // NaN where the composition is NaN, and within the 1e-9 tolerance of it elsewhere.
        expect(compare(out, composedRsi(close, period), 100)).toEqual([]);
      }),
      // Found by this property in a CI-like run: an average gain above 1.8e306 overflowed 100 x gain, read 100.
      { numRuns: 300, examples: [[Float64Array.from([0, 0, 3.595386269724632e306, 0]), 2]] },
    );
  });

  it('property: prices with spikes, crashes and flat stretches stay within 1e-10 of the exact RSI', () => {
    const segment = fc.record({
      length: fc.integer({ min: 1, max: 40 }),
      level: fc.constantFrom(1e-4, 1, 50, 5e4, 1e12),
      flat: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 30 }),
        fc.nat(),
        (segments, period, seed) => {
          const close = segmentedSeries(segments, seed);
          const out = rsi(close, period, new Float64Array(close.length));
          const exact = exactRsi(close, period);
          for (let i = 0; i < close.length; i++) {
            if (Number.isNaN(exact[i])) expect(out[i]).toBeNaN();
            else expect(Math.abs(out[i] - exact[i])).toBeLessThanOrEqual(1e-10);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: 0 <= rsi <= 100', () => {
    fc.assert(
      fc.property(pricePath(), fc.integer({ min: 1, max: 30 }), (close, period) => {
        for (const v of rsi(close, period, new Float64Array(close.length))) {
          if (!Number.isNaN(v)) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(100);
          }
        }
      }),
    );
  });

  it('property: shifting every price by a constant does not change RSI (beyond rounding)', () => {
    fc.assert(
      fc.property(
        pricePath({ maxLength: 100 }),
        fc.integer({ min: -99, max: 1_000_000 }),
        fc.integer({ min: 2, max: 20 }),
        (close, shiftCents, period) => {
          const shift = shiftCents / 100;
          const shifted = close.map((x) => x + shift);
          fc.pre(shifted.every((x) => x > 0));
          const a = rsi(close, period, new Float64Array(close.length));
          const b = rsi(shifted, period, new Float64Array(close.length));
          for (let i = 0; i < close.length; i++) {
            if (Number.isNaN(a[i])) expect(b[i]).toBeNaN();
            else expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-6);
          }
        },
      ),
    );
  });
});
