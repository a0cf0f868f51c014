/**
 * `computation_runs`: one row per `run` or `reprocess`: when, which version, which tickers, what happened.
 */
import type { Kysely, Selectable } from 'kysely';
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
    })
    .execute();
}

/**
 * Marks a running run finished. Throws if the run is unknown or already finished. The summary is redacted
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
    .where('status', '=', 'running')
    .returning('run_id')
    .executeTakeFirst();
  if (updated !== undefined) return;
  const existing = await getRun(db, runId);
  if (existing === undefined) throw new Error(`cannot finish run ${runId}: no such run`);
  throw new Error(`cannot finish run ${runId}: it already finished with status ${existing.status}`);
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
  };
}
