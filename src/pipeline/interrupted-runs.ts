/**
 * Crash healing: what a run killed mid-way (kill -9, a lost machine, a second Ctrl-C) leaves behind is found and
 * completed by the next `run`, `reprocess` or `lake retry`:
 *
 * - its `computation_runs` row, left `running` forever, is marked `aborted` once the run is provably dead;
 * - the raw snapshots it wrote to the lake before their database statement committed (the write path stores the
 *   raw object first, see ticker-job.ts) are catalogued from the lake, as `catalog rebuild` would do it;
 * - its processed objects need nothing here: they are only ever written from committed outbox entries, which the
 *   outbox drain completes (finding an object already written by its sha256).
 *
 * When is a run dead? Never on a guess, since on PostgreSQL other processes run at the same time, legitimately:
 * - it is registered live in this process: alive;
 * - on the embedded PGlite database: dead. The home lock (src/warehouse/pglite/lock.ts) proves that no other
 *   process has this database open, so a `running` row that is not one of this process's runs belongs to a dead
 *   process;
 * - its recorded owner ran on this host, in this boot and PID namespace, and that pid is gone: dead;
 * - its heartbeat (renewed every `HEARTBEAT_INTERVAL_MS` by the running process) is older than the lease,
 *   measured by the database's clock so that hosts' clocks do not matter: dead. This is how a run of another
 *   machine is found dead; one that was merely paused longer than the lease and then finishes records its real
 *   outcome over `aborted` (runs.ts finishRun).
 *
 * Cost: bounded by what the dead runs could have written, never by the whole lake. A run writes raw snapshots
 * only for its own tickers (recorded in its row), under its own source, in date folders named for its fetch
 * time, which is never before the run's start. So, per dead run and ticker: ONE listing of
 * `raw/{source}/{TICKER}/` from the date folder of the run's start on (what was written since that run started,
 * one object per ticker and day in the usual case), ONE catalog query for the same range, and a HEAD and an
 * insert per object missing from the catalog. Finished runs cost nothing: the lookup of `running` rows is one
 * query.
 *
 * Known limit (PostgreSQL only): a live run of the SAME ticker, between its raw write and its commit (a few
 * milliseconds), can have its raw object catalogued here for the dead run; its commit then meets an equal
 * catalog row and that ticker fails with the conflict, reported, and is redone by the next run. Nothing is lost.
 */
import { RAW_SOURCES, tickerPrefix } from '../lake/keys.js';
import type { SourceName } from '../lake/formats/raw.js';
import { utcDate } from '../market/dates.js';
import { normalizeTicker } from '../market/ticker.js';
import { isProvablyDead, parseIdentity } from '../process-liveness.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Warehouse } from '../warehouse/database.js';
import { describeObject } from '../lake-scan/describe-object.js';
import { parseKeyOrUndefined } from '../lake-scan/scope.js';
import { messageOf } from '../errors.js';
import { mapAll } from '../concurrency.js';
import { abortRun, listRunningRuns, renewRunHeartbeat, type RunningRun } from '../warehouse/runs.js';
import { insertCatalogObject, listCatalogObjects } from '../warehouse/lake-objects.js';

/** How often a running run renews its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** A run silent for this long (ten missed heartbeats) is taken for dead. */
export const RUN_LEASE_MS = 10 * HEARTBEAT_INTERVAL_MS;
/** Ticker folders listed at once while healing. */
const LISTING_CONCURRENCY = 8;

/** Run ids running in this process: never taken for dead by it. */
const liveHere = new Set<string>();

export interface AbortedRun {
  run_id: string;
  kind: string;
  started_at: string;
  /** Why it was taken for dead. */
  reason: string;
  /** Raw snapshots it had written to the lake that the catalog did not list, now catalogued. */
  catalogued: string[];
}

export interface RecoveryReport {
  aborted: AbortedRun[];
  /** Objects that could not be catalogued (their run stays `running`, to be healed by the next attempt). */
  errors: string[];
}

export interface RecoveryOptions {
  store: ObjectStore;
  warehouse: Warehouse;
  /** Default RUN_LEASE_MS. */
  leaseMs?: number;
}

/** Marks every provably dead `running` run `aborted`, once the raw snapshots it left uncatalogued are catalogued. */
export async function recoverInterruptedRuns(options: RecoveryOptions): Promise<RecoveryReport> {
  const { warehouse } = options;
  const report: RecoveryReport = { aborted: [], errors: [] };
  for (const run of await listRunningRuns(warehouse.db)) {
    const reason = deathOf(run, warehouse.kind, options.leaseMs ?? RUN_LEASE_MS);
    if (reason === undefined) continue;
    const healed = await catalogRawLeftovers(options.store, warehouse, run);
    if (healed.errors.length > 0) {
      report.errors.push(...healed.errors);
      continue; // left running: the next attempt lists it again
    }
    const aborted: AbortedRun = {
      run_id: run.runId,
      kind: run.kind,
      started_at: run.startedAt.toISOString(),
      reason,
      catalogued: healed.catalogued,
    };
    if (await abortRun(warehouse.db, run.runId, { status: 'aborted', ...aborted })) report.aborted.push(aborted);
  }
  return report;
}

/** Why `run` is provably dead, or undefined when it may be alive (see the module comment). */
function deathOf(run: RunningRun, backend: Warehouse['kind'], leaseMs: number): string | undefined {
  if (liveHere.has(run.runId)) return undefined;
  if (backend === 'pglite') return 'not running in the process that holds the embedded database (the home lock)';
  const owner = parseIdentity(run.owner);
  if (owner !== undefined && isProvablyDead(owner)) return `its process ${owner.pid} on ${owner.host} is gone`;
  if (run.silentForMs > leaseMs)
    return `no heartbeat for ${Math.round(run.silentForMs / 1000)} s (lease ${Math.round(leaseMs / 1000)} s)`;
  return undefined;
}

/** Catalogues the raw snapshots `run` wrote that the catalog lacks (only a daily run writes raw snapshots). */
async function catalogRawLeftovers(
  store: ObjectStore,
  warehouse: Warehouse,
  run: RunningRun,
): Promise<{ catalogued: string[]; errors: string[] }> {
  const result = { catalogued: [] as string[], errors: [] as string[] };
  const source = RAW_SOURCES.find((name) => name === run.source);
  if (run.kind !== 'run' || source === undefined) return result;
  const fromDate = utcDate(run.startedAt);
  await mapAll(validTickers(run.tickers), LISTING_CONCURRENCY, async (ticker) => {
    try {
      for (const key of await uncataloguedRawKeys(store, warehouse, source, ticker, fromDate)) {
        const parsed = parseKeyOrUndefined(key);
        if (parsed === undefined) continue; // not one of ours: `verify` reports it, nothing to catalogue
        const derived = await describeObject(store, key, parsed);
        if ('reason' in derived) {
          result.errors.push(`${key}: ${derived.reason}`);
          continue;
        }
        await insertCatalogObject(warehouse.db, derived.row);
        result.catalogued.push(key);
      }
    } catch (error) {
      // The lake or the database failing now (or a CatalogConflictError: the catalog has another row for the
      // key, and `verify` says which side is right) leaves the run `running`, reported, for the next attempt.
      result.errors.push(`healing run ${run.runId}, ticker ${ticker}: ${messageOf(error)}`);
    }
  });
  result.catalogued.sort();
  return result;
}

/** Keys under `raw/{source}/{ticker}/` in date folders from `fromDate` on that the catalog does not list. */
async function uncataloguedRawKeys(
  store: ObjectStore,
  warehouse: Warehouse,
  source: SourceName,
  ticker: string,
  fromDate: string,
): Promise<string[]> {
  const prefix = tickerPrefix('raw', ticker, source);
  const catalogued = new Set(
    (await listCatalogObjects(warehouse.db, { kind: 'raw', ticker, fromDate })).map((object) => object.key),
  );
  const missing: string[] = [];
  // Every key in a date folder from fromDate on sorts after `{prefix}{fromDate}`, every earlier one before it.
  let page = await store.list({ prefix, startAfter: `${prefix}${fromDate}` });
  for (;;) {
    for (const object of page.objects) if (!catalogued.has(object.key)) missing.push(object.key);
    if (page.nextContinuationToken === undefined) return missing;
    page = await store.list({ prefix, continuationToken: page.nextContinuationToken });
  }
}

function validTickers(tickers: readonly string[]): string[] {
  return tickers.flatMap((ticker) => {
    try {
      return [normalizeTicker(ticker)];
    } catch {
      return []; // a ticker that failed validation in its run wrote nothing
    }
  });
}

/**
 * Keeps a run's `computation_runs` row alive while it runs: registered live in this process at once, and its
 * heartbeat renewed every `HEARTBEAT_INTERVAL_MS` (a timer that never keeps the process alive by itself).
 */
export class RunHeartbeat {
  private readonly timer: NodeJS.Timeout;
  /** The last renewal's failure, if any: a heartbeat that keeps failing lets other processes take the run for dead. */
  private failure: string | undefined;

  private constructor(
    private readonly warehouse: Warehouse,
    private readonly runId: string,
    intervalMs: number,
  ) {
    liveHere.add(runId);
    this.timer = setInterval(() => void this.renew(), intervalMs);
    this.timer.unref();
  }

  /** Call before the run's row is written, so that this process never takes its own run for dead. */
  static start(warehouse: Warehouse, runId: string, intervalMs: number = HEARTBEAT_INTERVAL_MS): RunHeartbeat {
    return new RunHeartbeat(warehouse, runId, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    liveHere.delete(this.runId);
  }

  /** Runs `work` (which writes the run's row) with the run's heartbeat going, and stops it however `work` ends. */
  static async around<T>(warehouse: Warehouse, runId: string, work: () => Promise<T>): Promise<T> {
    const heartbeat = RunHeartbeat.start(warehouse, runId);
    try {
      return await work();
    } finally {
      heartbeat.stop();
    }
  }

  private async renew(): Promise<void> {
    try {
      await renewRunHeartbeat(this.warehouse.db, this.runId);
      this.failure = undefined;
    } catch (error) {
      const message = messageOf(error);
      // Said once per outage on stderr: it does not fail the run, but past the lease others take it for dead.
      if (this.failure === undefined)
        process.stderr.write(`marketlake: warning: run ${this.runId}: heartbeat failed: ${message}\n`);
      this.failure = message;
    }
  }
}
