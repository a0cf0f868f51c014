import { describe, expect, it } from 'vitest';
import { FieldAccumulator, isChanged, relativeDifference } from './compare.js';
import { flattenValues } from './flatten.js';

describe('the comparison of one field', () => {
  it('counts a change beyond 1e-9 x max(|a|, |b|, 1), or between null and a number', () => {
    expect(isChanged(null, null)).toBe(false);
    expect(isChanged(null, 0)).toBe(true);
    expect(isChanged(0, null)).toBe(true);
    expect(isChanged(1000, 1000 + 1e-7)).toBe(false); // relative 1e-10
    expect(isChanged(1000, 1000 + 1e-5)).toBe(true);
    expect(isChanged(1e-12, 5e-10)).toBe(false); // near zero the tolerance is absolute
    expect(isChanged(0, 2e-9)).toBe(true);
  });

  it('measures the relative difference against the larger magnitude, 0 for two zeros', () => {
    expect(relativeDifference(0, 0)).toBe(0);
    expect(relativeDifference(2, 1)).toBe(0.5);
    expect(relativeDifference(-1, 1)).toBe(2);
  });

  it('keeps the five worst cases, a value appearing or vanishing first, then by relative difference', () => {
    const accumulator = new FieldAccumulator('macd', 5);
    const cases: [string, number | null, number | null][] = [
      ['a', 1, 1.1],
      ['b', 1, 3],
      ['c', null, 2],
      ['d', 100, 100],
      ['e', 1, 1.5],
      ['f', 10, 11],
      ['g', 1, 1.01],
      ['h', 5, null],
      ['i', null, null],
    ];
    for (const [date, a, b] of cases) accumulator.add('NVDA', date, a, b);
    const result = accumulator.result();
    expect(result).toMatchObject({ field: 'macd', compared: 9, changed: 7, max_abs_diff: 2, max_rel_diff: 2 / 3 });
    expect(result.worst.map((w) => w.as_of)).toEqual(['c', 'h', 'b', 'e', 'a']);
    expect(result.worst[0]).toEqual({ ticker: 'NVDA', as_of: 'c', from: null, to: 2, abs_diff: null, rel_diff: null });
  });

  it('reports no maximum when no pair had numbers on both sides', () => {
    const accumulator = new FieldAccumulator('sma_200', 5);
    accumulator.add('NVDA', '2026-01-02', null, null);
    expect(accumulator.result()).toEqual({
      field: 'sma_200',
      compared: 1,
      changed: 0,
      max_abs_diff: null,
      max_rel_diff: null,
      worst: [],
    });
  });
});

describe('flattening values', () => {
  it('names nested statistics by their path, in document order', () => {
    const flat = flattenValues({ rsi_14: { percentile: 40, mean: null }, current_price_percentile: 12.5 }, 'k');
    expect([...flat]).toEqual([
      ['rsi_14.percentile', 40],
      ['rsi_14.mean', null],
      ['current_price_percentile', 12.5],
    ]);
  });

  it('refuses what a marketlake object never holds, naming the object and the path', () => {
    expect(() => flattenValues({ a: { b: 'x' } }, 'processed/x.json')).toThrow('processed/x.json: values.a.b is "x"');
    expect(() => flattenValues({ a: [1] }, 'k')).toThrow(/values\.a is \[1\]/);
    expect(() => flattenValues(3, 'k')).toThrow(/"values" is not an object/);
  });
});
