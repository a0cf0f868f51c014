import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataLake } from '../../src/lake/data-lake.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { sha256Hex } from '../../src/lake/formats/render.js';
import { listRestatements, recordRestatement, writePendingRestatements } from '../../src/staleness/index.js';
import { findPreviousRaw, PreloadedPreviousRaws } from '../../src/staleness/previous-raw.js';
import { countStatements } from '../support/statements.js';
import { PRODUCER } from '../../src/version.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { createSource } from '../../src/sources/index.js';
import {
  DAY_1,
  DAY_2,
  day1DateBefore,
  day1Snapshot,
  RAW_DAY_1,
  RAW_DAY_2,
  RestatingSource,
  runDay,
  SelectiveStore,
} from '../support/staleness.js';
import { insertCatalogObject } from '../../src/warehouse/lake-objects.js';
import { recordQualityRun } from '../../src/warehouse/quality.js';

/** The previous snapshot and the baseline, the same object when no block run blocked it. */
function unblocked(key: string) {
  const ref = { key, versionId: `v-${key}` };
  return { previous: ref, baseline: ref };
}

describeOnDatabases('restatement detection in the write path', (ctx) => {
  let t: TestLake;
  const insertRaw = (key: string) => {
    const [, , ticker, date] = key.split('/');
    return insertCatalogObject(t.warehouse.db, {
      key,
      kind: 'raw',
      ticker,
      objectDate: date,
      versionId: `v-${key}`,
      sha256: '0'.repeat(64),
      size: 1,
      computationVersion: null,
      sourceRawKey: null,
      sourceRawVersionId: null,
    });
  };
  /** A run's verdicts as the daily run records them: [ticker, raw key, check, severity, passed]. */
  const recordVerdicts = (
    runId: string,
    policy: 'block' | 'warn',
    verdicts: [string, string, string, 'error' | 'warn', boolean][],
  ) =>
    recordQualityRun(
      t.warehouse.db,
      {
        runId,
        runDate: '2026-11-25',
        checkedAt: new Date('2026-11-25T22:00:00Z'),
        policy,
        computationVersion: '1.0',
        lakeKey: `quality/2026-11-25/${runId}.json`,
      },
      verdicts.map(([ticker, key, check, severity, passed]) => ({
        check,
        ticker,
        market: 'US',
        severity,
        passed,
        observed: 1,
        expected: 0,
        details: 'seeded',
        as_of: key.split('/')[3],
        raw: { key, versionId: `v-${key}`, sha256: '0'.repeat(64) },
      })),
    );
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  it('records a restated bar in the database and in the lake, with old and new values', async () => {
    await runDay(t.lake, t.warehouse, DAY_1, { tickers: ['NVDA', 'D05.SI'] });
    const restated = await day1DateBefore('NVDA', 30);
    const original = (await day1Snapshot('NVDA')).bars.find((bar) => bar.date === restated)!;
    const newClose = (original.low + original.close) / 2;
    const source = new RestatingSource(createSource('sample'), 'NVDA', [restated]);
    const summary = await runDay(t.lake, t.warehouse, DAY_2, { tickers: ['NVDA', 'D05.SI'], source });

    const lakeKey = 'restatements/NVDA/2026-11-27/20261127_213000.json';
    expect(summary).toMatchObject({ status: 'ok', tickers_ok: ['NVDA', 'D05.SI'], lake_errors: [] });
    // The run's summary names what it found (D05.SI was fetched again unchanged).
    expect(summary.restatements).toEqual({ count: 1, tickers: ['NVDA'] });
    expect(summary.objects_written).toBe(2 * 4 + 1); // the restatement object counts among the run's writes
    expect(await t.keys('restatements/')).toEqual([lakeKey]); // D05.SI's overlapping bars are identical

    const db = t.warehouse.db;
    const catalog = async (key: string) =>
      (await db.selectFrom('lake_objects').select('version_id').where('key', '=', key).executeTakeFirstOrThrow())
        .version_id;
    const row = await db.selectFrom('restatements').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      ticker: 'NVDA',
      raw_key: RAW_DAY_2('NVDA'),
      raw_version_id: await catalog(RAW_DAY_2('NVDA')),
      previous_raw_key: RAW_DAY_1('NVDA'),
      previous_raw_version_id: await catalog(RAW_DAY_1('NVDA')),
      overlap_first_date: '2024-11-27',
      overlap_last_date: '2026-11-26',
      changed_bars: 1,
      first_changed_date: restated,
      last_changed_date: restated,
      lake_key: lakeKey,
      lake_version_id: (await t.store.head(lakeKey)).versionId,
      lake_error: null,
    });
    expect(row.fetched_at.toISOString()).toBe(DAY_2.toISOString());
    const bars = await db.selectFrom('restatement_bars').selectAll().orderBy('field').execute();
    expect(bars).toEqual([
      {
        restatement_id: row.id,
        bar_date: restated,
        field: 'adj_close',
        change: 'changed',
        old_value: original.adj_close,
        new_value: newClose,
      },
      {
        restatement_id: row.id,
        bar_date: restated,
        field: 'close',
        change: 'changed',
        old_value: original.close,
        new_value: newClose,
      },
    ]);

    const object = await t.store.get(lakeKey);
    const text = Buffer.from(object.body).toString('utf8');
    expect(text).not.toContain('\n');
    expect(JSON.parse(text)).toEqual({
      schema: 'marketlake.restatement/1',
      ticker: 'NVDA',
      detected_at: DAY_2.toISOString(),
      raw_key: RAW_DAY_2('NVDA'),
      raw_version_id: row.raw_version_id,
      previous_raw_key: RAW_DAY_1('NVDA'),
      previous_raw_version_id: row.previous_raw_version_id,
      overlap: { first_date: '2024-11-27', last_date: '2026-11-26' },
      changed_bars: 1,
      bars: [
        {
          date: restated,
          change: 'changed',
          fields: {
            close: { old: original.close, new: newClose },
            adj_close: { old: original.adj_close, new: newClose },
          },
        },
      ],
    });
    expect(object.contentType).toBe('application/json');
    expect(await t.store.getTags(lakeKey)).toEqual({
      source: 'restatement',
      ticker: 'NVDA',
      fetched_at: '2026-11-27',
      raw_key: RAW_DAY_2('NVDA'),
      previous_raw_key: RAW_DAY_1('NVDA'),
    });
    expect(object.metadata).toMatchObject({
      source: 'restatement_detection',
      content_sha256: sha256Hex(text),
      producer: PRODUCER,
      changed_bars: '1',
    });
  });

  it('records nothing when the newer snapshot has identical overlapping bars', async () => {
    await runDay(t.lake, t.warehouse, DAY_1);
    const summary = await runDay(t.lake, t.warehouse, DAY_2);
    expect(summary.status).toBe('ok');
    expect(summary.restatements).toEqual({ count: 0, tickers: [] });
    expect(await t.warehouse.db.selectFrom('restatements').selectAll().execute()).toEqual([]);
    expect(await t.warehouse.db.selectFrom('restatement_bars').selectAll().execute()).toEqual([]);
    expect(await t.keys('restatements/')).toEqual([]);
  });

  it('keeps the ticker when the lake refuses the restatement: database record with the error, written later', async () => {
    await runDay(t.lake, t.warehouse, DAY_1);
    const store = new SelectiveStore(t.store);
    store.refusePutsUnder = 'restatements/';
    const lake = new DataLake(store, new WarehouseLakeCatalog(t.warehouse.db));
    const restated = await day1DateBefore('NVDA', 5);
    const summary = await runDay(lake, t.warehouse, DAY_2, {
      source: new RestatingSource(createSource('sample'), 'NVDA', [restated]),
    });

    expect(summary).toMatchObject({ status: 'ok', tickers_ok: ['NVDA'], objects_written: 4 });
    expect(summary.lake_errors).toEqual([
      expect.stringMatching(/^restatements\/NVDA\/2026-11-27\/20261127_213000\.json: ObjectStoreError: refused put/),
    ]);
    const [pending] = await listRestatements(t.warehouse.db);
    expect(pending).toMatchObject({
      raw_key: RAW_DAY_2('NVDA'),
      lake_key: null,
      lake_error: expect.stringContaining('refused put'),
    });
    expect(pending.bars.map((bar) => bar.date)).toEqual([restated]);

    store.refusePutsUnder = undefined;
    const retried = await writePendingRestatements(store, t.warehouse);
    expect(retried).toEqual({ written: ['restatements/NVDA/2026-11-27/20261127_213000.json'], lakeErrors: [] });
    const [written] = await listRestatements(t.warehouse.db);
    expect(written).toMatchObject({ lake_key: retried.written[0], lake_error: null });
    const body = JSON.parse(Buffer.from((await t.store.get(retried.written[0])).body).toString('utf8'));
    expect(body).toMatchObject({ raw_key: RAW_DAY_2('NVDA'), bars: pending.bars, detected_at: DAY_2.toISOString() });
    expect(await writePendingRestatements(store, t.warehouse)).toEqual({ written: [], lakeErrors: [] });
  });

  it('is idempotent for one snapshot: a second detection finds the record and writes nothing more', async () => {
    await runDay(t.lake, t.warehouse, DAY_1);
    const restated = await day1DateBefore('NVDA', 0);
    await runDay(t.lake, t.warehouse, DAY_2, {
      source: new RestatingSource(createSource('sample'), 'NVDA', [restated]),
    });
    const snapshot = (await t.lake.get<RawSnapshot>(RAW_DAY_2('NVDA'))).body;
    const again = await recordRestatement({ lake: t.lake, warehouse: t.warehouse, clock: () => new Date() }, snapshot, {
      key: RAW_DAY_2('NVDA'),
      versionId: (await t.store.head(RAW_DAY_2('NVDA'))).versionId,
      sha256: '',
    });
    expect(again.written).toEqual([]);
    expect(again.restatement).toMatchObject({
      lake_key: 'restatements/NVDA/2026-11-27/20261127_213000.json',
      detected_at: DAY_2.toISOString(),
    });
    expect(await t.warehouse.db.selectFrom('restatements').selectAll().execute()).toHaveLength(1);
    expect(await t.keys('restatements/')).toHaveLength(1);
  });

  it('compares with the newest earlier snapshot of the ticker, whatever its source', async () => {
    const insert = (key: string, date: string) =>
      insertCatalogObject(t.warehouse.db, {
        key,
        kind: 'raw',
        ticker: 'NVDA',
        objectDate: date,
        versionId: `v-${key}`,
        sha256: '0'.repeat(64),
        size: 1,
        computationVersion: null,
        sourceRawKey: null,
        sourceRawVersionId: null,
      });
    await insert('raw/yfinance/NVDA/2026-11-25/20261125_230000.json', '2026-11-25');
    await insert('raw/sample/NVDA/2026-11-26/20261126_090000.json', '2026-11-26');
    await insert('raw/yfinance/NVDA/2026-11-26/20261126_080000.json', '2026-11-26');
    await insert('raw/csv/NVDA/2026-11-26/20261126_220000.json', '2026-11-26'); // later than the new one
    const db = t.warehouse.db;
    expect(await findPreviousRaw(db, 'NVDA', 'raw/sample/NVDA/2026-11-26/20261126_213000.json')).toEqual(
      unblocked('raw/sample/NVDA/2026-11-26/20261126_090000.json'),
    );
    expect(await findPreviousRaw(db, 'NVDA', 'raw/sample/NVDA/2026-11-26/20261126_070000.json')).toEqual(
      unblocked('raw/yfinance/NVDA/2026-11-25/20261125_230000.json'),
    );
    expect(await findPreviousRaw(db, 'NVDA', 'raw/sample/NVDA/2026-11-24/20261124_070000.json')).toEqual({});
    expect(await findPreviousRaw(db, 'AAPL', 'raw/sample/AAPL/2026-11-26/20261126_213000.json')).toEqual({});
  });

  it('finds what findPreviousRaw finds with one query for all the run’s tickers, and asks the catalog where it cannot know', async () => {
    const keys = [
      'raw/yfinance/NVDA/2026-11-20/20261120_230000.json',
      'raw/yfinance/NVDA/2026-11-24/20261124_230000.json',
      'raw/sample/NVDA/2026-11-25/20261125_090000.json',
      'raw/sample/NVDA/2026-11-25/20261125_090000_2.json',
      'raw/sample/NVDA/2026-11-25/20261125_090000_10.json', // after _2 in time, before it as text
      'raw/csv/NVDA/2026-11-26/20261126_080000.json',
      'raw/csv/NVDA/2026-11-26/20261126_220000.json',
      'raw/csv/NVDA/2026-11-28/20261128_010000.json', // dated after the run's start
      'raw/yfinance/AAPL/2026-10-01/20261001_230000.json',
      'raw/yfinance/D05.SI/2026-11-26/20261126_010000.json', // only on the run's first day
    ];
    for (const key of keys) {
      const [, , ticker, date] = key.split('/');
      await insertCatalogObject(t.warehouse.db, {
        key,
        kind: 'raw',
        ticker,
        objectDate: date,
        versionId: `v-${key}`,
        sha256: '0'.repeat(64),
        size: 1,
        computationVersion: null,
        sourceRawKey: null,
        sourceRawVersionId: null,
      });
    }
    const db = t.warehouse.db;
    const counter = countStatements();
    const preloaded = await PreloadedPreviousRaws.load(
      db.withPlugin(counter.plugin),
      ['NVDA', 'AAPL', 'D05.SI', 'MSFT', 'NVDA'],
      '2026-11-26',
    );
    expect(counter.labels).toHaveLength(1);

    // The first question per ticker is answered from the rows loaded, exactly as the catalog answers it.
    const first = [
      ['NVDA', 'raw/sample/NVDA/2026-11-26/20261126_213000.json'],
      ['AAPL', 'raw/sample/AAPL/2026-11-27/20261127_000000.json'],
      ['D05.SI', 'raw/sample/D05.SI/2026-11-26/20261126_000000.json'], // fetched before the only one there
      ['MSFT', 'raw/sample/MSFT/2026-11-26/20261126_213000.json'],
    ] as const;
    for (const [ticker, key] of first)
      expect(await preloaded.find(ticker, key)).toEqual(await findPreviousRaw(db, ticker, key));
    expect(await preloaded.find('NVDA', 'raw/csv/NVDA/2026-11-28/20261128_020000.json')).toEqual(
      unblocked('raw/csv/NVDA/2026-11-28/20261128_010000.json'),
    ); // a second question for NVDA: asked of the catalog
    expect(counter.labels).toHaveLength(2);
    expect(await preloaded.find('AAPL', 'raw/sample/AAPL/2026-11-25/20261125_000000.json')).toEqual(
      unblocked('raw/yfinance/AAPL/2026-10-01/20261001_230000.json'),
    ); // dated before the run's start
    expect(await preloaded.find('TSLA', 'raw/sample/TSLA/2026-11-26/20261126_213000.json')).toEqual({}); // not loaded
    expect(counter.labels).toHaveLength(4);
    // What the first questions found, spelled out.
    expect(await findPreviousRaw(db, 'NVDA', first[0][1])).toEqual(
      unblocked('raw/csv/NVDA/2026-11-26/20261126_080000.json'),
    );
    expect(await findPreviousRaw(db, 'D05.SI', first[2][1])).toEqual({});
  });

  it('gives the stability checks the newest previous snapshot no block run blocked, and restatements the previous', async () => {
    const keys = [
      'raw/sample/NVDA/2026-11-10/20261110_213000.json', // good
      'raw/sample/NVDA/2026-11-20/20261120_213000.json', // blocked by a block run
      'raw/sample/NVDA/2026-11-24/20261124_213000.json', // blocked by a block run
      'raw/sample/NVDA/2026-11-25/20261125_213000.json', // a failed error of a peer check only: not blocked
      'raw/sample/AAPL/2026-11-24/20261124_213000.json', // a failed error under warn: not blocked
      'raw/sample/AAPL/2026-11-25/20261125_213000.json', // a failed warning under block: not blocked
      'raw/sample/MSFT/2026-11-25/20261125_213000.json', // blocked, and the only one
    ];
    for (const key of keys) await insertRaw(key);
    const db = t.warehouse.db;
    await recordVerdicts('block-run', 'block', [
      ['NVDA', keys[1], 'stability.history_shrank', 'error', false],
      ['NVDA', keys[2], 'consistency.high_low', 'error', false],
      ['NVDA', keys[3], 'freshness.last_bar', 'error', false],
      ['AAPL', keys[5], 'plausibility.flat_close', 'warn', false],
      ['MSFT', keys[6], 'computation.domain', 'error', false],
    ]);
    await recordVerdicts('warn-run', 'warn', [['AAPL', keys[4], 'consistency.high_low', 'error', false]]);

    const ref = (key: string) => ({ key, versionId: `v-${key}` });
    const nvda = 'raw/sample/NVDA/2026-11-26/20261126_213000.json';
    expect(await findPreviousRaw(db, 'NVDA', nvda)).toEqual(unblocked(keys[3]));
    // The one after the blocked ones: compared with the good snapshot of 2026-11-10, past two blocked dates.
    expect(await findPreviousRaw(db, 'NVDA', keys[3])).toEqual({ previous: ref(keys[2]), baseline: ref(keys[0]) });
    expect(await findPreviousRaw(db, 'AAPL', 'raw/sample/AAPL/2026-11-26/20261126_213000.json')).toEqual(
      unblocked(keys[5]),
    );
    expect(await findPreviousRaw(db, 'AAPL', keys[5])).toEqual(unblocked(keys[4]));
    expect(await findPreviousRaw(db, 'MSFT', 'raw/sample/MSFT/2026-11-26/20261126_213000.json')).toEqual({
      previous: ref(keys[6]),
    });

    // The run's one lookup knows the same, though NVDA's baseline is older than its latest date before the run.
    const counter = countStatements();
    const preloaded = await PreloadedPreviousRaws.load(db.withPlugin(counter.plugin), ['NVDA', 'MSFT'], '2026-11-25');
    expect(counter.labels).toHaveLength(1);
    expect(await preloaded.find('NVDA', keys[3])).toEqual({ previous: ref(keys[2]), baseline: ref(keys[0]) });
    expect(await preloaded.find('MSFT', 'raw/sample/MSFT/2026-11-26/20261126_213000.json')).toEqual({
      previous: ref(keys[6]),
    });
    expect(counter.labels).toHaveLength(1);
  });
});
