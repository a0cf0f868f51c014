import { expect, it } from 'vitest';
import { runDaily, type RunSummary } from '../../src/pipeline/daily-run.js';
import { drainOutbox } from '../../src/pipeline/outbox-drain.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { createLineageEmitter } from '../../src/lineage/emitter.js';
import { CHECKS, DEFAULT_QUALITY_CONFIG } from '../../src/quality/index.js';
import { createSource } from '../../src/sources/index.js';
import { VendorFormatError, type MarketDataSource, type SnapshotRequest } from '../../src/sources/source.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';
import { describeOnDatabases } from '../support/databases.js';

/** The sample source, with `fault` applied to one ticker's snapshot: a vendor sending bad values. */
function faultySource(ticker: string, fault: (snapshot: RawSnapshot) => void): MarketDataSource {
  const sample = createSource('sample');
  return {
    name: sample.name,
    async fetchSnapshot(requested: string, request: SnapshotRequest) {
      const snapshot = await sample.fetchSnapshot(requested, request);
      if (snapshot.ticker === ticker) fault(snapshot);
      return snapshot;
    },
  };
}

/** High below low on the tenth bar from the end: a consistency error. */
const highBelowLow = (snapshot: RawSnapshot) => {
  const bar = snapshot.bars[snapshot.bars.length - 10];
  bar.high = bar.low * 0.9;
};

const TICKERS = ['NVDA', 'D05.SI', '7974.T'];

/** The result tables, each with its date column. */
const RESULT_TABLES = ['daily_indicators', 'indicator_percentiles', 'comparative_features'] as const;

/** The tags and metadata of each processed object of `ticker` in the lake. */
async function processedHeads(t: TestLake, ticker: string) {
  const keys = (await t.keys('processed/')).filter((key) => key.includes(`/${ticker}/`));
  return Promise.all(
    keys.map(async (key) => ({ key, tags: await t.store.getTags(key), metadata: (await t.store.head(key)).metadata })),
  );
}

describeOnDatabases('the quality checks in the daily run', ({ warehouse }) => {
  it('judge every ticker, store every verdict, and write the run quality object: a clean run passes', async () => {
    const t = await createTestLake(warehouse());
    try {
      const summary = await t.run({ tables: false });
      expect(summary.status).toBe('ok');
      expect(summary.quality).toMatchObject({ policy: 'block', tickers_checked: 3, errors: 0, blocked: [] });
      const rows = await warehouse().db.selectFrom('quality_results').selectAll().execute();
      // Every ticker has a verdict of every check of the snapshot, result and peer phases (none is disabled).
      const checks = new Set(rows.map((row) => row.check_id));
      // The vendor's answer had its expected shape: vendor.payload_shape passed too (it resolves an alert on it).
      expect(checks).toEqual(new Set(CHECKS.map((c) => c.id)));
      for (const ticker of TICKERS) {
        expect(rows.filter((row) => row.ticker === ticker)).toHaveLength(checks.size);
      }
      expect(rows.filter((row) => !row.passed && row.severity === 'error')).toEqual([]);
      // Each verdict names the raw snapshot it judged, as the catalog has it.
      const raws = await warehouse().db.selectFrom('lake_objects').selectAll().where('kind', '=', 'raw').execute();
      for (const row of rows) {
        const raw = raws.find((r) => r.key === row.raw_key);
        expect(raw, row.raw_key ?? 'null').toBeDefined();
        expect(row.raw_version_id).toBe(raw!.version_id);
        expect(row.raw_sha256).toBe(raw!.sha256);
      }
      expect(summary.quality!.object).toMatch(/^quality\/2026-11-26\/[0-9a-f-]{36}\.json$/);
      const object = JSON.parse(Buffer.from((await t.store.get(summary.quality!.object!)).body).toString('utf8'));
      expect(object).toMatchObject({ schema: 'marketlake.quality/1', run_id: summary.run_id, policy: 'block' });
      expect(object.results).toHaveLength(rows.length);
    } finally {
      await t.dispose();
    }
  });

  it('under block, a ticker with an error finding keeps its raw snapshot and writes no prices or results', async () => {
    const t = await createTestLake(warehouse());
    try {
      const summary = await t.run({ tables: false, source: faultySource('D05.SI', highBelowLow) });
      expect(summary.status).toBe('partial');
      expect(summary.tickers_ok).toEqual(expect.arrayContaining(TICKERS));
      expect(summary.quality).toMatchObject({ errors: 1, blocked: ['D05.SI'], marked: [] });
      expect(summary.quality!.failures[0]).toMatchObject({
        ticker: 'D05.SI',
        check: 'consistency.high_low',
        severity: 'error',
      });
      const keys = await t.keys();
      expect(keys.filter((key) => key.includes('/D05.SI/') && key.startsWith('raw/'))).toHaveLength(1);
      expect(keys.filter((key) => key.includes('/D05.SI/') && key.startsWith('processed/'))).toEqual([]);
      expect(keys.filter((key) => key.includes('/NVDA/') && key.startsWith('processed/'))).toHaveLength(3);
      const db = warehouse().db;
      const prices = await db.selectFrom('daily_prices').select('symbol').distinct().execute();
      expect(prices.map((row) => row.symbol).sort()).toEqual(['7974.T', 'NVDA']);
      const indicators = await db.selectFrom('daily_indicators').select('symbol').distinct().execute();
      expect(indicators.map((row) => row.symbol).sort()).toEqual(['7974.T', 'NVDA']);
      const catalogued = await db.selectFrom('lake_objects').select('key').where('ticker', '=', 'D05.SI').execute();
      expect(catalogued.map((row) => row.key)).toEqual([expect.stringMatching(/^raw\//)]);
    } finally {
      await t.dispose();
    }
  });

  it('under warn, the same ticker is computed and written, and the error finding is reported', async () => {
    const t = await createTestLake(warehouse());
    try {
      const summary = await t.run({
        tables: false,
        source: faultySource('D05.SI', highBelowLow),
        quality: { ...DEFAULT_QUALITY_CONFIG, policy: 'warn' },
      });
      expect(summary.status).toBe('ok');
      expect(summary.quality).toMatchObject({ policy: 'warn', errors: 1, blocked: [] });
      const keys = await t.keys('processed/');
      expect(keys.filter((key) => key.includes('/D05.SI/'))).toHaveLength(3);
    } finally {
      await t.dispose();
    }
  });

  /** The `quality_failed` of each result row of `ticker`, one entry per row of the three tables. */
  async function rowMarks(ticker: string): Promise<{ table: string; lake_key: string; quality_failed: unknown }[]> {
    const db = warehouse().db;
    const marks = [];
    for (const table of RESULT_TABLES) {
      const rows = await db
        .selectFrom(table)
        .select(['lake_key', 'quality_failed'])
        .where('symbol', '=', ticker)
        .execute();
      marks.push(...rows.map((row) => ({ table, ...row })));
    }
    return marks;
  }

  /** The failed snapshot and result verdicts of `ticker` in `run`, as the mark names them. */
  async function failedAsMarked(run: RunSummary, ticker: string): Promise<string> {
    const peerChecks = new Set(CHECKS.filter((check) => check.phase === 'peers').map((check) => check.id));
    const failed = await warehouse()
      .db.selectFrom('quality_results')
      .select(['check_id', 'severity'])
      .where('run_id', '=', run.run_id)
      .where('ticker', '=', ticker)
      .where('passed', '=', false)
      .execute();
    const rank = (severity: string) => (severity === 'error' ? 0 : 1);
    return failed
      .filter((row) => !peerChecks.has(row.check_id))
      .sort((a, b) => rank(a.severity) - rank(b.severity) || (a.check_id < b.check_id ? -1 : 1))
      .map((row) => `${row.check_id}:${row.severity}`)
      .join(',');
  }

  it('under warn, marks what it computed from a failed snapshot (tag, metadata, rows); a clean rerun clears the rows', async () => {
    const t = await createTestLake(warehouse());
    try {
      const summary = await t.run({
        tables: false,
        source: faultySource('D05.SI', highBelowLow),
        quality: { ...DEFAULT_QUALITY_CONFIG, policy: 'warn' },
      });
      expect(summary.quality).toMatchObject({ policy: 'warn', errors: 1, blocked: [], marked: ['D05.SI'] });
      const failed = await failedAsMarked(summary, 'D05.SI');
      expect(failed.split(',')).toContain('consistency.high_low:error');

      const marked = await processedHeads(t, 'D05.SI');
      expect(marked).toHaveLength(3);
      for (const object of marked) {
        expect(object.tags, object.key).toMatchObject({ quality: 'flagged', ticker: 'D05.SI' });
        expect(object.metadata, object.key).toMatchObject({ quality_failed: failed, quality_run_id: summary.run_id });
      }
      // Its rows name the same checks as the objects they mirror, in every result table.
      const d05Rows = await rowMarks('D05.SI');
      expect(new Set(d05Rows.map((row) => row.table))).toEqual(new Set(RESULT_TABLES));
      for (const row of d05Rows) {
        expect(marked.map((object) => object.key)).toContain(row.lake_key);
        expect(row.quality_failed, row.table).toBe(failed);
      }
      // The clean tickers of the same run are not marked, in the lake or the database.
      for (const ticker of ['NVDA', '7974.T']) {
        for (const object of await processedHeads(t, ticker)) {
          expect(object.tags, object.key).not.toHaveProperty('quality');
          expect(object.metadata, object.key).not.toHaveProperty('quality_failed');
          expect(object.metadata, object.key).not.toHaveProperty('quality_run_id');
        }
        const rows = await rowMarks(ticker);
        expect(rows).toHaveLength(3);
        expect(rows.map((row) => row.quality_failed)).toEqual([null, null, null]);
      }

      // The vendor sends good data again. Against the faulty snapshot, the repaired bar is a restatement (a
      // warning): the rerun's rows (the same symbol and dates) name that and no longer the error.
      const warn = { ...DEFAULT_QUALITY_CONFIG, policy: 'warn' as const };
      const repaired = await t.run({
        tables: false,
        quality: warn,
        clock: () => new Date(TEST_NOW.getTime() + 60_000),
      });
      expect(repaired.quality).toMatchObject({ errors: 0, marked: ['D05.SI'] });
      const restated = await failedAsMarked(repaired, 'D05.SI');
      expect(restated).toBe('stability.restated_bars:warn');
      expect((await rowMarks('D05.SI')).map((row) => row.quality_failed)).toEqual([restated, restated, restated]);

      // The next clean run judges nothing wrong: the rows' mark is cleared, and its objects carry none.
      const clean = await t.run({ tables: false, quality: warn, clock: () => new Date(TEST_NOW.getTime() + 120_000) });
      expect(clean.quality).toMatchObject({ errors: 0, warnings: 0, marked: [] });
      const cleared = await rowMarks('D05.SI');
      expect(cleared.map((row) => row.quality_failed)).toEqual([null, null, null]);
      const unmarked = (await processedHeads(t, 'D05.SI')).filter((object) => !object.metadata.quality_failed);
      expect(unmarked.map((object) => object.key).sort()).toEqual(cleared.map((row) => row.lake_key).sort());
    } finally {
      await t.dispose();
    }
  });

  it('under block, a ticker whose only failures are warnings is computed and marked', async () => {
    const t = await createTestLake(warehouse());
    try {
      // The same fault, judged a warning for this ticker: it does not block, but it failed a check.
      const quality = {
        ...DEFAULT_QUALITY_CONFIG,
        tickers: { 'D05.SI': { checks: { 'consistency.high_low': { severity: 'warn' as const } } } },
      };
      const summary = await t.run({ tables: false, source: faultySource('D05.SI', highBelowLow), quality });
      expect(summary.quality).toMatchObject({ policy: 'block', errors: 0, blocked: [], marked: ['D05.SI'] });
      const failed = await failedAsMarked(summary, 'D05.SI');
      expect(failed.split(',')).toContain('consistency.high_low:warn');
      const objects = await processedHeads(t, 'D05.SI');
      expect(objects).toHaveLength(3);
      for (const object of objects) {
        expect(object.tags).toMatchObject({ quality: 'flagged' });
        expect(object.metadata).toMatchObject({ quality_failed: failed, quality_run_id: summary.run_id });
      }
      expect((await rowMarks('D05.SI')).map((row) => row.quality_failed)).toEqual([failed, failed, failed]);
    } finally {
      await t.dispose();
    }
  });

  it('keeps the mark of results whose raw snapshot the lake refused until the drain writes them', async () => {
    const t = await createTestLake(warehouse());
    try {
      t.store.failPuts = { prefix: 'raw/' };
      const summary = await t.run({
        tables: false,
        source: faultySource('D05.SI', highBelowLow),
        quality: { ...DEFAULT_QUALITY_CONFIG, policy: 'warn' },
      });
      expect(summary.quality!.marked).toEqual(['D05.SI']);
      expect(await t.keys('processed/')).toEqual([]);
      const failed = await failedAsMarked(summary, 'D05.SI');

      t.store.failPuts = 'none';
      const drained = await drainOutbox(t.lake, warehouse());
      expect(drained.failed).toEqual([]);
      const objects = await processedHeads(t, 'D05.SI');
      expect(objects).toHaveLength(3);
      const rawKey = (await t.keys('raw/')).find((key) => key.includes('/D05.SI/'))!;
      const rawVersionId = (await t.store.head(rawKey)).versionId;
      expect(rawVersionId).toBeTruthy();
      for (const object of objects) {
        expect(object.tags).toMatchObject({ quality: 'flagged' });
        expect(object.metadata).toMatchObject({ quality_failed: failed, quality_run_id: summary.run_id });
        // Completed with the raw object's version id, like every object written late.
        expect(object.metadata.source_raw_data_version_id).toBe(rawVersionId);
      }
      for (const object of await processedHeads(t, 'NVDA')) expect(object.tags).not.toHaveProperty('quality');
    } finally {
      await t.dispose();
    }
  });

  it('a vendor answer whose shape changed fails its ticker and is the vendor.payload_shape error finding', async () => {
    const t = await createTestLake(warehouse());
    try {
      const sample = createSource('sample');
      const changed: MarketDataSource = {
        name: sample.name,
        async fetchSnapshot(requested: string, request: SnapshotRequest) {
          if (requested !== 'D05.SI') return sample.fetchSnapshot(requested, request);
          const problem = 'chart.result[0].indicators.quote[0].close: expected array, received string';
          throw new VendorFormatError('D05.SI', 'yfinance', 'chart.result[0].indicators.quote[0].close', problem);
        },
      };
      const summary = await t.run({ tables: false, source: changed });
      expect(summary.tickers_failed).toEqual([
        { ticker: 'D05.SI', reason: expect.stringMatching(/D05\.SI \(yfinance\): the chart response changed shape/) },
      ]);
      expect(summary.quality).toMatchObject({ tickers_checked: 3, errors: 1, blocked: [] });
      const rows = await warehouse()
        .db.selectFrom('quality_results')
        .selectAll()
        .where('ticker', '=', 'D05.SI')
        .execute();
      expect(rows).toEqual([
        expect.objectContaining({
          check_id: 'vendor.payload_shape',
          severity: 'error',
          passed: false,
          raw_key: null,
          details: expect.stringContaining('chart.result[0].indicators.quote[0].close: expected array'),
        }),
      ]);
      expect(await t.keys('raw/')).not.toContainEqual(expect.stringContaining('/D05.SI/'));
    } finally {
      await t.dispose();
    }
  });

  it('a quality object the lake refuses stays pending in its rows, and the next run writes it', async () => {
    const t = await createTestLake(warehouse());
    try {
      t.store.failPuts = { prefix: 'quality/' };
      const first = await t.run({ tables: false });
      expect(first.quality!.object).toBeNull();
      expect(first.lake_errors.join('\n')).toMatch(/^quality\/2026-11-26\/.*\.json: /m);
      const pending = await warehouse().db.selectFrom('quality_runs').selectAll().execute();
      expect(pending).toMatchObject([{ run_id: first.run_id, written_at: null, attempts: 1 }]);

      t.store.failPuts = 'none';
      const second = await t.run({ tables: false, clock: () => new Date(TEST_NOW.getTime() + 60_000) });
      const keys = await t.keys('quality/');
      expect(keys.sort()).toEqual(
        [`quality/2026-11-26/${first.run_id}.json`, `quality/2026-11-26/${second.run_id}.json`].sort(),
      );
      const runs = await warehouse().db.selectFrom('quality_runs').select(['run_id', 'written_at']).execute();
      expect(runs.every((run) => run.written_at !== null)).toBe(true);
    } finally {
      await t.dispose();
    }
  });

  it('a retry after a quality put whose answer was lost finds its own object (the same bytes), not a conflict', async () => {
    const t = await createTestLake(warehouse());
    try {
      const first = await t.run({ tables: false });
      const key = first.quality!.object!;
      // As if the put had succeeded but its answer never came back: the row still says pending.
      await warehouse().db.updateTable('quality_runs').set({ written_at: null, version_id: null }).execute();
      const second = await t.run({ tables: false, clock: () => new Date(TEST_NOW.getTime() + 60_000) });
      expect(second.lake_errors).toEqual([]);
      const runs = await warehouse()
        .db.selectFrom('quality_runs')
        .select(['run_id', 'written_at', 'lake_key'])
        .execute();
      expect(runs.find((run) => run.lake_key === key)?.written_at).not.toBeNull();
      expect(await t.keys('quality/')).toHaveLength(2);
    } finally {
      await t.dispose();
    }
  });

  it('puts each raw snapshot verdicts in the OpenLineage events as its dataQualityAssertions facet', async () => {
    const t = await createTestLake(warehouse());
    try {
      const summary = await runDaily({
        tickers: TICKERS,
        source: faultySource('D05.SI', highBelowLow),
        lake: t.lake,
        warehouse: warehouse(),
        computationVersion: '1.0',
        start: '2024-11-26',
        end: '2026-11-26',
        concurrency: 2,
        clock: () => TEST_NOW,
        tables: false,
        lineage: createLineageEmitter({ store: t.store }),
      });
      const completeKey = (await t.keys('lineage/')).find((key) => key.endsWith('-COMPLETE.json'))!;
      expect(completeKey).toContain(summary.run_id);
      const event = JSON.parse(Buffer.from((await t.store.get(completeKey)).body).toString('utf8'));
      const d05 = event.inputs.find((input: { name: string }) => input.name.includes('/D05.SI/'));
      const facet = d05.inputFacets.dataQualityAssertions;
      expect(facet._schemaURL).toMatch(/DataQualityAssertionsDatasetFacet\.json/);
      expect(facet.assertions).toContainEqual({ assertion: 'consistency.high_low', success: false, severity: 'error' });
      const nvda = event.inputs.find((input: { name: string }) => input.name.includes('/NVDA/'));
      const nvdaErrors = nvda.inputFacets.dataQualityAssertions.assertions.filter(
        (a: { success: boolean; severity: string }) => !a.success && a.severity === 'error',
      );
      expect(nvdaErrors).toEqual([]);
      expect(nvda.inputFacets.dataQualityAssertions.assertions.length).toBe(CHECKS.length);
    } finally {
      await t.dispose();
    }
  });
});
