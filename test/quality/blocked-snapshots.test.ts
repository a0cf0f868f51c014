/**
 * What a `block` run blocked stays blocked outside that run (docs/design.md "Data quality"): the next runs'
 * stability checks compare with the newest snapshot not blocked (the restatement detection still with the true
 * previous one), and `reprocess` judges each snapshot again under the current configuration before computing.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { runDaily, type RunSummary } from '../../src/pipeline/daily-run.js';
import { DEFAULT_QUALITY_CONFIG, type QualityConfig } from '../../src/quality/index.js';
import { reprocess } from '../../src/reprocess/reprocess.js';
import { createSource } from '../../src/sources/index.js';
import type { MarketDataSource, SnapshotRequest } from '../../src/sources/source.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { rangeOf } from '../support/staleness.js';

/** Consecutive weekdays: the sample source's last bar is the day itself. */
const MON = new Date('2026-11-23T21:30:00Z');
const TUE = new Date('2026-11-24T21:30:00Z');
const WED = new Date('2026-11-25T21:30:00Z');
const THU = new Date('2026-11-26T21:30:00Z');
const rawKey = (ticker: string, day: Date) => {
  const date = day.toISOString().slice(0, 10);
  return `raw/sample/${ticker}/${date}/${date.replaceAll('-', '')}_213000.json`;
};

type Fault = (snapshot: RawSnapshot) => RawSnapshot;

/** The sample source, with a fault applied to one ticker's snapshot on some days (by the request's `now`). */
function faultyOn(ticker: string, faults: ReadonlyMap<number, Fault>): MarketDataSource {
  const sample = createSource('sample');
  return {
    name: sample.name,
    async fetchSnapshot(requested: string, request: SnapshotRequest) {
      const snapshot = await sample.fetchSnapshot(requested, request);
      const fault = faults.get(request.now?.getTime() ?? -1);
      return snapshot.ticker === ticker && fault ? fault(snapshot) : snapshot;
    },
  };
}

/** High below low on the bar of `date`: a consistency error, the history intact. */
const highBelowLowOn =
  (date: string): Fault =>
  (snapshot) => ({
    ...snapshot,
    bars: snapshot.bars.map((bar) => (bar.date === date ? { ...bar, high: bar.low * 0.9 } : bar)),
  });

/** The bars of `dates` gone: a shrunken history. */
const without =
  (dates: ReadonlySet<string>): Fault =>
  (snapshot) => ({ ...snapshot, bars: snapshot.bars.filter((bar) => !dates.has(bar.date)) });

describeOnDatabases('blocked snapshots after the run that blocked them', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  const runOn = (now: Date, source: MarketDataSource, options: { tickers?: string[] } = {}): Promise<RunSummary> => {
    const { start, end } = rangeOf(now);
    return runDaily({
      tickers: options.tickers ?? ['NVDA'],
      source,
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '1.0',
      start,
      end,
      concurrency: 2,
      clock: () => now,
      tables: false,
    });
  };
  const verdict = async (key: string, check: string) => {
    const row = await t.warehouse.db
      .selectFrom('quality_results')
      .selectAll()
      .where('raw_key', '=', key)
      .where('check_id', '=', check)
      .executeTakeFirstOrThrow();
    return row;
  };
  const sampleDates = async (now: Date) => {
    const { start, end } = rangeOf(now);
    const snapshot = await createSource('sample').fetchSnapshot('NVDA', { start, end, now });
    return snapshot.bars.map((bar) => bar.date);
  };

  it('a shrunken blocked snapshot is no baseline: the same loss again is found, a whole history passes', async () => {
    const dates = await sampleDates(MON);
    const lost = new Set(dates.slice(-60, -50));
    const source = faultyOn(
      'NVDA',
      new Map([
        [TUE.getTime(), without(lost)],
        [WED.getTime(), without(lost)],
      ]),
    );
    expect((await runOn(MON, source)).quality).toMatchObject({ blocked: [] });
    expect((await runOn(TUE, source)).quality).toMatchObject({ blocked: ['NVDA'] });
    expect(await verdict(rawKey('NVDA', TUE), 'stability.history_shrank')).toMatchObject({ passed: false });

    // Compared with Tuesday's blocked snapshot, Wednesday's lost nothing; compared with Monday's, the same 10 dates.
    const wed = await runOn(WED, source);
    expect(wed.quality).toMatchObject({ blocked: ['NVDA'] });
    expect(await verdict(rawKey('NVDA', WED), 'stability.history_shrank')).toMatchObject({
      passed: false,
      observed: 10,
    });
    // Wednesday's restatement detection still compared with Tuesday's snapshot, the vendor's last word: no
    // restatement (the overlapping bars are the same), where against Monday's 10 bars would be removed.
    const restated = await t.warehouse.db.selectFrom('restatements').select('raw_key').execute();
    expect(restated.map((row) => row.raw_key)).not.toContain(rawKey('NVDA', WED));

    // The whole history again: compared with Monday's, nothing lost.
    const thu = await runOn(THU, source);
    expect(thu.quality).toMatchObject({ blocked: [], errors: 0 });
    expect(await verdict(rawKey('NVDA', THU), 'stability.history_shrank')).toMatchObject({ passed: true });
    expect(thu.tickers_ok).toEqual(['NVDA']);
  });

  it('after a blocked snapshot of full length, the next one is compared with the last good one; restatements with the blocked one', async () => {
    const dates = await sampleDates(MON);
    const broken = dates.at(-10)!;
    const source = faultyOn('NVDA', new Map([[TUE.getTime(), highBelowLowOn(broken)]]));
    await runOn(MON, source);
    expect((await runOn(TUE, source)).quality).toMatchObject({ blocked: ['NVDA'] });
    const wed = await runOn(WED, source);
    expect(wed.quality).toMatchObject({ blocked: [], errors: 0 });
    // The vendor took back Tuesday's high: a restatement of Tuesday's snapshot, as the vendor said it (and
    // Tuesday's own, of Monday's) ...
    const restatements = await t.warehouse.db
      .selectFrom('restatements')
      .select(['raw_key', 'previous_raw_key'])
      .orderBy('raw_key')
      .execute();
    expect(restatements).toEqual([
      { raw_key: rawKey('NVDA', TUE), previous_raw_key: rawKey('NVDA', MON) },
      { raw_key: rawKey('NVDA', WED), previous_raw_key: rawKey('NVDA', TUE) },
    ]);
    // ... but for the stability checks Wednesday restated nothing: its baseline is Monday's snapshot.
    expect(await verdict(rawKey('NVDA', WED), 'stability.restated_bars')).toMatchObject({ passed: true });
  });

  it('reprocess skips a snapshot the checks still block, and computes it once the configuration allows it', async () => {
    const tickers = ['NVDA', 'D05.SI', '7974.T'];
    const dates = await sampleDates(MON);
    const source = faultyOn('D05.SI', new Map([[MON.getTime(), highBelowLowOn(dates.at(-10)!)]]));
    const run = await runOn(MON, source, { tickers });
    expect(run.quality).toMatchObject({ blocked: ['D05.SI'] });
    const blockedKey = (await t.keys('raw/')).find((key) => key.includes('/D05.SI/'))!;
    const processedOf = async (ticker: string) =>
      (await t.keys('processed/')).filter((key) => key.includes(`/${ticker}/`));

    const later = (minutes: number) => () => new Date(MON.getTime() + minutes * 60_000);
    const blocked = await reprocess({
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '2.0',
      clock: later(60),
    });
    expect(blocked.status).toBe('partial');
    expect(blocked.quality).toMatchObject({
      policy: 'block',
      snapshots_judged: 3,
      errors: 1,
      blocked: [{ ticker: 'D05.SI', raw_key: blockedKey, checks: ['consistency.high_low'] }],
      failures: [{ ticker: 'D05.SI', raw_key: blockedKey, check: 'consistency.high_low', severity: 'error' }],
    });
    expect(blocked.failed).toEqual([]);
    expect(await processedOf('D05.SI')).toEqual([]);
    expect((await processedOf('NVDA')).filter((key) => key.endsWith('_223000.json'))).toHaveLength(3);
    const d05Rows = () =>
      t.warehouse.db.selectFrom('daily_indicators').selectAll().where('symbol', '=', 'D05.SI').execute();
    expect(await d05Rows()).toEqual([]);

    // The user knows the bar is what the exchange printed: an override for the ticker, and a reprocess.
    const override: QualityConfig = {
      ...DEFAULT_QUALITY_CONFIG,
      tickers: { 'D05.SI': { checks: { 'consistency.high_low': { enabled: false } } } },
    };
    const allowed = await reprocess({
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '2.0',
      tickers: ['D05.SI'],
      clock: later(120),
      quality: override,
    });
    expect(allowed.status).toBe('ok');
    expect(allowed.quality).toMatchObject({ snapshots_judged: 1, errors: 0, blocked: [] });
    const written = await processedOf('D05.SI');
    expect(written).toHaveLength(3);
    expect(await d05Rows()).toMatchObject([{ source_raw_key: blockedKey, computation_version: '2.0' }]);

    // Without the checks, as before them: the snapshot is computed whatever it holds.
    const unchecked = await reprocess({
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '1.0',
      tickers: ['D05.SI'],
      clock: later(180),
      quality: false,
    });
    expect(unchecked).toMatchObject({ status: 'ok', quality: null, objects_written: 3 });
  });

  it('reprocess under warn computes a snapshot with an error finding and marks what it writes', async () => {
    const tickers = ['NVDA', 'D05.SI'];
    const dates = await sampleDates(MON);
    const source = faultyOn('D05.SI', new Map([[MON.getTime(), highBelowLowOn(dates.at(-10)!)]]));
    expect((await runOn(MON, source, { tickers })).quality).toMatchObject({ blocked: ['D05.SI'] });

    const summary = await reprocess({
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '2.0',
      clock: () => new Date(MON.getTime() + 3_600_000),
      quality: { ...DEFAULT_QUALITY_CONFIG, policy: 'warn' },
    });
    expect(summary.quality).toMatchObject({ policy: 'warn', errors: 1, blocked: [] });
    const written = (await t.keys('processed/')).filter((key) => key.includes('/D05.SI/'));
    expect(written).toHaveLength(3);
    for (const key of written) {
      expect(await t.store.getTags(key), key).toMatchObject({ quality: 'flagged' });
      expect((await t.store.head(key)).metadata, key).toMatchObject({
        quality_failed: 'consistency.high_low:error',
        quality_run_id: summary.run_id,
      });
    }
    const marks = await t.warehouse.db
      .selectFrom('daily_indicators')
      .select(['symbol', 'quality_failed'])
      .orderBy('symbol')
      .execute();
    expect(marks).toEqual([
      { symbol: 'D05.SI', quality_failed: 'consistency.high_low:error' },
      { symbol: 'NVDA', quality_failed: null },
    ]);
  });

  it('reprocess without a range computes the newest snapshot the checks do not block', async () => {
    const tickers = ['NVDA', 'D05.SI'];
    const dates = await sampleDates(TUE);
    const source = faultyOn('D05.SI', new Map([[TUE.getTime(), highBelowLowOn(dates.at(-10)!)]]));
    await runOn(MON, source, { tickers });
    expect((await runOn(TUE, source, { tickers })).quality).toMatchObject({ blocked: ['D05.SI'] });

    const summary = await reprocess({
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '2.0',
      clock: () => new Date(TUE.getTime() + 3_600_000),
    });
    // Tuesday's snapshot is still blocked (reported, partial); Monday's, the newest good one, gives the results.
    expect(summary.status).toBe('partial');
    expect(summary.quality).toMatchObject({ blocked: [{ ticker: 'D05.SI', raw_key: rawKey('D05.SI', TUE) }] });
    const rows = await t.warehouse.db
      .selectFrom('daily_indicators')
      .select(['symbol', 'indicator_date', 'source_raw_key'])
      .where('computation_version', '=', '2.0')
      .orderBy('symbol')
      .execute();
    expect(rows).toEqual([
      { symbol: 'D05.SI', indicator_date: '2026-11-23', source_raw_key: rawKey('D05.SI', MON) },
      { symbol: 'NVDA', indicator_date: '2026-11-24', source_raw_key: rawKey('NVDA', TUE) },
    ]);
  });

  it('reprocess reuses an identical object only when its mark agrees: rows and objects never disagree', async () => {
    const tickers = ['NVDA', 'D05.SI'];
    const dates = await sampleDates(MON);
    const source = faultyOn('D05.SI', new Map([[MON.getTime(), highBelowLowOn(dates.at(-10)!)]]));
    await runDaily({
      tickers,
      source,
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '1.0',
      ...rangeOf(MON),
      concurrency: 2,
      clock: () => MON,
      tables: false,
      quality: { ...DEFAULT_QUALITY_CONFIG, policy: 'warn' },
    });
    const marked = (await t.keys('processed/')).filter((key) => key.includes('/D05.SI/'));
    expect(marked).toHaveLength(3);

    // The user allows the bar; the same version again: D05.SI's results are the same values, now unmarked.
    const summary = await reprocess({
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '1.0',
      clock: () => new Date(MON.getTime() + 3_600_000),
      quality: {
        ...DEFAULT_QUALITY_CONFIG,
        tickers: { 'D05.SI': { checks: { 'consistency.high_low': { enabled: false } } } },
      },
    });
    expect(summary).toMatchObject({ status: 'ok', objects_written: 3, skipped_identical: 3 });
    const rows = await t.warehouse.db
      .selectFrom('daily_indicators')
      .select(['symbol', 'lake_key', 'quality_failed'])
      .orderBy('symbol')
      .execute();
    expect(rows.map((row) => [row.symbol, row.quality_failed])).toEqual([
      ['D05.SI', null],
      ['NVDA', null],
    ]);
    for (const row of rows) {
      expect(marked).not.toContain(row.lake_key);
      expect((await t.store.head(row.lake_key!)).metadata, row.lake_key!).not.toHaveProperty('quality_failed');
    }
  });

  it('reprocess --stale judges the newest snapshot too: a blocked one gives nothing, the newest good one is used', async () => {
    const dates = await sampleDates(MON);
    const source = faultyOn('NVDA', new Map([[TUE.getTime(), highBelowLowOn(dates.at(-10)!)]]));
    await runOn(MON, source);
    await runOn(TUE, source);
    const summary = await reprocess({
      lake: t.lake,
      warehouse: t.warehouse,
      computationVersion: '1.0',
      onlyAsOf: new Map([['NVDA', new Set([dates.at(-1)!])]]),
      clock: () => new Date(TUE.getTime() + 3_600_000),
    });
    // The stale date would come from the newest snapshot holding it, Tuesday's, which the checks block; so from
    // Monday's, whose results under 1.0 exist already (identical: nothing new). The block is reported.
    expect(summary).toMatchObject({
      status: 'partial',
      snapshots_read: 2,
      dates_computed: 1,
      objects_written: 0,
      skipped_identical: 3,
    });
    expect(summary.quality).toMatchObject({
      snapshots_judged: 2,
      blocked: [{ ticker: 'NVDA', raw_key: rawKey('NVDA', TUE), checks: ['consistency.high_low'] }],
    });
  });
});
