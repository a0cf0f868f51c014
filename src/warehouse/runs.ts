/**
 * `computation_runs`: one row per `run` or `reprocess`: when, which version, which tickers, what happened.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ProcessIdentity } from '../process-liveness.js';
import { redactDeep } from '../secrets.js';
import type { ComputationRunsTable, Database, JsonObject, RunKind, RunStatus } from './schema.js';
import { jsonText } from './sql-helpers.js';

export interface StartRunInput {
  runId: string;
  kind: RunKind;
  computationVersion: string;
  /** Where the snapshots come from (e.g. `yfinance`, `sample`, `csv`). */
  source: string;
  tickers: readonly string[];
  /** Defaults to the database's now(). */
  startedAt?: Date | string;
  /** The process running it, so that a later run can tell whether it died (see src/pipeline/interrupted-runs.ts). */
  owner?: ProcessIdentity;
}

export type FinalRunStatus = Exclude<RunStatus, 'running'>;

export interface ComputationRun {
  runId: string;
  kind: RunKind;
  startedAt: Date;
  finishedAt: Date | null;
  computationVersion: string;
  source: string;
  tickers: string[];
  status: RunStatus;
  summary: JsonObject | null;
  owner: JsonObject | null;
  heartbeatAt: Date | null;
}

/** A run recorded as running, with how long ago (by the database's clock) it last showed a sign of life. */
export interface RunningRun extends ComputationRun {
  /** Since its last heartbeat, or since it started for rows written before heartbeats existed. */
  silentForMs: number;
}

/** Records a run as 'running'. A run id can be used once: starting it again violates the primary key. */
export async function startRun(db: Kysely<Database>, input: StartRunInput): Promise<void> {
  await db
    .insertInto('computation_runs')
    .values({
      run_id: input.runId,
      kind: input.kind,
      computation_version: input.computationVersion,
      source: input.source,
      // As given (refused ones too), so redacted like the summary.
      tickers: jsonText(redactDeep(input.tickers), `run ${input.runId} tickers`),
      status: 'running',
      ...(input.startedAt === undefined ? {} : { started_at: input.startedAt }),
      ...(input.owner === undefined ? {} : { owner: jsonText(input.owner, `run ${input.runId} owner`) }),
      heartbeat_at: sql<Date>`now()`,
    })
    .execute();
}

/**
 * Marks a running run finished. Throws if the run is unknown or already finished. A run that a later run took
 * for dead (`aborted`: its heartbeat stopped for longer than the lease, e.g. a process paused for minutes) and
 * that finishes after all records its real outcome over the verdict. The summary is redacted
 * (src/secrets.ts): it carries the reasons of failed tickers, lake writes and lineage deliveries, any of which
 * may quote a URL.
 */
export async function finishRun(
  db: Kysely<Database>,
  runId: string,
  status: FinalRunStatus,
  summary: object,
): Promise<void> {
  const updated = await db
    .updateTable('computation_runs')
    .set((eb) => ({
      status,
      summary: jsonText(redactDeep(summary), `run ${runId} summary`),
      finished_at: eb.fn<Date>('now'),
    }))
    .where('run_id', '=', runId)
    .where('status', 'in', ['running', 'aborted'])
    .returning('run_id')
    .executeTakeFirst();
  if (updated !== undefined) return;
  const existing = await getRun(db, runId);
  if (existing === undefined) throw new Error(`cannot finish run ${runId}: no such run`);
  throw new Error(`cannot finish run ${runId}: it already finished with status ${existing.status}`);
}

/** Renews a running run's heartbeat (the database's now()); false when it is no longer `running`. */
export async function renewRunHeartbeat(db: Kysely<Database>, runId: string): Promise<boolean> {
  const updated = await db
    .updateTable('computation_runs')
    .set({ heartbeat_at: sql<Date>`now()` })
    .where('run_id', '=', runId)
    .where('status', '=', 'running')
    .returning('run_id')
    .executeTakeFirst();
  return updated !== undefined;
}

/** Every run recorded as `running` (finished or killed alike: telling them apart is the caller's job). */
export async function listRunningRuns(db: Kysely<Database>): Promise<RunningRun[]> {
  const rows = await db
    .selectFrom('computation_runs')
    .selectAll()
    .select(
      sql<number>`(extract(epoch from (now() - coalesce(heartbeat_at, started_at))) * 1000)::float8`.as(
        'silent_for_ms',
      ),
    )
    .where('status', '=', 'running')
    .orderBy('started_at')
    .execute();
  return rows.map((row) => ({ ...fromRow(row), silentForMs: Number(row.silent_for_ms) }));
}

/**
 * Marks a run that was found dead `aborted`, with `summary` saying why and what was healed; false when it is no
 * longer `running` (it finished, or another process marked it first).
 */
export async function abortRun(db: Kysely<Database>, runId: string, summary: object): Promise<boolean> {
  const updated = await db
    .updateTable('computation_runs')
    .set((eb) => ({
      status: 'aborted',
      summary: jsonText(summary, `run ${runId} summary`),
      finished_at: eb.fn<Date>('now'),
    }))
    .where('run_id', '=', runId)
    .where('status', '=', 'running')
    .returning('run_id')
    .executeTakeFirst();
  return updated !== undefined;
}

export async function getRun(db: Kysely<Database>, runId: string): Promise<ComputationRun | undefined> {
  const row = await db.selectFrom('computation_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

function fromRow(row: Selectable<ComputationRunsTable>): ComputationRun {
  return {
    runId: row.run_id,
    kind: row.kind,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    computationVersion: row.computation_version,
    source: row.source,
    tickers: row.tickers,
    status: row.status,
    summary: row.summary,
    owner: row.owner,
    heartbeatAt: row.heartbeat_at,
  };
}

/** The newest runs first (by start, then id), at most `limit` of them. */
export async function listRuns(db: Kysely<Database>, limit: number): Promise<ComputationRun[]> {
  const rows = await db
    .selectFrom('computation_runs')
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(fromRow);
}

/**
 * The lake errors (writes the lake refused, left to the outbox) the newest finished run or reprocess recorded in
 * its summary; undefined before any finished run. A run that stopped before it wrote a summary counts 0.
 */
export async function lakeErrorsOfNewestRun(db: Kysely<Database>): Promise<number | undefined> {
  const row = await db
    .selectFrom('computation_runs')
    .select(sql<string>`coalesce(jsonb_array_length(summary -> 'lake_errors'), 0)`.as('lake_errors'))
    .where('status', '<>', 'running')
    .orderBy('finished_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.lake_errors);
}

/** How many runs are recorded under each status (statuses without a run are left out). */
export async function countRunsByStatus(db: Kysely<Database>): Promise<Partial<Record<RunStatus, number>>> {
  const rows = await db
    .selectFrom('computation_runs')
    .select(['status', (eb) => eb.fn.countAll<string>().as('runs')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.runs)]));
}
