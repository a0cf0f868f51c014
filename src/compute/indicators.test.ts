import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBarsCsv } from '../market/csv.js';
import { toSeries } from '../market/bars.js';
import { allocateIndicatorColumns, COMPUTATION_VERSIONS, INDICATOR_FIELDS, type ComputationVersion } from './fields.js';
import { computeIndicators, indicatorRows } from './indicators.js';

/**
 * All 17 fields end to end, against independent references computed from the same CSV files:
 * version 1.0 against pandas written as the existing Python system writes it (scripts/fixtures/pandas_all_fields.py),
 * version 2.0 against TA-Lib plus an exact two-pass Bollinger (scripts/fixtures/talib-all-fields.ts).
 */
const SERIES = new URL('../../test/fixtures/series/', import.meta.url);
const REFERENCE = new URL('../../test/fixtures/all-fields/', import.meta.url);
const names = readdirSync(SERIES)
  .filter((f) => f.endsWith('.csv'))
  .map((f) => f.replace(/\.csv$/, ''));

/**
 * 1e-9 relative, floored at an absolute 1e-9 for values near zero (MACD, price-VWAP percent): every field is either
 * a price-scale quantity or a percentage/ratio of order 1, so 1e-9 absolute there is still far below any meaning.
 */
function close(actual: number | null, expected: number | null): boolean {
  if (expected === null || actual === null) return actual === expected;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), 1);
}

describe.each(COMPUTATION_VERSIONS)('computeIndicators %s against its reference', (version) => {
  it.each(names)('%s: every field, every row, null exactly where the reference has none', (name) => {
    const series = toSeries(parseBarsCsv(readFileSync(new URL(`${name}.csv`, SERIES), 'utf8'), name));
    const reference = JSON.parse(readFileSync(new URL(`${name}.${version}.json`, REFERENCE), 'utf8')) as {
      fields: Record<string, (number | null)[]>;
    };
    const rows = indicatorRows(series, computeIndicators(series, version));
    for (const field of INDICATOR_FIELDS) {
      const expected = reference.fields[field];
      const mismatches = rows
        .map((row, i) => ({ i, actual: row[field] as number | null, expected: expected[i] }))
        .filter(({ actual, expected: e }) => !close(actual, e));
      expect(mismatches.slice(0, 3), `${name} ${field}`).toEqual([]);
    }
  });
});

describe('computeIndicators', () => {
  it('refuses a version the registry does not hold, naming the ones it does (never the kernels of another version)', () => {
    const series = toSeries(parseBarsCsv(readFileSync(new URL('walk-50.csv', SERIES), 'utf8'), 'walk-50'));
    for (const unknown of ['3.0', 'legacy', 'constructor']) {
      expect(() => computeIndicators(series, unknown as ComputationVersion)).toThrow(
        new RangeError(`unknown computation version "${unknown}": one of ${COMPUTATION_VERSIONS.join(', ')}`),
      );
    }
  });

  it('reuses the output buffers it is given and returns the same numbers', () => {
    const series = toSeries(parseBarsCsv(readFileSync(new URL('walk-50.csv', SERIES), 'utf8'), 'walk-50'));
    const out = allocateIndicatorColumns(series.close.length);
    const fresh = computeIndicators(series, '2.0');
    const reused = computeIndicators(series, '2.0', computeIndicators(series, '1.0', out));
    expect(reused).toBe(out);
    for (const field of INDICATOR_FIELDS) expect(Array.from(reused[field]), field).toEqual(Array.from(fresh[field]));
  });

  it('leaves the flat stretch to pandas semantics under 1.0: RSI undefined with no gains and no losses, 100 with gains only', () => {
    const series = toSeries(parseBarsCsv(readFileSync(new URL('flat-stretch.csv', SERIES), 'utf8'), 'flat'));
    const rsi = computeIndicators(series, '1.0').rsi_14;
    expect(Number.isNaN(rsi[230])).toBe(true); // 14 unchanged closes: 0/0
    expect(rsi[255]).toBe(100); // 14 rising closes: no losses at all
  });
});
