import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { toRawBar } from '../lake/formats/raw-bars.js';
import { parseBarsCsv } from '../market/csv.js';
import { COMPUTATION_VERSIONS } from './fields.js';
import { AsOfBarMissingError, indicatorSeries, SERIES_FIELDS } from './indicator-series.js';
import { computeResults } from './results.js';

const SERIES = new URL('../../test/fixtures/series/', import.meta.url);
const bars = parseBarsCsv(readFileSync(new URL('walk-50.csv', SERIES), 'utf8'), 'walk-50');
/** computeResults reads only a snapshot's bars. */
const snapshot = (upTo: number) => ({ bars: bars.slice(0, upTo).map(toRawBar) }) as unknown as RawSnapshot;

describe.each(COMPUTATION_VERSIONS)('indicatorSeries under %s', (version) => {
  // The last bar (a daily run's result) and an earlier one (a backfill's result, whose snapshot goes on after it).
  it.each([bars.length - 1, 300, 199])('as of bar %i: the last point is computeResults over the same bars', (i) => {
    const asOf = bars[i].date;
    const points = indicatorSeries(bars, version, asOf);
    expect(points.map((point) => point.date)).toEqual(bars.slice(0, i + 1).map((bar) => bar.date));
    // What a run on that date stored: computeResults over the snapshot cut at the date (src/verify/raw-source.ts).
    const stored = computeResults(snapshot(i + 1), version).indicators;
    const last = points.at(-1)!;
    for (const field of SERIES_FIELDS) expect({ field, value: last[field] }).toEqual({ field, value: stored[field] });
  });

  it('a snapshot without a bar on the as-of date is refused, naming the date', () => {
    const gap = [...bars.slice(0, 250), ...bars.slice(251)];
    expect(() => indicatorSeries(gap, version, bars[250].date)).toThrow(AsOfBarMissingError);
    expect(() => indicatorSeries(bars, version, '1999-01-01')).toThrow(`no bar on the as-of date 1999-01-01`);
  });
});
