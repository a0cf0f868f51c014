import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComputationVersion } from '../../src/compute/fields.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { runDaily, type DailyRunOptions, type RunSummary } from '../../src/pipeline/daily-run.js';
import type { BatchedDoneMarksOptions } from '../../src/pipeline/done-marks.js';
import { createSource } from '../../src/sources/index.js';
import type { MarketDataSource } from '../../src/sources/source.js';
import { FaultyObjectStore } from '../../src/storage/testing/faulty-object-store.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { listAllKeys } from '../../src/storage/listing.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';

/** A lake in a fresh temporary folder whose writes can be made to fail, over a test warehouse. */
export interface TestLake {
  root: string;
  store: FaultyObjectStore;
  lake: DataLake;
  warehouse: Warehouse;
  keys(prefix?: string): Promise<string[]>;
  run(options?: Partial<RunOptions>): Promise<RunSummary>;
  dispose(): Promise<void>;
}

export interface RunOptions {
  tickers: string[];
  source: MarketDataSource;
  computationVersion: ComputationVersion;
  clock: () => Date;
  concurrency: number;
  doneMarkBatches: BatchedDoneMarksOptions;
  onTickerDone: DailyRunOptions['onTickerDone'];
  /** Write the lake's tables (default true, as runDaily): false where a test is about the JSON write path alone. */
  tables: boolean;
  /** The quality checks' settings (default: the built-in ones, as runDaily); false: none. */
  quality: DailyRunOptions['quality'];
}

/** The fixed "now" of pipeline tests: a Thursday, so the sample source's last bar is that day. */
export const TEST_NOW = new Date('2026-11-26T21:30:00Z');

export async function createTestLake(warehouse: Warehouse): Promise<TestLake> {
  const root = await mkdtemp(join(tmpdir(), 'marketlake-lake-'));
  const store = new FaultyObjectStore(await FsObjectStore.open(root), { failPuts: 'none' });
  const lake = new DataLake(store, new WarehouseLakeCatalog(warehouse.db));
  return {
    root,
    store,
    lake,
    warehouse,
    async keys(prefix = '') {
      const keys: string[] = [];
      for await (const key of listAllKeys(store, prefix)) keys.push(key);
      return keys;
    },
    run: (options = {}) => runTestDay(lake, warehouse, options),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * A daily run the way the pipeline tests make one: two years of bars up to TEST_NOW, version 1.0, the sample
 * source and three tickers of three markets unless told otherwise.
 */
export function runTestDay(
  lake: DataLake,
  warehouse: Warehouse,
  options: Partial<RunOptions> = {},
): Promise<RunSummary> {
  return runDaily({
    tickers: options.tickers ?? ['NVDA', 'D05.SI', '7974.T'],
    source: options.source ?? createSource('sample'),
    lake,
    warehouse,
    computationVersion: options.computationVersion ?? '1.0',
    start: '2024-11-26',
    end: '2026-11-26',
    concurrency: options.concurrency ?? 2,
    clock: options.clock ?? (() => TEST_NOW),
    doneMarkBatches: options.doneMarkBatches,
    ...(options.onTickerDone === undefined ? {} : { onTickerDone: options.onTickerDone }),
    ...(options.tables === undefined ? {} : { tables: options.tables }),
    ...(options.quality === undefined ? {} : { quality: options.quality }),
  });
}
