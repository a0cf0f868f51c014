import { randomUUID } from 'node:crypto';
import type { ComputationVersion } from '../compute/fields.js';
import type { DataLake } from '../lake/data-lake.js';
import type { LineageEmitter } from '../lineage/emitter.js';
import { RunLineage } from '../lineage/run-lineage.js';
import { drainOutbox, outboxPendingOf } from '../pipeline/outbox-drain.js';
import { mapSettled } from '../concurrency.js';
import { recoverInterruptedRuns, RunHeartbeat, type AbortedRun } from '../pipeline/interrupted-runs.js';
import { thisProcess } from '../process-liveness.js';
import type { Warehouse } from '../warehouse/database.js';
import { catalogedTickers, checkScope } from './scope.js';
import { reprocessTicker, type TickerReprocessOutcome } from './ticker.js';
import { finishRun, startRun } from '../warehouse/runs.js';
import { QualityGate } from '../pipeline/quality-gate.js';
import { DEFAULT_QUALITY_CONFIG, type QualityConfig } from '../quality/index.js';
import { qualityReport, type ReprocessQualityReport } from './quality.js';

export interface ReprocessOptions {
  lake: DataLake;
  warehouse: Warehouse;
  computationVersion: ComputationVersion;
  /** Default: every ticker with a raw snapshot in the catalog. */
  tickers?: readonly string[];
  /** Inclusive range of as_of dates (last bar) selecting raw snapshots; see scope.ts. */
  from?: string;
  to?: string;
  /** Also compute the results as of every date of each snapshot's window. */
  backfill?: boolean;
  /**
   * Only these as-of dates per ticker (`reprocess --stale`): each computed from the newest snapshot in scope that
   * holds it. Tickers default to the map's keys.
   */
  onlyAsOf?: ReadonlyMap<string, ReadonlySet<string>>;
  concurrency?: number;
  /** As-of dates per commit (one statement) in a backfill (default 50: 150 objects). */
  batchSize?: number;
  clock?: () => Date;
  /** Called once the tickers in scope are known (a progress bar's total). */
  onStart?: (tickers: readonly string[]) => void;
  onTickerDone?: (outcome: TickerReprocessOutcome) => void;
  /** OpenLineage: START and COMPLETE/FAIL events of job `reprocess`. */
  lineage?: LineageEmitter;
  /** Once aborted (SIGINT/SIGTERM): no new ticker starts, the ones in flight finish; the run ends `interrupted`. */
  stop?: AbortSignal;
  /**
   * The quality checks' configuration each snapshot is judged by (default: the built-in thresholds, policy
   * `block`, as the daily run); false: none (see quality.ts).
   */
  quality?: QualityConfig | false;
}

/** The `--json` summary of a reprocess. */
export interface ReprocessSummary {
  run_id: string;
  status: 'ok' | 'partial' | 'failed' | 'interrupted';
  computation_version: ComputationVersion;
  tickers: string[];
  backfill: boolean;
  from: string | null;
  to: string | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  /** Raw snapshots read from the lake. */
  snapshots_read: number;
  /** As-of dates computed (one per snapshot, or every date of its window with backfill). */
  dates_computed: number;
  objects_written: number;
  /** Objects not written again because an identical one exists (same kind, ticker, as_of, version, raw). */
  skipped_identical: number;
  /** Tickers never started because the run was interrupted (status `interrupted`). */
  tickers_not_started: string[];
  /** Why the run was interrupted (`SIGINT`, `SIGTERM`), else null. */
  interrupted_by: string | null;
  /** Earlier runs found dead at the start, now `aborted` (see src/pipeline/interrupted-runs.ts). */
  runs_aborted: AbortedRun[];
  /** Written at the start from earlier runs' outbox. */
  outbox_retried: number;
  outbox_pending: number;
  failed: { ticker: string; reason: string }[];
  lake_errors: string[];
  lineage_errors: string[];
  /**
   * What the quality checks said of the snapshots judged; null when told not to check. Under `block`, a snapshot
   * with an error finding gives nothing and makes the status `partial`.
   */
  quality: ReprocessQualityReport | null;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_BATCH_SIZE = 50;

/**
 * `marketlake reprocess`: recomputes results under a computation version from raw snapshots already in the lake,
 * writing new processed versions through the daily run's write path; earlier versions stay as they are.
 * One computation_runs row (kind 'reprocess'); one failing ticker never stops the others.
 */
export async function reprocess(options: ReprocessOptions): Promise<ReprocessSummary> {
  checkScope(options);
  const clock = options.clock ?? (() => new Date());
  const runId = randomUUID();
  const startedAt = clock();
  const backfill = options.backfill ?? false;
  const lineage = new RunLineage({
    emitter: options.lineage,
    runId,
    jobName: 'reprocess',
    computationVersion: options.computationVersion,
    backfill,
    clock,
  });
  return lineage.around(() =>
    RunHeartbeat.around(options.warehouse, runId, () => reprocessAndRecord(options, runId, startedAt, clock, lineage)),
  );
}

async function reprocessAndRecord(
  options: ReprocessOptions,
  runId: string,
  startedAt: Date,
  clock: () => Date,
  lineage: RunLineage,
): Promise<ReprocessSummary> {
  const { lake, warehouse } = options;
  const backfill = options.backfill ?? false;
  const tickers = options.tickers
    ? [...options.tickers]
    : options.onlyAsOf
      ? [...options.onlyAsOf.keys()]
      : await catalogedTickers(warehouse);
  await startRun(warehouse.db, {
    runId,
    kind: 'reprocess',
    computationVersion: options.computationVersion,
    source: 'lake',
    tickers,
    startedAt,
    owner: thisProcess(),
  });
  options.onStart?.(tickers);

  // As every run does: runs killed mid-way healed and marked aborted, then what earlier runs left in the outbox
  // (a pending raw snapshot becomes readable).
  const recovered = await recoverInterruptedRuns({ store: lake.store, warehouse });
  const retried = await drainOutbox(lake, warehouse, undefined, { claimant: runId });
  const gate =
    options.quality === false
      ? undefined
      : new QualityGate(options.quality ?? DEFAULT_QUALITY_CONFIG, options.computationVersion);
  const context = {
    runId,
    lake,
    warehouse,
    computationVersion: options.computationVersion,
    scope: { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) },
    backfill,
    ...(options.onlyAsOf ? { onlyAsOf: options.onlyAsOf } : {}),
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    clock,
    ...(gate ? { quality: gate } : {}),
  };
  const settled = await mapSettled(tickers, options.concurrency ?? DEFAULT_CONCURRENCY, async (ticker) => {
    if (options.stop?.aborted) return undefined; // interrupted: not started
    const outcome = await reprocessTicker(context, ticker);
    options.onTickerDone?.(outcome);
    return outcome;
  });
  const notStarted = tickers.filter((_, i) => settled[i].status === 'fulfilled' && settled[i].value === undefined);
  const outcomes = settled.flatMap((result, i): TickerReprocessOutcome[] =>
    result.status === 'fulfilled'
      ? result.value === undefined
        ? []
        : [result.value]
      : [
          {
            ticker: tickers[i],
            status: 'failed',
            error: String(result.reason),
            inputs: [],
            written: [],
            skipped: 0,
            dates: 0,
            lakeErrors: [],
          },
        ],
  );
  const interruptedBy = options.stop?.aborted ? String(options.stop.reason) : null;

  const failed = outcomes
    .filter((o) => o.status === 'failed')
    .map((o) => ({ ticker: o.ticker, reason: o.error ?? 'unknown error' }));
  const finishedAt = clock();
  const summary: ReprocessSummary = {
    run_id: runId,
    status:
      interruptedBy !== null
        ? 'interrupted'
        : failed.length > 0 && failed.length === outcomes.length
          ? 'failed'
          : failed.length > 0
            ? 'partial'
            : 'ok',
    computation_version: options.computationVersion,
    tickers: outcomes.map((o) => o.ticker),
    backfill,
    from: options.from ?? null,
    to: options.to ?? null,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_ms: finishedAt.getTime() - startedAt.getTime(),
    snapshots_read: outcomes.reduce((n, o) => n + o.inputs.length, 0),
    dates_computed: outcomes.reduce((n, o) => n + o.dates, 0),
    objects_written: outcomes.reduce((n, o) => n + o.written.length, 0),
    skipped_identical: outcomes.reduce((n, o) => n + o.skipped, 0),
    tickers_not_started: notStarted,
    interrupted_by: interruptedBy,
    runs_aborted: recovered.aborted,
    outbox_retried: retried.written.length,
    outbox_pending: await outboxPendingOf(warehouse, runId),
    failed,
    lake_errors: [
      ...recovered.errors,
      ...retried.failed.map((f) => `${f.key}: ${f.error}`),
      ...outcomes.flatMap((o) => o.lakeErrors),
    ],
    lineage_errors: [],
    quality: gate
      ? qualityReport(
          gate.policy,
          outcomes.flatMap((o) => o.judged ?? []),
        )
      : null,
  };
  // Pending lake writes: the database is complete, the lake not yet. Blocked snapshots: results not computed.
  if (summary.status === 'ok' && (summary.outbox_pending > 0 || (summary.quality?.blocked.length ?? 0) > 0))
    summary.status = 'partial';

  const emitter = options.lineage;
  const inputs = emitter ? outcomes.flatMap((o) => o.inputs.map((raw) => emitter.dataset(raw.key, raw.versionId))) : [];
  const outputs = emitter
    ? outcomes.flatMap((o) => o.written.map((object) => emitter.dataset(object.key, object.versionId)))
    : [];
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
        failed,
      },
      inputs,
      outputs,
    );
  }
  summary.lineage_errors = [...lineage.problems];
  await finishRun(warehouse.db, runId, summary.status, summary);
  return summary;
}
