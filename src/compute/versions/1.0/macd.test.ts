import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileSeries } from './testing/arbitraries.js';
import { compare, compareBits, fixtureNames, loadFixture } from './testing/pandas-fixtures.js';
import { ewmMean } from './ewm-mean.js';
import { macd, type MacdOutput } from './macd.js';

function allocate(n: number): MacdOutput {
  return { macd: new Float64Array(n), signal: new Float64Array(n), histogram: new Float64Array(n) };
}

describe('macd (1.0) against pandas', () => {
  describe.each(fixtureNames())('%s', (name) => {
    const f = loadFixture(name);
    const out = macd(f.close, allocate(f.length));
    it.each([
      ['macd', 'macd'],
      ['macd_signal', 'signal'],
      ['macd_histogram', 'histogram'],
    ] as const)('%s', (key, line) => {
      // MACD lines are differences of prices: near zero they are compared against the price scale.
      expect(compare(out[line], f.outputs[key], f.priceScale)).toEqual([]);
      expect(compareBits(out[line], f.outputs[key])).toEqual([]);
    });
  });

  it('all three lines start at the first close', () => {
    const out = macd(Float64Array.of(10, 11, 12), allocate(3));
    expect([out.macd[0], out.signal[0], out.histogram[0]]).toEqual([0, 0, 0]);
    expect(out.macd[1]).toBeGreaterThan(0);
  });

  it('refuses a short output', () => {
    const out = allocate(3);
    out.signal = new Float64Array(2);
    expect(() => macd(new Float64Array(3), out)).toThrow(RangeError);
  });

  it('property: the fused kernel is bit-identical to composed ewmMean calls, on any input', () => {
    fc.assert(
      fc.property(hostileSeries(), (close) => {
        const n = close.length;
        const out = macd(close, allocate(n));
        const fast = ewmMean(close, 12, new Float64Array(n));
        const slow = ewmMean(close, 26, new Float64Array(n));
        const line = fast.map((v, i) => v - slow[i]);
        const signal = ewmMean(line, 9, new Float64Array(n));
        expect(compareBits(out.macd, line)).toEqual([]);
        expect(compareBits(out.signal, signal)).toEqual([]);
        expect(
          compareBits(
            out.histogram,
            line.map((v, i) => v - signal[i]),
          ),
        ).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
