import { describe, expect, it } from 'vitest';
import { COMPUTATION_VERSIONS } from '../../src/compute/fields.js';
import { toSeries } from '../../src/market/bars.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { barsOf } from '../../src/lake/formats/raw-bars.js';
import { computeResults } from '../../src/compute/results.js';
import { AsOfCalculator } from '../../src/reprocess/as-of.js';
import { createSource } from '../../src/sources/index.js';

/** JSON round trip: what a stored object holds. */
const stored = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('results as of an earlier date of a snapshot', () => {
  it('equal bit for bit, for every date and both versions, computeResults on the bars truncated at that date', async () => {
    const snapshot = await createSource('sample').fetchSnapshot('D05.SI', {
      start: '2024-11-26',
      end: '2026-11-26',
      now: new Date('2026-11-26T21:30:00Z'),
    });
    const series = toSeries(barsOf(snapshot));
    expect(series.dates.length).toBeGreaterThan(500);
    for (const version of COMPUTATION_VERSIONS) {
      const calculator = new AsOfCalculator(series, version);
      for (let i = 0; i < series.dates.length; i++) {
        const truncated: RawSnapshot = { ...snapshot, bars: snapshot.bars.slice(0, i + 1) };
        // toEqual on numbers is Object.is: equal to the last bit, not approximately.
        expect(stored(calculator.at(i))).toEqual(stored(computeResults(truncated, version)));
      }
    }
  });

  it('refuses an index outside the series', () => {
    const series = toSeries([{ date: '2026-01-02', open: 1, high: 1, low: 1, close: 1, adjClose: null, volume: 1 }]);
    const calculator = new AsOfCalculator(series, '1.0');
    expect(() => calculator.at(1)).toThrow(RangeError);
    expect(() => calculator.at(-1)).toThrow(RangeError);
    expect(calculator.at(0)).toMatchObject({ asOf: '2026-01-02', bars: 1 });
  });
});
