import { describe, expect, it } from 'vitest';
import { diffJson, toJsonValue } from './json-diff.js';

describe('diffJson', () => {
  it('finds nothing between equal documents, whatever the key order', () => {
    expect(diffJson({ a: 1, b: { c: [1, null, 'x'] } }, { b: { c: [1, null, 'x'] }, a: 1 })).toEqual([]);
  });

  it('compares numbers bit for bit: the next double, and -0 against 0, differ', () => {
    const x = 1;
    const next = 1 + Number.EPSILON; // the next double above 1
    expect(next - x).toBe(2 ** -52);
    expect(diffJson({ v: x }, { v: next })).toEqual([{ field: 'v', change: 'changed', expected: x, actual: next }]);
    expect(diffJson({ v: 0 }, { v: -0 })).toHaveLength(1);
  });

  it('null equals only null; a number against null is a change', () => {
    expect(diffJson({ v: null }, { v: null })).toEqual([]);
    expect(diffJson({ v: null }, { v: 0 })).toEqual([{ field: 'v', change: 'changed', expected: null, actual: 0 }]);
    expect(diffJson({ v: 1 }, { v: null })).toEqual([{ field: 'v', change: 'changed', expected: 1, actual: null }]);
  });

  it('names nested fields and array items, and says which side lacks a field', () => {
    expect(
      diffJson({ rsi_14: { mean: 1, max: 2 }, list: [1, 2] }, { rsi_14: { mean: 1, min: 0 }, list: [1, 3, 4] }),
    ).toEqual([
      { field: 'rsi_14.max', change: 'missing', expected: 2 },
      { field: 'rsi_14.min', change: 'extra', actual: 0 },
      { field: 'list[1]', change: 'changed', expected: 2, actual: 3 },
      { field: 'list[2]', change: 'extra', actual: 4 },
    ]);
  });

  it('reports a change of shape at the field where it happens', () => {
    expect(diffJson({ a: { b: 1 } }, { a: [1] })).toEqual([
      { field: 'a', change: 'changed', expected: { b: 1 }, actual: [1] },
    ]);
    expect(diffJson({ a: 1 }, 'x')).toEqual([{ field: '', change: 'changed', expected: { a: 1 }, actual: 'x' }]);
  });
});

describe('toJsonValue', () => {
  it('turns NaN and Infinity into null, as the writer did', () => {
    expect(toJsonValue({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: 1.5 })).toEqual({ a: null, b: null, c: 1.5 });
  });

  it('refuses a value that has no JSON', () => {
    expect(() => toJsonValue(undefined)).toThrow(/no JSON representation/);
  });
});
