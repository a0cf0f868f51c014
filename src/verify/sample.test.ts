import { describe, expect, it } from 'vitest';
import { sampleItems } from './sample.js';

describe('sampleItems', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];

  it('returns count distinct items in their input order', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let round = 0; round < 50; round++) {
      const sample = sampleItems(items, 3, random);
      expect(new Set(sample).size).toBe(3);
      expect(sample).toEqual([...sample].sort());
    }
  });

  it('takes everything when count reaches the length, nothing for 0', () => {
    expect(sampleItems(items, 5)).toEqual(items);
    expect(sampleItems(items, 9)).toEqual(items);
    expect(sampleItems(items, 0)).toEqual([]);
  });

  it('can reach every item', () => {
    expect(sampleItems(items, 1, () => 0)).toEqual(['a']);
    expect(sampleItems(items, 1, () => 0.9999)).toEqual(['e']);
  });

  it('refuses a size that is not a whole number', () => {
    expect(() => sampleItems(items, -1)).toThrow(RangeError);
    expect(() => sampleItems(items, 1.5)).toThrow(RangeError);
  });
});
