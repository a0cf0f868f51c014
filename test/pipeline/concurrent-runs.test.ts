import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataLake } from '../../src/lake/data-lake.js';
import type { RunSummary } from '../../src/pipeline/daily-run.js';
import { createSource } from '../../src/sources/index.js';
import type { MarketDataSource } from '../../src/sources/source.js';
import { FaultyObjectStore } from '../../src/storage/testing/faulty-object-store.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import type { PutObjectInput, PutObjectResult } from '../../src/storage/object-store.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/database.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { createTestWarehouse, describeOnPostgres, type TestWarehouse } from '../support/databases.js';
import { runCli } from '../support/cli.js';
import { runTestDay } from '../support/lake.js';
import { countPendingOutbox } from '../../src/warehouse/outbox.js';

/**
 * Two daily runs at once on one PostgreSQL database and one lake, as two machines (or two cron jobs) would run
 * them: each process has its own connections and its own store on the same folder. The interleavings that
 * matter are forced with gates (a source that waits, a store whose processed writes wait), so every run of
 * this file sees them.
 */
describeOnPostgres('two daily runs at once', () => {
  let database: TestWarehouse;
  let second: Warehouse;
  let lakeRoot: string;

  beforeEach(async () => {
    database = await createTestWarehouse('postgres');
    second = await openWarehouse({ databaseUrl: database.databaseUrl!, home: database.home });
    lakeRoot = await mkdtemp(join(tmpdir(), 'marketlake-concurrent-'));
  });
  afterEach(async () => {
    await second.close();
    await database.dispose();
    await rm(lakeRoot, { recursive: true, force: true });
  });

  /** One "process": its own store on the shared lake folder, over the given connection. */
  async function processOn(warehouse: Warehouse, store?: (inner: FsObjectStore) => FaultyObjectStore) {
    const inner = await FsObjectStore.open(lakeRoot);
    const wrapped = store ? store(inner) : new FaultyObjectStore(inner);
    const lake = new DataLake(wrapped, new WarehouseLakeCatalog(warehouse.db));
    return {
      store: wrapped,
      run: (tickers: string[], source?: MarketDataSource): Promise<RunSummary> =>
        runTestDay(lake, warehouse, { tickers, source, concurrency: 1 }),
    };
  }

  it("does not count another live run's lake writes as its own pending ones (no false partial)", async () => {
    // B starts first and drains the (empty) outbox, then waits in its fetch...
    const fetchGate = gate();
    const b = await processOn(second);
    const bRun = b.run(['D05.SI'], waitingSource(fetchGate));
    await fetchGate.reached;
    // ...while A commits NVDA's rows and outbox entries and is slow to write the processed objects.
    const putGate = gate();
    const a = await processOn(database.warehouse, (inner) => new GatedStore(inner, putGate));
    const aRun = a.run(['NVDA']);
    await putGate.reached;

    fetchGate.open();
    const bSummary = await bRun;
    expect(bSummary).toMatchObject({
      status: 'ok',
      outbox_pending: 0,
      outbox_retried: 0,
      objects_written: 4,
      lake_errors: [],
    });

    putGate.open();
    const aSummary = await aRun;
    expect(aSummary).toMatchObject({ status: 'ok', outbox_pending: 0, objects_written: 4, lake_errors: [] });
    expect(await countPendingOutbox(database.warehouse.db)).toBe(0);
  });

  it('retries what is truly pending, and leaves alone the entries another live run is writing', async () => {
    // A commits NVDA and is slow to write its processed objects.
    const putGate = gate();
    const a = await processOn(database.warehouse, (inner) => new GatedStore(inner, putGate));
    const aRun = a.run(['NVDA']);
    await putGate.reached;
    // Meanwhile C runs on a lake that refuses every write: 7974.T's four objects stay pending, truly, and only
    // those are C's to report (not A's three, which A is still writing).
    const failing = await processOn(second, (inner) => new FaultyObjectStore(inner, { failPuts: 'all' }));
    const failed = await failing.run(['7974.T']);
    expect(failed).toMatchObject({ status: 'partial', outbox_retried: 0, outbox_pending: 4 });
    expect(failed.lake_errors.filter((error) => error.includes('/NVDA/'))).toEqual([]);

    // Then B, from start to end: it writes 7974.T's four objects and its own four, and none of A's.
    const b = await processOn(second);
    const bSummary = await b.run(['D05.SI']);
    expect(bSummary).toMatchObject({
      status: 'ok',
      outbox_retried: 4,
      objects_written: 8,
      outbox_pending: 0,
      // The 4 objects B wrote for C, and C's quality object, are not in B's table files: a rebuild (or lake
      // retry) makes their rows.
      lake_errors: [expect.stringMatching(/^tables: 5 object\(s\) written from the outbox of earlier runs/)],
    });

    putGate.open();
    const aSummary = await aRun;
    // A wrote its own objects itself: none was taken from it, so none is reported as a failure.
    expect(aSummary).toMatchObject({
      status: 'ok',
      outbox_retried: 0,
      objects_written: 4,
      outbox_pending: 0,
      lake_errors: [],
    });
    expect(await countPendingOutbox(database.warehouse.db)).toBe(0);
  });

  it('lake retry leaves alone, and does not count as pending, what a live run is writing', async () => {
    const putGate = gate();
    const a = await processOn(database.warehouse, (inner) => new GatedStore(inner, putGate));
    const aRun = a.run(['NVDA']);
    await putGate.reached;

    const retry = await runCli(
      'lake',
      'retry',
      '--home',
      database.home,
      '--lake',
      `file://${lakeRoot}`,
      '--database',
      database.databaseUrl!,
      '--json',
    );
    expect(retry.code, retry.stderr).toBe(0);
    expect(JSON.parse(retry.stdout)).toEqual({
      written: 0,
      table_rows: 0,
      table_files_dropped: [],
      failed: [],
      waiting: 0,
      pending: 0,
      in_flight: 3,
      runs_aborted: [],
    });

    putGate.open();
    expect(await aRun).toMatchObject({ status: 'ok', objects_written: 4, lake_errors: [] });
  });
});

interface Gate {
  /** Resolves when the first caller arrives at the gate. */
  reached: Promise<void>;
  /** Lets every caller through, now and later. */
  open(): void;
  wait(): Promise<void>;
}

function gate(): Gate {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const opened = new Promise<void>((resolve) => (release = resolve));
  return {
    reached,
    open: () => release(),
    wait: () => {
      arrive();
      return opened;
    },
  };
}

/** The sample source, whose fetches wait at the gate. */
function waitingSource(fetchGate: Gate): MarketDataSource {
  const sample = createSource('sample');
  return {
    name: sample.name,
    fetchSnapshot: async (ticker, request) => {
      await fetchGate.wait();
      return sample.fetchSnapshot(ticker, request);
    },
  };
}

/** A store whose processed-object writes wait at the gate (the raw snapshot, written before the commit, does not). */
class GatedStore extends FaultyObjectStore {
  constructor(
    inner: FsObjectStore,
    private readonly putGate: Gate,
  ) {
    super(inner);
  }

  override async put(input: PutObjectInput): Promise<PutObjectResult> {
    if (input.key.startsWith('processed/')) await this.putGate.wait();
    return super.put(input);
  }
}
