import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries, pricePath } from './testing/arbitraries.js';
import { compareOrExact, exactRollingStd, fixtureNames, loadFixture } from './testing/pandas-fixtures.js';
import { rollingStd } from './rolling-std.js';

describe('rollingStd against pandas rolling(window).std()', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    const cases: [string, Float64Array, number, number][] = [
      ['rolling_std_2', f.close, 2, f.priceScale],
      ['rolling_std_5', f.close, 5, f.priceScale],
      ['rolling_std_20', f.close, 20, f.priceScale],
      ['rolling_std_50', f.close, 50, f.priceScale],
      ['volume_std_20', f.volume, 20, f.volumeScale],
    ];
    it.each(cases)('%s', (key, input, window, scale) => {
      const out = rollingStd(input, window, new Float64Array(f.length));
      expect(compareOrExact(out, f.outputs[key], exactRollingStd(input, window), scale)).toEqual([]);
    });
  });

  it('a flat window has a deviation of exactly 0', () => {
    const f = loadFixture('flat-stretch'); // closes 199..239 are identical
    const sd = rollingStd(f.close, 20, new Float64Array(f.length));
    for (let i = 218; i < 240; i++) expect(sd[i]).toBe(0);
    expect(sd[217]).toBeGreaterThan(0);
    expect(sd[240]).toBeGreaterThan(0);
  });

  it('uses the sample deviation (ddof 1) and is NaN everywhere for a window of 1', () => {
    const out = rollingStd(Float64Array.of(1, 2, 3, 4), 2, new Float64Array(4));
    expect(out[0]).toBeNaN();
    expect(out[1]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(Array.from(rollingStd(Float64Array.of(1, 2, 3), 1, new Float64Array(3)))).toEqual([NaN, NaN, NaN]);
  });

  it('refuses a bad window or a short output', () => {
    expect(() => rollingStd(new Float64Array(3), 0, new Float64Array(3))).toThrow(RangeError);
    expect(() => rollingStd(new Float64Array(3), 2, new Float64Array(2))).toThrow(RangeError);
  });

  it('property: matches a two-pass sample deviation on price paths', () => {
    fc.assert(
      fc.property(pricePath({ maxLength: 80 }), fc.integer({ min: 2, max: 30 }), (close, window) => {
        const out = rollingStd(close, window, new Float64Array(close.length));
        for (let i = 0; i < close.length; i++) {
          if (i < window - 1) {
            expect(out[i]).toBeNaN();
            continue;
          }
          const w = close.subarray(i - window + 1, i + 1);
          const mean = w.reduce((a, b) => a + b, 0) / window;
          const exact = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / (window - 1));
          // Welford's error grows with the price level over the deviation; allow for it generously.
          expect(Math.abs(out[i] - exact)).toBeLessThanOrEqual(1e-9 * Math.max(exact, 1e-3 * mean));
        }
      }),
    );
  });

  it('property: never negative, NaN exactly where the window is incomplete', () => {
    fc.assert(
      fc.property(hostileSeries(), fc.integer({ min: 2, max: 10 }), (input, window) => {
        const out = rollingStd(input, window, new Float64Array(input.length));
        for (let i = 0; i < input.length; i++) {
          const full = i >= window - 1 && input.subarray(i - window + 1, i + 1).every(Number.isFinite);
          if (!full) expect(out[i]).toBeNaN();
          else if (!Number.isNaN(out[i])) expect(out[i]).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
