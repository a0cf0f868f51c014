import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataLake } from '../../src/lake/data-lake.js';
import { runDaily } from '../../src/pipeline/daily-run.js';
import { drainOutbox } from '../../src/pipeline/outbox-drain.js';
import { createSource } from '../../src/sources/index.js';
import { ObjectStoreError } from '../../src/storage/errors.js';
import type { ObjectStore, PutObjectInput } from '../../src/storage/object-store.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';
import { countingWarehouse } from '../support/statements.js';
import { countPendingOutbox } from '../../src/warehouse/outbox.js';

/**
 * The labels (see test/support/statements.ts) of the run's two statements made for all its tickers at once. The
 * lookup is the run's only raw SQL statement (`PreloadedPreviousRaws.load`) when the quality checks are off, as in
 * the counted runs here: their verdicts are one more statement a run, whatever its tickers (src/warehouse/quality.ts).
 */
const PREVIOUS_RAWS_LOOKUP = 'raw ?';
const COMPLETION = 'select done with raw ?, select lake_outbox, update lake_outbox, insert lake_objects';

/**
 * Batches of done-marks that go out only when full or at the end of the run, never for time: statement counts
 * that a slow machine cannot change.
 */
const UNTIMED = { maxDelayMs: 600_000 };

/** How often each statement label occurs. */
function tally(labels: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return counts;
}

/**
 * A store that holds processed puts back a little, to see how many a ticker has in flight at once, and refuses
 * the puts under one prefix.
 */
class SlowProcessedStore implements ObjectStore {
  readonly description: string;
  refusePutsUnder: string | undefined;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly inner: ObjectStore) {
    this.description = `slow-processed(${inner.description})`;
  }

  async put(input: PutObjectInput) {
    if (!input.key.startsWith('processed/')) return this.inner.put(input);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (this.refusePutsUnder !== undefined && input.key.startsWith(this.refusePutsUnder)) {
        throw new ObjectStoreError(`refused put of ${input.key} (test)`, { key: input.key });
      }
      return await this.inner.put(input);
    } finally {
      this.inFlight--;
    }
  }

  get: ObjectStore['get'] = (key, options) => this.inner.get(key, options);
  head: ObjectStore['head'] = (key, options) => this.inner.head(key, options);
  getTags: ObjectStore['getTags'] = (key, options) => this.inner.getTags(key, options);
  list: ObjectStore['list'] = (input) => this.inner.list(input);
  listVersions: ObjectStore['listVersions'] = (input) => this.inner.listVersions(input);
}

describeOnDatabases('round trips of the write path', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  it('costs a ticker 1 statement of its own: the lookups and the completions are made for many tickers at once', async () => {
    const counted = countingWarehouse(t.warehouse);
    const counting = await createTestLake(counted.warehouse);
    try {
      // The run's own bookkeeping (run log, outbox drain, pending restatements, the previous snapshots of all
      // its tickers, a batch of completions) is the same for 1 and 3 tickers; the difference is what a ticker
      // costs.
      counted.reset();
      expect(
        (
          await counting.run({
            tables: false,
            quality: false,
            tickers: ['NVDA'],
            concurrency: 1,
            doneMarkBatches: UNTIMED,
          })
        ).status,
      ).toBe('ok');
      const one = { statements: tally(counted.statements), transactions: counted.transactions() };
      counted.reset();
      expect(
        (
          await counting.run({
            tables: false,
            quality: false,
            tickers: ['AAPL', 'D05.SI', '7974.T'],
            concurrency: 1,
            doneMarkBatches: UNTIMED,
          })
        ).status,
      ).toBe('ok');
      const three = { statements: tally(counted.statements), transactions: counted.transactions() };

      const perTicker = new Map<string, number>();
      for (const [label, n] of three.statements) perTicker.set(label, (n - (one.statements.get(label) ?? 0)) / 2);
      // Exact labels: a step split out into a statement of its own, or a per-row statement, changes them.
      expect(Object.fromEntries([...perTicker].filter(([, n]) => n !== 0))).toEqual({
        // The raw object’s catalog row, the prices (one unnest) and the snapshot they are now up to date with, the
        // three result rows and the three outbox entries (one multi-row insert, its RETURNING giving the ids): one
        // statement.
        'insert lake_outbox with insert lake_objects, insert daily_prices, insert price_sources, insert daily_indicators, insert indicator_percentiles, insert comparative_features': 1,
      });
      // Each statement is atomic on its own: no BEGIN/COMMIT round trips.
      expect((three.transactions - one.transactions) / 2).toBe(0);
      // Once per run, whatever the number of tickers: the previous raw snapshots of all of them (restatement
      // check), and the completion of every written entry: the written entries (one unnest), the pending and
      // as-planned ones among them, done and catalogued. Every object went to its planned key, so no result row
      // needs repointing and the statement has no such steps (failures.test.ts covers an object that moved key).
      expect(three.statements.get(PREVIOUS_RAWS_LOOKUP)).toBe(1);
      expect(three.statements.get(COMPLETION)).toBe(1);
    } finally {
      await counting.dispose();
    }
  });

  it('completes the entries of 8 tickers per statement', async () => {
    const counted = countingWarehouse(t.warehouse);
    const counting = await createTestLake(counted.warehouse);
    try {
      const tickers = ['NVDA', 'AAPL', 'MSFT', 'D05.SI', 'O39.SI', '7974.T', '6758.T', '0700.HK', '0005.HK', 'FPT.VN'];
      expect(
        (await counting.run({ tables: false, quality: false, tickers, concurrency: 3, doneMarkBatches: UNTIMED }))
          .status,
      ).toBe('ok');
      // 30 entries: a batch of 24 (eight tickers), then the remaining six when the run closes its batches.
      expect(tally(counted.statements).get(COMPLETION)).toBe(2);
      expect(tally(counted.statements).get(PREVIOUS_RAWS_LOOKUP)).toBe(1);
      const outbox = await t.warehouse.db.selectFrom('lake_outbox').select(['done_at']).execute();
      expect(outbox).toHaveLength(30);
      expect(outbox.filter((entry) => entry.done_at === null)).toEqual([]);
      const catalogued = (await t.warehouse.db.selectFrom('lake_objects').select('key').orderBy('key').execute()).map(
        (row) => row.key,
      );
      // The catalog lists the raw and processed objects; the run's quality object is recorded in quality_runs.
      expect(catalogued).toEqual((await counting.keys()).filter((key) => !key.startsWith('quality/')));
      expect(catalogued).toHaveLength(40);
    } finally {
      await counting.dispose();
    }
  });

  it('writes a ticker’s processed objects in parallel; one the lake refuses stays pending alone, with its error', async () => {
    const store = new SlowProcessedStore(t.store);
    const lake = new DataLake(store, new WarehouseLakeCatalog(t.warehouse.db));
    store.refusePutsUnder = 'processed/percentiles/';
    const summary = await runDaily({
      tickers: ['NVDA', 'AAPL'],
      source: createSource('sample'),
      lake,
      warehouse: t.warehouse,
      computationVersion: '1.0',
      start: '2024-11-26',
      end: '2026-11-26',
      concurrency: 1,
      clock: () => TEST_NOW,
      tables: false,
    });

    // One ticker at a time, and its three processed objects in flight together.
    expect(store.maxInFlight).toBe(3);
    expect(summary).toMatchObject({
      status: 'partial',
      tickers_ok: ['NVDA', 'AAPL'],
      objects_written: 6,
      outbox_pending: 2,
    });
    expect(summary.lake_errors).toEqual([
      expect.stringMatching(/^processed\/percentiles\/NVDA\/.*refused put/),
      expect.stringMatching(/^processed\/percentiles\/AAPL\/.*refused put/),
    ]);
    const db = t.warehouse.db;
    const outbox = await db
      .selectFrom('lake_outbox')
      .select(['key', 'kind', 'attempts', 'last_error', 'done_at'])
      .orderBy('id')
      .execute();
    expect(outbox.map((entry) => [entry.kind, entry.done_at === null, entry.attempts])).toEqual([
      ['indicators', false, 0],
      ['percentiles', true, 1],
      ['features', false, 0],
      ['indicators', false, 0],
      ['percentiles', true, 1],
      ['features', false, 0],
    ]);
    // The jobs start in the order of the tickers' keys: AAPL's entries were made first.
    expect(outbox.filter((entry) => entry.kind === 'percentiles').map((entry) => entry.last_error)).toEqual([
      expect.stringMatching(/refused put of processed\/percentiles\/AAPL\//),
      expect.stringMatching(/refused put of processed\/percentiles\/NVDA\//),
    ]);
    // The catalog lists exactly what the lake holds; the result rows are all there.
    const catalogued = (await db.selectFrom('lake_objects').select('key').orderBy('key').execute()).map(
      (row) => row.key,
    );
    expect(catalogued).toEqual((await t.keys()).filter((key) => !key.startsWith('quality/')));
    expect(catalogued.filter((key) => key.startsWith('processed/percentiles/'))).toEqual([]);
    expect(await db.selectFrom('indicator_percentiles').select('symbol').orderBy('symbol').execute()).toEqual([
      { symbol: 'AAPL' },
      { symbol: 'NVDA' },
    ]);

    // `lake retry` once the lake takes them again: the two entries, and nothing else, are written.
    store.refusePutsUnder = undefined;
    const retry = await drainOutbox(lake, t.warehouse);
    expect(retry.failed).toEqual([]);
    expect(retry.written.map((object) => object.key).sort()).toEqual([
      'processed/percentiles/AAPL/2026-11-26/20261126_213000.json',
      'processed/percentiles/NVDA/2026-11-26/20261126_213000.json',
    ]);
    expect(await countPendingOutbox(t.warehouse.db)).toBe(0);
    expect((await db.selectFrom('lake_objects').select('key').orderBy('key').execute()).map((row) => row.key)).toEqual(
      (await t.keys()).filter((key) => !key.startsWith('quality/')),
    );
  });
});
