/**
 * Two daily runs a day apart on the sample source, the second one optionally through a vendor that restates a
 * bar: the scenario every staleness test starts from.
 */
import type { LineageEmitter } from '../../src/lineage/emitter.js';
import type { ComputationVersion } from '../../src/compute/fields.js';
import type { DataLake } from '../../src/lake/data-lake.js';
import type { RawBar, RawSnapshot } from '../../src/lake/formats/raw.js';
import { runDaily, type RunSummary } from '../../src/pipeline/daily-run.js';
import { createSource } from '../../src/sources/index.js';
import type { MarketDataSource, SnapshotRequest } from '../../src/sources/source.js';
import { ObjectArchivedError } from '../../src/storage/archived.js';
import { ObjectStoreError } from '../../src/storage/errors.js';
import type { ObjectStore, PutObjectInput } from '../../src/storage/object-store.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import { TEST_NOW } from './lake.js';

/** Day 1 is the pipeline tests' fixed "now" (Thursday 2026-11-26); day 2 is the Friday after. */
export const DAY_1 = TEST_NOW;
export const DAY_2 = new Date('2026-11-27T21:30:00Z');
export const RAW_DAY_1 = (ticker: string) => `raw/sample/${ticker}/2026-11-26/20261126_213000.json`;
export const RAW_DAY_2 = (ticker: string) => `raw/sample/${ticker}/2026-11-27/20261127_213000.json`;

/** Two years of bars up to the day of `now`, as `marketlake run` asks for them. */
export function rangeOf(now: Date): { start: string; end: string } {
  const end = now.toISOString().slice(0, 10);
  return { start: `${Number(end.slice(0, 4)) - 2}${end.slice(4)}`, end };
}

export interface DayOptions {
  tickers?: string[];
  source?: MarketDataSource;
  computationVersion?: ComputationVersion;
  /** Default: the whole two years up to the day. */
  end?: string;
  /** Write the lake's tables (default: as runDaily does, yes). */
  tables?: boolean;
  /** OpenLineage events (default none). */
  lineage?: LineageEmitter;
}

export function runDay(lake: DataLake, warehouse: Warehouse, now: Date, options: DayOptions = {}): Promise<RunSummary> {
  const range = rangeOf(now);
  return runDaily({
    tickers: options.tickers ?? ['NVDA'],
    source: options.source ?? createSource('sample'),
    lake,
    warehouse,
    computationVersion: options.computationVersion ?? '1.0',
    start: range.start,
    end: options.end ?? range.end,
    concurrency: 1,
    clock: () => now,
    ...(options.tables === undefined ? {} : { tables: options.tables }),
    ...(options.lineage === undefined ? {} : { lineage: options.lineage }),
  });
}

/** The day-1 snapshot of `ticker`, as the sample source gives it. */
export function day1Snapshot(ticker: string): Promise<RawSnapshot> {
  const { start, end } = rangeOf(DAY_1);
  return createSource('sample').fetchSnapshot(ticker, { start, end, now: DAY_1 });
}

/** The date of the bar `barsBefore` bars before the last bar of the day-1 snapshot. */
export async function day1DateBefore(ticker: string, barsBefore: number): Promise<string> {
  const bars = (await day1Snapshot(ticker)).bars;
  return bars[bars.length - 1 - barsBefore].date;
}

export type BarEdit = (bar: RawBar) => RawBar;

/** A split-like revision of one bar: close and adjusted close move (staying inside the bar's range). */
export const restateClose: BarEdit = (bar) => {
  const close = (bar.low + bar.close) / 2;
  return { ...bar, close, adj_close: close };
};

/** A vendor that revises some bars of one ticker, the way Yahoo revises history after splits and dividends. */
export class RestatingSource implements MarketDataSource {
  readonly name: MarketDataSource['name'];

  constructor(
    private readonly inner: MarketDataSource,
    private readonly ticker: string,
    private readonly dates: readonly string[],
    private readonly edit: BarEdit = restateClose,
  ) {
    this.name = inner.name;
  }

  async fetchSnapshot(ticker: string, request: SnapshotRequest): Promise<RawSnapshot> {
    const snapshot = await this.inner.fetchSnapshot(ticker, request);
    if (snapshot.ticker !== this.ticker) return snapshot;
    return { ...snapshot, bars: snapshot.bars.map((bar) => (this.dates.includes(bar.date) ? this.edit(bar) : bar)) };
  }
}

/**
 * A store that refuses puts under some prefix (the restatement objects, say) and reads of some keys as archived
 * objects (S3 Glacier without a restore); everything else goes to the inner store.
 */
export class SelectiveStore implements ObjectStore {
  readonly description: string;
  refusePutsUnder: string | undefined;
  readonly archived = new Set<string>();

  constructor(private readonly inner: ObjectStore) {
    this.description = `selective(${inner.description})`;
  }

  put(input: PutObjectInput) {
    if (this.refusePutsUnder !== undefined && input.key.startsWith(this.refusePutsUnder)) {
      return Promise.reject(new ObjectStoreError(`refused put of ${input.key} (test)`, { key: input.key }));
    }
    return this.inner.put(input);
  }

  get(key: string, options?: { versionId?: string }) {
    if (this.archived.has(key)) return Promise.reject(new ObjectArchivedError(key, { storageClass: 'GLACIER' }));
    return this.inner.get(key, options);
  }

  head(key: string, options?: { versionId?: string }) {
    return this.inner.head(key, options);
  }

  getTags(key: string, options?: { versionId?: string }) {
    if (this.archived.has(key)) return Promise.reject(new ObjectArchivedError(key, { storageClass: 'GLACIER' }));
    return this.inner.getTags(key, options);
  }

  list(input: Parameters<ObjectStore['list']>[0]) {
    return this.inner.list(input);
  }

  listVersions(input: Parameters<ObjectStore['listVersions']>[0]) {
    return this.inner.listVersions(input);
  }
}
