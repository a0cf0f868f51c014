import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries, pricePath } from '../../../test/fixtures/pandas-v1/arbitraries.js';
import { compare, compareBits, fixtureNames, loadFixture } from '../../../test/fixtures/pandas-v1/load.js';
import { bollinger, type BollingerOutput } from './bollinger.js';
import { rollingMean } from './rolling-mean.js';
import { rollingStd } from './rolling-std.js';

function allocate(n: number): BollingerOutput {
  return { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n) };
}

describe('bollinger (legacy) against pandas', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    const bands = bollinger(f.close, 20, 2, allocate(f.length));
    const narrow = bollinger(f.close, 5, 1.5, allocate(f.length));
    it.each([
      ['bb_upper', bands.upper],
      ['bb_middle', bands.middle],
      ['bb_lower', bands.lower],
      ['bb_upper_5_1_5', narrow.upper],
      ['bb_lower_5_1_5', narrow.lower],
    ] as const)('%s', (key, values) => {
      expect(compare(values, f.outputs[key], f.priceScale)).toEqual([]);
      expect(compareBits(values, f.outputs[key])).toEqual([]);
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

  it('property: the fused kernel is bit-identical to rollingMean ± k * rollingStd, on any input', () => {
    fc.assert(
      fc.property(hostileSeries(), fc.integer({ min: 1, max: 12 }), fc.double({ min: 0, max: 4, noNaN: true }), (close, period, k) => {
        const n = close.length;
        const bands = bollinger(close, period, k, allocate(n));
        const middle = rollingMean(close, period, new Float64Array(n));
        const sd = rollingStd(close, period, new Float64Array(n));
        expect(compareBits(bands.middle, middle)).toEqual([]);
        expect(compareBits(bands.upper, middle.map((m, i) => m + sd[i] * k))).toEqual([]);
        expect(compareBits(bands.lower, middle.map((m, i) => m - sd[i] * k))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('property: lower <= middle <= upper', () => {
    fc.assert(
      fc.property(pricePath(), fc.integer({ min: 2, max: 30 }), fc.double({ min: 0, max: 4, noNaN: true }), (close, period, k) => {
        const bands = bollinger(close, period, k, allocate(close.length));
        for (let i = 0; i < close.length; i++) {
          if (Number.isNaN(bands.middle[i])) continue;
          expect(bands.lower[i]).toBeLessThanOrEqual(bands.middle[i]);
          expect(bands.middle[i]).toBeLessThanOrEqual(bands.upper[i]);
        }
      }),
    );
  });
});
