/**
 * The numbers of a processed object's `values`, by dotted path, in document order:
 *   indicators   macd, rsi_14, ...
 *   percentiles  rsi_14.percentile, rsi_14.mean, ..., current_price_percentile
 *   features     return_1d, ..., bars
 * Leaves are numbers or null (docs/design.md: a value that cannot be computed is null); anything else means the object
 * is not what this version of marketlake wrote, and is refused rather than compared wrongly.
 */
export function flattenValues(values: unknown, where: string): Map<string, number | null> {
  const out = new Map<string, number | null>();
  walk(values, '', out, where);
  return out;
}

function walk(value: unknown, path: string, out: Map<string, number | null>, where: string): void {
  if (value === null || typeof value === 'number') {
    if (path === '') throw new TypeError(`${where}: "values" is not an object`);
    out.set(path, value);
    return;
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [name, child] of Object.entries(value as Record<string, unknown>))
      walk(child, path === '' ? name : `${path}.${name}`, out, where);
    return;
  }
  throw new TypeError(`${where}: values.${path} is ${JSON.stringify(value)}, expected a number, null or an object`);
}
