import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries, pricePath, segmentedSeries } from './testing/arbitraries.js';
import {
  compareOrExact,
  exactRollingMean,
  fixtureNames,
  pandasGainLoss,
  loadFixture,
} from './testing/pandas-fixtures.js';
import { rollingMean } from './rolling-mean.js';

describe('rollingMean against pandas rolling(window).mean()', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    const { gain, loss } = pandasGainLoss(f.close);
    const cases: [string, Float64Array, number, number][] = [
      ['sma_20', f.close, 20, f.priceScale],
      ['sma_50', f.close, 50, f.priceScale],
      ['sma_200', f.close, 200, f.priceScale],
      ['rolling_mean_1', f.close, 1, f.priceScale],
      ['rolling_mean_2', f.close, 2, f.priceScale],
      ['rolling_mean_5', f.close, 5, f.priceScale],
      ['volume_sma_20', f.volume, 20, f.volumeScale],
      // The RSI building blocks: zero runs, -0.0 losses, the identical-run rule.
      ['avg_gain_14', gain, 14, f.priceScale],
      ['avg_loss_14', loss, 14, f.priceScale],
    ];
    it.each(cases)('%s', (key, input, window, scale) => {
      const out = rollingMean(input, window, new Float64Array(f.length));
      expect(compareOrExact(out, f.outputs[key], exactRollingMean(input, window), scale)).toEqual([]);
    });
  });

  it('a flat stretch averages to exactly its value, and zero losses to exactly zero', () => {
    const f = loadFixture('flat-stretch'); // closes 199..239 are identical
    const sma = rollingMean(f.close, 20, new Float64Array(f.length));
    const flat = f.close[220];
    for (let i = 218; i < 240; i++) expect(sma[i]).toBe(flat);
    expect(sma[217]).not.toBe(flat);
    const avgLoss = rollingMean(pandasGainLoss(f.close).loss, 14, new Float64Array(f.length));
    // -0.0 in fact, like pandas: the window holds only losses of -(0.0) and the run rule returns the latest.
    for (let i = 213; i < 260; i++) expect(Object.is(avgLoss[i], -0)).toBe(true);
  });

  it('is NaN during warm-up and when the window is longer than the series', () => {
    const input = Float64Array.of(1, 2, 3, 4);
    expect(Array.from(rollingMean(input, 3, new Float64Array(4)))).toEqual([NaN, NaN, 2, 3]);
    expect(Array.from(rollingMean(input, 5, new Float64Array(4)))).toEqual([NaN, NaN, NaN, NaN]);
    expect(rollingMean(new Float64Array(0), 3, new Float64Array(0))).toHaveLength(0);
  });

  it('overwrites only the first n values of a longer output', () => {
    const out = new Float64Array(6).fill(7);
    rollingMean(Float64Array.of(1, 2, 3, 4), 2, out);
    expect(Array.from(out)).toEqual([NaN, 1.5, 2.5, 3.5, 7, 7]);
  });

  it('refuses a bad window or a short output', () => {
    const input = new Float64Array(4);
    for (const w of [0, -1, 1.5, NaN]) expect(() => rollingMean(input, w, new Float64Array(4))).toThrow(RangeError);
    expect(() => rollingMean(input, 2, new Float64Array(3))).toThrow(RangeError);
  });

  it('property: scaling prices by a constant scales the SMA', () => {
    fc.assert(
      fc.property(
        pricePath({ maxLength: 80 }),
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (close, window, k) => {
          const base = rollingMean(close, window, new Float64Array(close.length));
          const scaled = rollingMean(
            close.map((x) => x * k),
            window,
            new Float64Array(close.length),
          );
          for (let i = 0; i < close.length; i++) {
            if (Number.isNaN(base[i])) expect(scaled[i]).toBeNaN();
            else expect(Math.abs(scaled[i] - k * base[i])).toBeLessThanOrEqual(1e-12 * k * base[i]);
          }
        },
      ),
    );
  });

  it('property: the mean lies between the window minimum and maximum', () => {
    fc.assert(
      fc.property(pricePath({ maxLength: 80 }), fc.integer({ min: 1, max: 30 }), (close, window) => {
        const out = rollingMean(close, window, new Float64Array(close.length));
        for (let i = window - 1; i < close.length; i++) {
          const w = close.subarray(i - window + 1, i + 1);
          expect(out[i]).toBeGreaterThanOrEqual(Math.min(...w));
          expect(out[i]).toBeLessThanOrEqual(Math.max(...w));
        }
      }),
    );
  });

  it('property: non-negative series with spikes, crashes and flat stretches stay within 1e-12 of the exact mean', () => {
    // What the error bound is for: a running sum is off relative to the largest sums it has held, so a spike
    // leaving the window or a 10,000-fold fall would leave it far off the (small) current mean without it.
    const segment = fc.record({
      length: fc.integer({ min: 1, max: 60 }),
      level: fc.constantFrom(1e-4, 0.5, 1, 50, 5e4, 1e9, 1e16),
      flat: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 60 }),
        fc.nat(),
        (segments, window, seed) => {
          const input = segmentedSeries(segments, seed);
          const out = rollingMean(input, window, new Float64Array(input.length));
          const exact = exactRollingMean(input, window);
          for (let i = 0; i < input.length; i++) {
            if (Number.isNaN(exact[i])) expect(out[i]).toBeNaN();
            else expect(Math.abs(out[i] - exact[i])).toBeLessThanOrEqual(1e-12 * exact[i]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a window holding NaN or ±Infinity is NaN, any other is a number', () => {
    fc.assert(
      fc.property(hostileSeries(80, false), fc.integer({ min: 1, max: 10 }), (input, window) => {
        const out = rollingMean(input, window, new Float64Array(input.length));
        for (let i = 0; i < input.length; i++) {
          const full = i >= window - 1 && input.subarray(i - window + 1, i + 1).every(Number.isFinite);
          expect(Number.isNaN(out[i])).toBe(!full);
        }
      }),
    );
  });
});
