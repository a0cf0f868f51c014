import { randomUUID } from 'node:crypto';
import type { ComputationVersion } from '../compute/fields.js';
import type { LineageEmitter } from '../lineage/emitter.js';
import { catalogDatasets, RunLineage } from '../lineage/run-lineage.js';
import { writePendingRestatements } from '../staleness/detect.js';
import { normalizeTicker } from '../market/ticker.js';
import type { Shard } from '../market/shard.js';
import { utcDate } from '../market/dates.js';
import { PreloadedPreviousRaws } from '../staleness/previous-raw.js';
import { VendorOutageGuard } from '../sources/outage.js';
import { BatchedDoneMarks, type BatchedDoneMarksOptions, type UnmarkedGroup } from './done-marks.js';
import { drainOutbox, outboxPendingOf, type DrainReport } from './outbox-drain.js';
import { recoverInterruptedRuns, RunHeartbeat, type AbortedRun } from './interrupted-runs.js';
import { thisProcess } from '../process-liveness.js';
import { mapSettled } from '../concurrency.js';
import { runTickerJob, type TickerJobSettings, type TickerOutcome } from './ticker-job.js';
import { messageOf } from '../errors.js';
import { finishRun, startRun } from '../warehouse/runs.js';
import { markOutboxEntriesDone } from '../warehouse/outbox.js';
import { reclaimDeadRows } from '../warehouse/maintenance.js';
import { priceSourcesOf } from '../warehouse/prices.js';
import { drainPendingTableFiles, writeRunTables } from './table-write.js';
import type { RowBatch } from '../tables/table-files.js';
import { RunTableFiles, tickerKeyOrder } from './ticker-tables.js';
import { qualityRows } from '../tables/rows.js';
import { DEFAULT_QUALITY_CONFIG, type QualityConfig, type QualityResult } from '../quality/index.js';
import type { DataQualityAssertion } from '../lineage/spec.js';
import { QualityGate } from './quality-gate.js';
import { NO_ALERTS, queueAndDeliverAlerts, type AlertsConfig, type AlertsReport } from '../alerts/index.js';
import { finishQuality, writePendingQualityObjects, type QualityReport } from './quality-run.js';

export interface DailyRunOptions extends TickerJobSettings {
  tickers: readonly string[];
  concurrency: number;
  clock?: () => Date;
  onTickerDone?: (outcome: TickerOutcome) => void;
  /** OpenLineage: START and COMPLETE/FAIL events of job `daily_run` (none when absent; see src/lineage). */
  lineage?: LineageEmitter;
  /** How the processed objects' done-marks are batched (default: 24 entries or 250 ms; see BatchedDoneMarks). */
  doneMarkBatches?: BatchedDoneMarksOptions;
  /** The shard `tickers` are (src/market/shard.ts), and the size of the universe it was taken from. */
  shard?: ShardOfUniverse;
  /**
   * Once aborted (the CLI: SIGINT/SIGTERM), no new ticker starts; the ones in flight finish, and the run ends
   * `interrupted` with the others listed as not started. The abort reason names the signal.
   */
  stop?: AbortSignal;
  /**
   * Called once the run is recorded (its `computation_runs` row written, status running): `serve` answers a
   * trigger with the run's id then, so that `GET /v1/runs/{id}` finds it.
   */
  onStarted?: (runId: string) => void;
  /** Write the lake's Parquet tables at the end of the run (src/tables; default true). */
  tables?: boolean;
  /** The quality checks' configuration (src/quality; default: the built-in thresholds, policy `block`); false: none. */
  quality?: QualityConfig | false;
  /** Where the quality findings are alerted (src/alerts); none when absent or when no sink is configured. */
  alerts?: AlertsConfig;
}

export interface ShardOfUniverse extends Shard {
  universe: number;
}

/** The `--json` summary of a run. */
export interface RunSummary {
  run_id: string;
  status: 'ok' | 'partial' | 'failed' | 'interrupted';
  computation_version: ComputationVersion;
  source: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  tickers_ok: string[];
  tickers_failed: { ticker: string; reason: string }[];
  /** Tickers never started because the run was interrupted (status `interrupted`). */
  tickers_not_started: string[];
  /** Why the run was interrupted (`SIGINT`, `SIGTERM`), else null. */
  interrupted_by: string | null;
  /**
   * Earlier runs found dead at the start (killed mid-way), now `aborted`, with the raw snapshots catalogued for them.
   */
  runs_aborted: AbortedRun[];
  objects_written: number;
  /** Objects written at the start of the run from earlier runs' outbox. */
  outbox_retried: number;
  outbox_pending: number;
  lake_errors: string[];
  /** OpenLineage events that could not be stored or POSTed; they never fail the run. */
  lineage_errors: string[];
  /** Tickers whose new snapshot restated bars of their previous one (recorded in `restatements`; see `stale`). */
  restatements: { count: number; tickers: string[] };
  /** Set when the source was found unreachable and the remaining tickers were not tried: the network error. */
  vendor_unreachable?: string;
  /** Which shard ran (`run --shard I/N`), and how many tickers of the universe it took; null: all of them. */
  shard: { index: number; count: number; tickers: number; universe: number } | null;
  /**
   * The lake's Parquet tables the run wrote (src/tables): files the lake took, files left pending in their own
   * outbox (`lake retry` writes them; not counted in `outbox_pending`, which counts JSON objects), and rows. A
   * pending file or a failure to make them makes an `ok` run `partial`. Null when the run was told not to write
   * them.
   */
  tables: { files_written: number; files_pending: number; rows: number } | null;
  /**
   * What the quality checks said (src/pipeline/quality-run.ts); null when the run was told not to check. A ticker
   * they blocked makes an `ok` run `partial`; any error finding makes the command exit 1.
   */
  quality: QualityReport | null;
  /**
   * The alerts on the quality findings (src/alerts): notifications queued, sent, still pending in their outbox,
   * and delivery problems (redacted). They never fail the run. Null when the run checked nothing.
   */
  alerts: AlertsReport | null;
}

/**
 * The daily job: drain what earlier runs left in the outbox, then every ticker through the write path with
 * `concurrency` in flight, one failing ticker never stopping the others; a row in computation_runs records it.
 */
export async function runDaily(options: DailyRunOptions): Promise<RunSummary> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const runId = randomUUID();
  const lineage = new RunLineage({
    emitter: options.lineage,
    runId,
    jobName: 'daily_run',
    computationVersion: options.computationVersion,
    clock,
  });
  return lineage.around(() =>
    RunHeartbeat.around(options.warehouse, runId, () => runAndRecord(options, runId, startedAt, clock, lineage)),
  );
}

async function runAndRecord(
  options: DailyRunOptions,
  runId: string,
  startedAt: Date,
  clock: () => Date,
  lineage: RunLineage,
): Promise<RunSummary> {
  // The jobs start in the order of the tickers' raw keys, in which the tables' files hold their rows: each ticker's
  // prices are appended to the run's file as it ends (see ticker-tables.ts).
  const order = tickerKeyOrder(options.tickers);
  const tableFiles = options.tables !== false ? new RunTableFiles(order, runId) : undefined;
  try {
    return await runTickersAndRecord(options, runId, startedAt, clock, lineage, { order, tableFiles });
  } catch (error) {
    await tableFiles?.close().catch(() => undefined); // nothing left open; the run's failure is the one reported
    throw error;
  }
}

async function runTickersAndRecord(
  options: DailyRunOptions,
  runId: string,
  startedAt: Date,
  clock: () => Date,
  lineage: RunLineage,
  { order, tableFiles }: { order: readonly number[]; tableFiles: RunTableFiles | undefined },
): Promise<RunSummary> {
  const { warehouse, lake } = options;
  await startRun(warehouse.db, {
    runId,
    kind: 'run',
    computationVersion: options.computationVersion,
    source: options.source.name,
    tickers: [...options.tickers],
    startedAt,
    owner: thisProcess(),
  });
  options.onStarted?.(runId);

  // Runs killed mid-way: their raw snapshots catalogued, their rows `aborted` (before the drain, which may need them).
  const recovered = await recoverInterruptedRuns({ store: lake.store, warehouse });
  // Claimed as this run: what it cannot write counts as its own pending (see outboxPendingOf).
  const retried: DrainReport = await drainOutbox(lake, warehouse, undefined, { claimant: runId });
  // Table files earlier runs left pending (their own outbox, see table-write.ts).
  const retriedTables = await drainPendingTableFiles(lake.store, warehouse);
  // Restatement records the lake refused earlier are not outbox entries; they are retried here too.
  const restatements = await writePendingRestatements(lake.store, warehouse);
  // And quality objects, rendered again from their rows.
  const qualityObjects = await writePendingQualityObjects(lake.store, warehouse);
  const gate =
    options.quality === false
      ? undefined
      : new QualityGate(options.quality ?? DEFAULT_QUALITY_CONFIG, options.computationVersion);
  // After the drain, which may have catalogued raw snapshots of earlier runs.
  const previousRaws = await PreloadedPreviousRaws.load(
    warehouse.db,
    validTickers(options.tickers),
    utcDate(startedAt),
  );
  // Sending only the bars that differ from the previous snapshot relies on no other run writing the same
  // tickers meanwhile: true of PGlite (one process holds the home), not of a shared PostgreSQL, where a run sends
  // every bar and the upsert's anti-join alone keeps unchanged rows untouched (concurrent runs then heal as before).
  const priceSources =
    warehouse.kind === 'pglite' ? await priceSourcesOf(warehouse.db, validTickers(options.tickers)) : undefined;
  const processedDone = new BatchedDoneMarks(
    (entries) => markOutboxEntriesDone(warehouse.db, entries),
    options.doneMarkBatches,
  );
  // With no network, every ticker would retry and fail alike: after a few, the rest are not tried.
  const source = new VendorOutageGuard(options.source);
  let unmarked: UnmarkedGroup[];
  const results = new Array<PromiseSettledResult<TickerOutcome | undefined>>(options.tickers.length);
  try {
    const settled = await mapSettled(order, options.concurrency, async (index) => {
      let batches: RowBatch[] | undefined;
      try {
        if (options.stop?.aborted) return undefined; // interrupted: not started
        const outcome = await runTickerJob(
          {
            runId,
            source,
            lake,
            warehouse,
            computationVersion: options.computationVersion,
            start: options.start,
            end: options.end,
            clock,
            processedDone,
            previousRaws,
            priceSources,
            tables: tableFiles !== undefined,
            ...(gate ? { quality: gate } : {}),
          },
          options.tickers[index],
        );
        options.onTickerDone?.(outcome);
        // Handed over to the table files, which let them go once appended: the outcome, kept to the end, does not.
        batches = outcome.tableBatches;
        delete outcome.tableBatches;
        return outcome;
      } finally {
        tableFiles?.tickerDone(index, batches);
      }
    });
    order.forEach((index, k) => (results[index] = settled[k]));
  } finally {
    unmarked = await processedDone.close();
  }
  // The files of the ticker jobs' rows, filled while the jobs ran: their copy to Parquet (on threads of Node's pool)
  // overlaps the quality checks' finish. Its outcome is awaited by writeTablesOf, or by close() if the run fails.
  tableFiles?.finishTickers().catch(() => undefined);
  const notStarted = options.tickers.filter(
    (_, i) => results[i].status === 'fulfilled' && results[i].value === undefined,
  );
  const outcomes = results.flatMap((result, i): TickerOutcome[] =>
    result.status === 'fulfilled'
      ? result.value === undefined
        ? []
        : [result.value]
      : [
          {
            ticker: options.tickers[i],
            status: 'failed',
            error: String(result.reason),
            written: [],
            pending: [],
            lakeErrors: [],
          },
        ],
  );
  reportUnmarked(outcomes, unmarked);

  const failed = outcomes.filter((o) => o.status === 'failed');
  const finishedAt = clock();
  const interruptedBy = options.stop?.aborted ? String(options.stop.reason) : null;
  const summary: RunSummary = {
    run_id: runId,
    status:
      interruptedBy !== null
        ? 'interrupted'
        : failed.length === 0
          ? 'ok'
          : failed.length === outcomes.length
            ? 'failed'
            : 'partial',
    computation_version: options.computationVersion,
    source: options.source.name,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_ms: finishedAt.getTime() - startedAt.getTime(),
    tickers_ok: outcomes.filter((o) => o.status === 'ok').map((o) => o.ticker),
    tickers_failed: failed.map((o) => ({ ticker: o.ticker, reason: o.error ?? 'unknown error' })),
    tickers_not_started: notStarted,
    interrupted_by: interruptedBy,
    runs_aborted: recovered.aborted,
    objects_written:
      retried.written.length + restatements.written.length + outcomes.reduce((n, o) => n + o.written.length, 0),
    outbox_retried: retried.written.length,
    outbox_pending: await outboxPendingOf(warehouse, runId),
    lake_errors: [
      ...recovered.errors,
      ...retried.failed.map((f) => `${f.key}: ${f.error}`),
      ...retriedTables.failed.map((f) => `${f.key}: ${f.error}`),
      ...restatements.lakeErrors,
      ...qualityObjects.lakeErrors,
      ...outcomes.flatMap((o) => o.lakeErrors),
    ],
    lineage_errors: [],
    restatements: { count: 0, tickers: [] },
    shard: options.shard
      ? {
          index: options.shard.index,
          count: options.shard.count,
          tickers: options.tickers.length,
          universe: options.shard.universe,
        }
      : null,
    tables: null,
    quality: null,
    alerts: null,
  };
  const restated = outcomes.filter((o) => o.restated).map((o) => o.ticker);
  summary.restatements = { count: restated.length, tickers: restated };
  if (source.outage !== undefined) summary.vendor_unreachable = source.outage;
  // A run whose lake writes are pending is not ok: the database is complete but the lake is not (yet).
  if (summary.status === 'ok' && summary.outbox_pending > 0) summary.status = 'partial';
  let assertionsOf: Map<string, DataQualityAssertion[]> | undefined;
  const extraBatches: RowBatch[] = [];
  if (gate !== undefined) {
    const quality = await finishQuality(
      lake.store,
      warehouse,
      gate,
      { runId, checkedAt: finishedAt },
      outcomes,
      summary.lake_errors,
    );
    summary.quality = quality.report;
    // Blocked tickers have their raw snapshots but none of what the run computes, and a quality object the lake
    // refused waits for `lake retry`: either way the run did not do all its work.
    const objectPending = quality.results.length > 0 && quality.report.object === null;
    if (summary.status === 'ok' && (quality.report.blocked.length > 0 || objectPending)) summary.status = 'partial';
    assertionsOf = assertionsByRawKey(quality.results);
    // After the verdicts are stored; never throws, and bounded in time (src/alerts/deliver.ts).
    summary.alerts = options.alerts
      ? await queueAndDeliverAlerts(warehouse, quality.results, {
          config: options.alerts,
          now: finishedAt,
          holder: runId,
        })
      : { ...NO_ALERTS, failures: [] };
    // The quality table's rows are the object's: written with it (a pending object gets them from `lake retry`).
    const written = quality.written;
    if (written !== undefined) {
      extraBatches.push({
        table: 'quality',
        partition: written.document.checked_at.slice(0, 10),
        source: written.key,
        rows: qualityRows(written.document, written.key),
      });
    }
  }
  // With the run's status as it ends (the runs table records it), less what the tables themselves may add.
  if (tableFiles !== undefined) {
    await writeTablesOf(options, runId, extraBatches, summary, tableFiles);
    // The objects drained from earlier runs' outbox were not made into rows by this run's ticker jobs.
    const drained = retried.written.length + restatements.written.length + qualityObjects.written.length;
    if (drained > 0) {
      summary.lake_errors.push(
        `tables: ${drained} object(s) written from the outbox of earlier runs have no rows in the tables yet: ` +
          'run `marketlake tables rebuild`',
      );
    }
  }
  // Inputs: the raw snapshots the run stored; outputs: the processed objects it wrote (both as catalogued).
  const inputs = await catalogDatasets(
    options.lineage,
    warehouse,
    outcomes.flatMap((o) => (o.rawKey ? [o.rawKey] : [])),
    assertionsOf,
  );
  const outputs = await catalogDatasets(
    options.lineage,
    warehouse,
    outcomes.flatMap((o) => o.written.filter((key) => key.startsWith('processed/'))),
  );
  if (summary.status === 'interrupted') {
    await lineage.fail(
      new Error(`interrupted by ${interruptedBy}: ${notStarted.length} ticker(s) not started`),
      inputs,
      outputs,
    );
  } else {
    await lineage.end(
      {
        status: summary.status,
        objectsWritten: summary.objects_written,
        outboxPending: summary.outbox_pending,
        failed: summary.tickers_failed,
      },
      inputs,
      outputs,
    );
  }
  summary.lineage_errors = [...lineage.problems];
  await finishRun(warehouse.db, runId, summary.status, summary);
  // The embedded database has no autovacuum: without this it grows every day by the rows the run updated.
  await reclaimDeadRows(warehouse, { pricesRewritten: restated.length > 0 });
  return summary;
}

/**
 * The run's table files, after its tickers (src/pipeline/table-write.ts); what the lake refused counts as pending,
 * and a failure to make them is a lake error of the run (the tables can be rebuilt from the lake).
 */
async function writeTablesOf(
  options: DailyRunOptions,
  runId: string,
  batches: readonly RowBatch[],
  summary: RunSummary,
  tableFiles: RunTableFiles,
): Promise<void> {
  const report = await writeRunTables(
    options.lake.store,
    options.warehouse,
    runId,
    batches,
    {
      runId,
      job: 'daily_run',
      status: summary.status,
      startedAt: summary.started_at,
      endedAt: summary.finished_at,
      computationVersion: options.computationVersion,
      objectsWritten: summary.objects_written,
      outboxPending: summary.outbox_pending,
      failedTickers: summary.tickers_failed.length,
    },
    { rendered: tableFiles.finishTickers(), render: (all) => tableFiles.render(all) },
  );
  summary.tables = { files_written: report.written.length, files_pending: report.pending.length, rows: report.rows };
  summary.lake_errors.push(...report.errors);
  await tableFiles.close().catch((error: unknown) => {
    summary.lake_errors.push(`tables: closing DuckDB: ${messageOf(error)}`);
    if (summary.status === 'ok') summary.status = 'partial';
  });
  if (report.errors.length > 0 && summary.status === 'ok') summary.status = 'partial';
}

/** The OpenLineage `dataQualityAssertions` of each raw snapshot the checks judged. */
function assertionsByRawKey(results: readonly QualityResult[]): Map<string, DataQualityAssertion[]> {
  const byKey = new Map<string, DataQualityAssertion[]>();
  for (const result of results) {
    if (result.raw === null) continue;
    const assertions = byKey.get(result.raw.key) ?? [];
    assertions.push({ assertion: result.check, success: result.passed, severity: result.severity });
    byKey.set(result.raw.key, assertions);
  }
  return byKey;
}

/** The tickers that normalise (the others fail in their own job, with the reason). */
function validTickers(requested: readonly string[]): string[] {
  return requested.flatMap((ticker) => {
    try {
      return [normalizeTicker(ticker)];
    } catch {
      return []; // runTickerJob reports it for that ticker
    }
  });
}

/**
 * Objects the lake took whose outbox entries could not be marked done (the batch's statement failed, see
 * BatchedDoneMarks): they stay pending, and `lake retry` (or the next run) completes them from the lake. Their
 * tickers report them as pending, with the error, instead of written; the database side of those tickers is
 * complete, as when the lake refuses an object.
 */
function reportUnmarked(outcomes: readonly TickerOutcome[], unmarked: readonly UnmarkedGroup[]): void {
  const outcomeOfKey = new Map(outcomes.flatMap((outcome) => outcome.written.map((key) => [key, outcome] as const)));
  for (const { entries, error } of unmarked) {
    for (const entry of entries) {
      const outcome = outcomeOfKey.get(entry.written.key);
      if (outcome === undefined) continue;
      outcome.written = outcome.written.filter((key) => key !== entry.written.key);
      outcome.pending.push(entry.plannedKey ?? entry.written.key);
      outcome.lakeErrors.push(
        `${entry.written.key}: written, but its outbox entry ${entry.id} could not be marked done: ${messageOf(error)}`,
      );
    }
  }
}

/**
 * From `range` (`30d`, `6m`, `2y`) before `now` up to `now`; the CLI's default, 2y, leaves SMA 200 about 300 rows for
 * the percentiles.
 */
export function dateRange(now: Date, range: string): { start: string; end: string } {
  const match = /^(\d+)([dmy])$/.exec(range);
  if (!match) throw new RangeError(`range "${range}" must look like 30d, 6m or 2y`);
  const amount = Number(match[1]);
  const start = new Date(now);
  if (match[2] === 'd') start.setUTCDate(start.getUTCDate() - amount);
  if (match[2] === 'm') start.setUTCMonth(start.getUTCMonth() - amount);
  if (match[2] === 'y') start.setUTCFullYear(start.getUTCFullYear() - amount);
  return { start: start.toISOString().slice(0, 10), end: now.toISOString().slice(0, 10) };
}
