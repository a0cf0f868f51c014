/**
 * Bit-for-bit comparison of JSON values, for `marketlake verify`.
 *
 * A computation version promises the same numbers forever, so "close enough" is a failure: numbers are compared
 * with Object.is (every bit, and -0 is not 0), strings and booleans with ===, null only equals null. Both sides
 * are expected to be what JSON.parse returns (the stored body), or to have been through `toJsonValue` (the
 * recomputed results), so NaN has already become null exactly as the writer's JSON.stringify made it.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JsonDifference {
  /** Where: `rsi_14`, `rsi_14.percentile`, `history[3]`; empty for the whole value. */
  field: string;
  /** `changed`: both sides have the field; `missing`: only the expected side; `extra`: only the actual side. */
  change: 'changed' | 'missing' | 'extra';
  expected?: JsonValue;
  actual?: JsonValue;
}

/** The value as a stored body holds it: JSON.stringify then JSON.parse (NaN and Infinity become null). */
export function toJsonValue(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  // JSON.stringify(undefined) is undefined: there is no JSON for it, and a result is never undefined.
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return JSON.parse(text) as JsonValue;
}

/** Every difference between `expected` and `actual`, depth first, fields in the expected side's order. */
export function diffJson(expected: JsonValue, actual: JsonValue, path = ''): JsonDifference[] {
  if (isObject(expected) && isObject(actual)) {
    const differences: JsonDifference[] = [];
    for (const name of Object.keys(expected)) {
      const child = path === '' ? name : `${path}.${name}`;
      if (!Object.hasOwn(actual, name)) differences.push({ field: child, change: 'missing', expected: expected[name] });
      else differences.push(...diffJson(expected[name], actual[name], child));
    }
    for (const name of Object.keys(actual)) {
      if (!Object.hasOwn(expected, name)) {
        differences.push({ field: path === '' ? name : `${path}.${name}`, change: 'extra', actual: actual[name] });
      }
    }
    return differences;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const differences: JsonDifference[] = [];
    const length = Math.max(expected.length, actual.length);
    for (let i = 0; i < length; i++) {
      const child = `${path}[${i}]`;
      if (i >= actual.length) differences.push({ field: child, change: 'missing', expected: expected[i] });
      else if (i >= expected.length) differences.push({ field: child, change: 'extra', actual: actual[i] });
      else differences.push(...diffJson(expected[i], actual[i], child));
    }
    return differences;
  }
  return sameScalar(expected, actual) ? [] : [{ field: path, change: 'changed', expected, actual }];
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Scalars, or an object/array against something of another shape (never equal). */
function sameScalar(expected: JsonValue, actual: JsonValue): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') return Object.is(expected, actual);
  if (typeof expected === 'object' || typeof actual === 'object') return expected === null && actual === null;
  return expected === actual;
}
