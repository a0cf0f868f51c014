import { afterEach, beforeEach, expect, it } from 'vitest';
import { INDICATOR_FIELDS, type IndicatorField } from '../../src/compute/fields.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { computeResults } from '../../src/compute/results.js';
import { createSource } from '../../src/sources/index.js';
import { findStale, type StaleResult } from '../../src/staleness/index.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import {
  DAY_1,
  DAY_2,
  day1DateBefore,
  day1Snapshot,
  RAW_DAY_1,
  RAW_DAY_2,
  restateClose,
  RestatingSource,
  runDay,
  SelectiveStore,
} from '../support/staleness.js';

/** The indicator fields whose value 30 bars after a changed close still depends on it, under 1.0 (lookback.ts). */
const AFFECTED_30_BARS_LATER: IndicatorField[] = [
  'sma_50',
  'sma_200',
  'macd',
  'macd_signal',
  'macd_histogram',
  'vwap',
  'price_vwap_pct',
  'uncertainty_score',
];

describeOnDatabases('findStale', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  const stale = (computationVersion: '1.0' | '2.0' = '1.0', lake = t.lake) =>
    findStale({ warehouse: t.warehouse, lake, computationVersion });
  const versionOf = async (key: string) => (await t.store.head(key)).versionId;
  const summary = (results: StaleResult[]) =>
    results.map((r) => [r.ticker, r.kind, r.as_of, r.reasons.map((reason) => reason.type).join(',')]);

  async function restatedRuns(barsBefore: number) {
    await runDay(t.lake, t.warehouse, DAY_1, { tickers: ['NVDA', 'D05.SI'] });
    const restated = await day1DateBefore('NVDA', barsBefore);
    await runDay(t.lake, t.warehouse, DAY_2, {
      tickers: ['NVDA', 'D05.SI'],
      source: new RestatingSource(createSource('sample'), 'NVDA', [restated]),
    });
    return restated;
  }

  it('flags exactly the results whose window holds a bar restated 30 bars before their as_of', async () => {
    const restated = await restatedRuns(30);
    const results = await stale();
    // Day 1's NVDA results only: day 2's were computed from the restated snapshot, D05.SI was not restated.
    expect(summary(results)).toEqual([
      ['NVDA', 'features', '2026-11-26', 'restatement'],
      ['NVDA', 'indicators', '2026-11-26', 'restatement'],
      ['NVDA', 'percentiles', '2026-11-26', 'restatement'],
    ]);
    const reason = {
      type: 'restatement',
      raw_key: RAW_DAY_2('NVDA'),
      raw_version_id: await versionOf(RAW_DAY_2('NVDA')),
      previous_raw_key: RAW_DAY_1('NVDA'),
      dates: [restated],
      fields: ['close'],
    };
    const indicators = results[1];
    expect(indicators).toEqual({
      key: 'processed/indicators/NVDA/2026-11-26/20261126_213000.json',
      version_id: await versionOf('processed/indicators/NVDA/2026-11-26/20261126_213000.json'),
      ticker: 'NVDA',
      kind: 'indicators',
      as_of: '2026-11-26',
      computation_version: '1.0',
      source_raw_key: RAW_DAY_1('NVDA'),
      source_raw_version_id: await versionOf(RAW_DAY_1('NVDA')),
      newest_raw_key: RAW_DAY_2('NVDA'),
      newest_raw_version_id: await versionOf(RAW_DAY_2('NVDA')),
      reasons: [{ ...reason, affected_fields: AFFECTED_30_BARS_LATER }],
    });
    // adj_close changed too, but no result reads it: it is not among the fields.
    expect(results[0].reasons).toEqual([reason]);
    expect(results[2].reasons).toEqual([reason]);
  });

  it('names as affected exactly the indicator fields a recomputation changes beyond rounding', async () => {
    const restated = await restatedRuns(30);
    const original = await day1Snapshot('NVDA');
    const revised = {
      ...original,
      bars: original.bars.map((bar) => (bar.date === restated ? restateClose(bar) : bar)),
    };
    const before = computeResults(original, '1.0').indicators;
    const after = computeResults(revised, '1.0').indicators;
    // Rolling sums carry a few ulps of bars that have left the window; a dependency is a change beyond 1e-9.
    const changed = INDICATOR_FIELDS.filter(
      (field) => Math.abs(after[field]! - before[field]!) > 1e-9 * Math.max(1, Math.abs(before[field]!)),
    );
    const [indicators] = (await stale()).filter((r) => r.kind === 'indicators');
    expect(changed).toEqual(AFFECTED_30_BARS_LATER);
    expect(indicators.reasons[0]).toMatchObject({ affected_fields: changed });
  });

  it('finds nothing after an identical newer snapshot, and nothing for results recomputed from the newest one', async () => {
    await runDay(t.lake, t.warehouse, DAY_1);
    await runDay(t.lake, t.warehouse, DAY_2);
    expect(await stale()).toEqual([]);

    // A restatement: day 1's results are stale; those of 2026-11-27 were recomputed from the restating snapshot
    // itself (the newest object of that as_of), so they are not.
    const restated = await day1DateBefore('NVDA', 3);
    const later = new Date(DAY_2.getTime() + 3_600_000);
    const restating = new RestatingSource(createSource('sample'), 'NVDA', [restated]);
    await runDay(t.lake, t.warehouse, later, { source: restating });
    expect(summary(await stale())).toEqual([
      ['NVDA', 'features', '2026-11-26', 'restatement'],
      ['NVDA', 'indicators', '2026-11-26', 'restatement'],
      ['NVDA', 'percentiles', '2026-11-26', 'restatement'],
    ]);
    // Recomputing as of 2026-11-26 from a newer snapshot (what `reprocess --stale` does) clears them.
    await runDay(t.lake, t.warehouse, new Date(later.getTime() + 60_000), { end: '2026-11-26', source: restating });
    expect(await stale()).toEqual([]);
  });

  it('records a restatement of fields no result reads (open, adj_close) without making anything stale', async () => {
    await runDay(t.lake, t.warehouse, DAY_1);
    const restated = await day1DateBefore('NVDA', 10);
    const dividendAdjusted = new RestatingSource(createSource('sample'), 'NVDA', [restated], (bar) => ({
      ...bar,
      adj_close: bar.close * 0.98,
      open: bar.open + 0.01,
    }));
    await runDay(t.lake, t.warehouse, DAY_2, { source: dividendAdjusted });
    expect(await t.warehouse.db.selectFrom('restatement_bars').select('field').orderBy('field').execute()).toEqual([
      { field: 'adj_close' },
      { field: 'open' },
    ]);
    expect(await stale()).toEqual([]);
  });

  it('flags results computed under an older computation version than the current one', async () => {
    await runDay(t.lake, t.warehouse, DAY_1);
    expect(await stale('1.0')).toEqual([]);
    const under2 = await stale('2.0');
    expect(summary(under2)).toEqual([
      ['NVDA', 'features', '2026-11-26', 'computation_version'],
      ['NVDA', 'indicators', '2026-11-26', 'computation_version'],
      ['NVDA', 'percentiles', '2026-11-26', 'computation_version'],
    ]);
    expect(under2[0].reasons).toEqual([{ type: 'computation_version', current: '2.0', recorded: '1.0' }]);
    expect(under2[0].newest_raw_key).toBe(RAW_DAY_1('NVDA'));

    // Day 2 under 2.0: its results are current; day 1's (another as_of) stay stale. Results under 2.0 are
    // newer than a current 1.0, not stale.
    await runDay(t.lake, t.warehouse, DAY_2, { computationVersion: '2.0' });
    expect(summary(await stale('2.0')).map((row) => row[2])).toEqual(['2026-11-26', '2026-11-26', '2026-11-26']);
    expect(await stale('1.0')).toEqual([]);
  });

  it('gives both reasons when both apply', async () => {
    await restatedRuns(0);
    const features = (await stale('2.0')).find(
      (r) => r.ticker === 'NVDA' && r.kind === 'features' && r.as_of === '2026-11-26',
    )!;
    expect(features.reasons.map((reason) => reason.type)).toEqual(['computation_version', 'restatement']);
  });

  it('falls back to "unsure means stale" when the source snapshot is archived, and says so', async () => {
    const restated = await restatedRuns(30);
    const store = new SelectiveStore(t.store);
    store.archived.add(RAW_DAY_1('NVDA'));
    const results = await stale('1.0', new DataLake(store, new WarehouseLakeCatalog(t.warehouse.db)));
    const indicators = results.find((r) => r.kind === 'indicators')!;
    // The window's first date still comes from the object's metadata; the lag is unknown, so every field that
    // reads the close counts.
    const closeFields = INDICATOR_FIELDS.filter((field) => !['volume_sma_20', 'volume_ratio'].includes(field));
    expect(indicators.reasons).toEqual([
      expect.objectContaining({
        dates: [restated],
        affected_fields: closeFields,
        window_error: expect.stringContaining(`cannot read the source snapshot ${RAW_DAY_1('NVDA')}`),
      }),
    ]);
    expect(results).toHaveLength(3);
  });

  it('limits the search to the given tickers', async () => {
    await restatedRuns(30);
    expect(
      await findStale({ warehouse: t.warehouse, lake: t.lake, computationVersion: '1.0', tickers: ['D05.SI'] }),
    ).toEqual([]);
    expect(
      await findStale({ warehouse: t.warehouse, lake: t.lake, computationVersion: '1.0', tickers: ['NVDA'] }),
    ).toHaveLength(3);
  });
});
