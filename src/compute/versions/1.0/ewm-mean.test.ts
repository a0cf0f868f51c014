import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries, pricePath } from './testing/arbitraries.js';
import { compare, compareBits, fixtureNames, loadFixture } from './testing/pandas-fixtures.js';
import { ewmAlpha, ewmMean } from './ewm-mean.js';

describe('ewmMean against pandas ewm(span, adjust=False).mean()', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    const cases: [string, number][] = [
      ['ewm_1', 1],
      ['ewm_2_5', 2.5],
      ['ewm_3', 3],
      ['ewm_12', 12],
      ['ewm_26', 26],
    ];
    it.each(cases)('%s', (key, span) => {
      const out = ewmMean(f.close, span, new Float64Array(f.length));
      expect(compare(out, f.outputs[key], f.priceScale)).toEqual([]);
      expect(compareBits(out, f.outputs[key])).toEqual([]);
    });
  });

  it('starts at the first value, and at the first finite one after leading gaps', () => {
    const out = ewmMean(Float64Array.of(NaN, Infinity, 10, 20), 3, new Float64Array(4));
    expect(Array.from(out)).toEqual([NaN, NaN, 10, 15]);
  });

  it('carries its value across a gap, and the gap ages the old weight', () => {
    // alpha = 0.5: after one missing bar the old mean weighs 0.25 against the new value's 0.5.
    const out = ewmMean(Float64Array.of(1, NaN, 4), 3, new Float64Array(3));
    expect(Array.from(out)).toEqual([1, 1, (0.25 * 1 + 0.5 * 4) / 0.75]);
  });

  it('derives alpha through the centre of mass, as pandas does', () => {
    expect(ewmAlpha(12)).toBe(1 / (1 + 5.5));
    expect(ewmAlpha(1)).toBe(1);
    for (let span = 1; span <= 400; span += 0.5) expect(1 - ewmAlpha(span) + ewmAlpha(span)).toBe(1);
  });

  it('may write in place', () => {
    const f = loadFixture('walk-50');
    const buffer = f.close.slice();
    ewmMean(buffer, 12, buffer);
    expect(compareBits(buffer, f.outputs.ewm_12)).toEqual([]);
  });

  it('refuses a span below 1 or a short output', () => {
    for (const span of [0.5, 0, NaN, Infinity]) {
      expect(() => ewmMean(new Float64Array(3), span, new Float64Array(3))).toThrow(RangeError);
    }
    expect(() => ewmMean(new Float64Array(3), 3, new Float64Array(2))).toThrow(RangeError);
  });

  it('property: a constant series stays exactly constant', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        (value, n, span) => {
          const out = ewmMean(new Float64Array(n).fill(value), span, new Float64Array(n));
          for (const v of out) expect(v).toBe(value);
        },
      ),
    );
  });

  it('property: stays within the range of the values seen so far', () => {
    fc.assert(
      fc.property(pricePath({ minLength: 1 }), fc.double({ min: 1, max: 100, noNaN: true }), (close, span) => {
        const out = ewmMean(close, span, new Float64Array(close.length));
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < close.length; i++) {
          lo = Math.min(lo, close[i]);
          hi = Math.max(hi, close[i]);
          expect(out[i]).toBeGreaterThanOrEqual(lo * (1 - 1e-15));
          expect(out[i]).toBeLessThanOrEqual(hi * (1 + 1e-15));
        }
      }),
    );
  });

  it('property: NaN only before the first finite value', () => {
    fc.assert(
      fc.property(hostileSeries(), fc.double({ min: 1, max: 50, noNaN: true }), (input, span) => {
        const out = ewmMean(input, span, new Float64Array(input.length));
        const first = input.findIndex(Number.isFinite);
        for (let i = 0; i < input.length; i++) {
          if (first < 0 || i < first) expect(out[i]).toBeNaN();
          else if (i === first) expect(out[i]).toBe(input[i]);
        }
      }),
    );
  });
});
