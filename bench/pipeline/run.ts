/**
 * Part 1: the daily run itself (runDaily, as `marketlake run` calls it: a DataLake with the warehouse catalog),
 * timed on an open, migrated warehouse, with the instrumentation of instrument.ts for "where the time goes".
 * Also the fetch + compute + render work alone, to show how much of the run is CPU that no floor contains.
 */
import { sql } from 'kysely';
import type { ComputationVersion } from '../../src/compute/fields.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { processedDocument, renderProcessed } from '../../src/lake/formats/processed.js';
import { renderRaw } from '../../src/lake/formats/raw.js';
import { sha256Hex } from '../../src/lake/formats/render.js';
import { objectKey, PROCESSED_KINDS } from '../../src/lake/keys.js';
import { barsOf } from '../../src/lake/formats/raw-bars.js';
import { computeResults } from '../../src/compute/results.js';
import { runDaily, type RunSummary } from '../../src/pipeline/daily-run.js';
import { createSource } from '../../src/sources/index.js';
import { listAllObjects } from '../../src/storage/listing.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { TABLE_NAMES } from '../../src/warehouse/schema.js';
import type { Backend } from './backends.js';
import { loadavg, msSince, now, timed } from './common.js';
import { countS3Commands, Stopwatch, timedWarehouse, timingSource, timingStore, type Tally } from './instrument.js';

export interface RunSettings {
  tickers: string[];
  start: string;
  end: string;
  concurrency: number;
  computationVersion: ComputationVersion;
}

export interface StoredObjectInfo {
  key: string;
  kind: string;
  size: number;
}

export interface RunMeasurement {
  wallMs: number;
  cpuMs: number;
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
  summary: Pick<RunSummary, 'status' | 'objects_written' | 'outbox_pending' | 'tickers_failed'>;
  /** What the catalog says the run wrote (key, kind, size); the object floor writes the same. */
  objects: StoredObjectInfo[];
  /** Objects found by listing the store afterwards (a cross-check of the catalog). */
  listedObjects: number;
  listedBytes: number;
  /** Row counts of every warehouse table after the run. */
  rows: Record<string, number>;
  /** Summed call latencies by step (see instrument.ts). */
  busy: [string, Tally][];
  /** Sum over tickers of (job done - fetch started): the denominator of the busy shares. */
  jobLatencySumMs: number;
  /** HTTP requests the S3 client sent during the run, by command. */
  s3Requests?: Record<string, number>;
}

export async function measureRun(backend: Backend, settings: RunSettings): Promise<RunMeasurement> {
  const watch = new Stopwatch();
  const store = timingStore(backend.store, watch);
  const warehouse = timedWarehouse(backend.warehouse, watch);
  const lake = new DataLake(store, new WarehouseLakeCatalog(warehouse.db));
  const counter = backend.s3Client ? countS3Commands(backend.s3Client) : undefined;
  counter?.reset();
  const started = new Map<string, bigint>();
  let jobLatencySumMs = 0;
  const inner = createSource('sample');
  const source = timingSource(
    {
      name: inner.name,
      fetchSnapshot: (ticker, request) => {
        started.set(ticker, now());
        return inner.fetchSnapshot(ticker, request);
      },
    },
    watch,
  );

  const loadBefore = loadavg();
  const run = await timed(() =>
    runDaily({
      tickers: settings.tickers,
      source,
      lake,
      warehouse,
      computationVersion: settings.computationVersion,
      start: settings.start,
      end: settings.end,
      concurrency: settings.concurrency,
      onTickerDone: (outcome) => {
        const t0 = started.get(outcome.ticker);
        if (t0 !== undefined) jobLatencySumMs += msSince(t0);
      },
    }),
  );
  const loadAfter = loadavg();
  const s3Requests = counter ? Object.fromEntries(counter.counts) : undefined;
  const summary = run.value;

  const objects = (
    await backend.warehouse.db.selectFrom('lake_objects').select(['key', 'kind', 'size']).orderBy('key').execute()
  ).map((row) => ({ key: row.key, kind: row.kind, size: Number(row.size) }));
  let listedObjects = 0;
  let listedBytes = 0;
  for await (const object of listAllObjects(backend.store, '')) {
    listedObjects++;
    listedBytes += object.size;
  }
  return {
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    loadBefore,
    loadAfter,
    summary: {
      status: summary.status,
      objects_written: summary.objects_written,
      outbox_pending: summary.outbox_pending,
      tickers_failed: summary.tickers_failed,
    },
    objects,
    listedObjects,
    listedBytes,
    rows: await countRows(backend.warehouse),
    busy: watch.entries(),
    jobLatencySumMs,
    ...(s3Requests ? { s3Requests } : {}),
  };
}

export async function countRows(warehouse: Warehouse): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const table of TABLE_NAMES) {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(warehouse.db);
    rows[table] = Number(result.rows[0]?.n ?? 0);
  }
  return rows;
}

export interface CpuPass {
  fetchMs: number;
  computeMs: number;
  /** Rendering the four objects (JSON.stringify + sha256 + tags/metadata checks) and barsOf. */
  renderMs: number;
  totalMs: number;
  bars: number;
}

/**
 * The CPU work of the run alone, one ticker after another on this thread: the sample source's generation,
 * computeResults, and rendering the raw and the three processed objects. No I/O.
 */
export async function measureCpuPass(settings: RunSettings, clock: Date): Promise<CpuPass> {
  const source = createSource('sample');
  let fetchMs = 0;
  let computeMs = 0;
  let renderMs = 0;
  let bars = 0;
  const t = now();
  for (const ticker of settings.tickers) {
    let t0 = now();
    const snapshot = await source.fetchSnapshot(ticker, { start: settings.start, end: settings.end, now: clock });
    fetchMs += msSince(t0);
    bars += snapshot.bars.length;

    t0 = now();
    const results = computeResults(snapshot, settings.computationVersion);
    computeMs += msSince(t0);

    t0 = now();
    const rawKey = objectKey('raw', ticker, '2026-01-01', '20260101_000000', 1, 'sample');
    const raw = renderRaw(rawKey, snapshot);
    barsOf(snapshot);
    for (const kind of PROCESSED_KINDS) {
      const values =
        kind === 'indicators' ? results.indicators : kind === 'percentiles' ? results.percentiles : results.features;
      const document = processedDocument(
        kind,
        {
          ticker,
          as_of: results.asOf,
          computation_version: settings.computationVersion,
          computed_at: clock.toISOString(),
          values,
        },
        { key: rawKey, versionId: 'v', sha256: raw.sha256 },
      );
      const rendered = renderProcessed(objectKey(kind, ticker, results.asOf, '20260101_000000'), kind, document);
      sha256Hex(rendered.body); // the outbox checks each processed body's sha256 again (assertPlanMatchesBody)
    }
    renderMs += msSince(t0);
  }
  return { fetchMs, computeMs, renderMs, totalMs: msSince(t), bars };
}
