/**
 * `quality_runs` and `quality_results` (migration 0008): what the quality checks said in each run (src/quality),
 * and whether the run's quality object reached the lake. The rows are that object's outbox: a run records them
 * first, then writes the object, then marks it written; `lake retry` and the next run render it again from the
 * rows when the lake refused it.
 */
import { sql, type Kysely } from 'kysely';
import {
  qualityResultRow,
  type QualityObservation,
  type QualityResultRow as DocumentRow,
  type QualityVerdictInput,
} from '../lake/formats/quality.js';
import type { Database } from './schema.js';

/** One verdict as stored: the lake document's input (src/quality/finding.ts `QualityResult` is assignable to it). */
export type QualityResultRow = QualityVerdictInput;

export interface QualityRun {
  runId: string;
  /** `YYYY-MM-DD`, the run's UTC date: the object's key and partition. */
  runDate: string;
  checkedAt: Date;
  policy: 'block' | 'warn';
  computationVersion: string;
  lakeKey: string;
}

/**
 * The run and its verdicts, all or nothing. A run of 500 tickers has about 8,500 verdicts: they travel as ONE JSON
 * parameter that PostgreSQL unpacks (binding 13 parameters a row took 0.45 s on PGlite), grouped by what a ticker's
 * verdicts share (its market, date and raw snapshot: 1.2 MB instead of 3.2 MB, so less to make and to parse), into a
 * table whose run is checked once per statement (migration 0012). docs/benchmarks.md "Data quality" has the figures.
 */
export async function recordQualityRun(
  db: Kysely<Database>,
  run: QualityRun,
  results: readonly QualityResultRow[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('quality_runs').values(runRow(run)).execute();
    await insertResults(trx, run.runId, results.map(qualityResultRow));
  });
}

/**
 * A run's verdicts as its lake object holds them (`warehouse rebuild`), the object recorded as written with
 * `versionId` at the run's check time. A run the table already has is left as it is: returns false.
 */
export async function restoreQualityRun(
  db: Kysely<Database>,
  run: QualityRun,
  versionId: string,
  rows: readonly StoredQualityRow[],
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('quality_runs')
      .values({ ...runRow(run), version_id: versionId, written_at: run.checkedAt })
      .onConflict((conflict) => conflict.column('run_id').doNothing())
      .returning('run_id')
      .executeTakeFirst();
    if (inserted === undefined) return false;
    await insertResults(trx, run.runId, rows);
    return true;
  });
}

/** A verdict as the lake object stores it (the raw snapshot flattened). */
export type StoredQualityRow = DocumentRow;

function runRow(run: QualityRun) {
  return {
    run_id: run.runId,
    run_date: run.runDate,
    checked_at: run.checkedAt,
    policy: run.policy,
    computation_version: run.computationVersion,
    lake_key: run.lakeKey,
  };
}

async function insertResults(
  trx: Kysely<Database>,
  runId: string,
  results: readonly StoredQualityRow[],
): Promise<void> {
  if (results.length === 0) return;
  await sql`
    insert into quality_results (run_id, ticker, check_id, market, severity, passed, observed, expected, details,
      as_of, raw_key, raw_version_id, raw_sha256)
    select ${runId}, s.ticker, v.check_id, s.market, v.severity, v.passed, coalesce(v.observed, 'null'::jsonb),
      coalesce(v.expected, 'null'::jsonb), v.details, s.as_of, s.raw_key, s.raw_version_id, s.raw_sha256
    from jsonb_to_recordset(${JSON.stringify(groupBySubject(results))}::jsonb) as s(ticker text, market text,
      as_of date, raw_key text, raw_version_id text, raw_sha256 text, verdicts jsonb)
    cross join lateral jsonb_to_recordset(s.verdicts) as v(check_id text, severity text, passed boolean,
      observed jsonb, expected jsonb, details text)`.execute(trx);
}

/** What several verdicts share: the ticker judged, its market and date, and the raw snapshot they name. */
interface VerdictSubject {
  ticker: string;
  market: string;
  as_of: string | null;
  raw_key: string | null;
  raw_version_id: string | null;
  raw_sha256: string | null;
  verdicts: {
    check_id: string;
    severity: string;
    passed: boolean;
    observed: QualityObservation;
    expected: QualityObservation;
    details: string;
  }[];
}

function groupBySubject(results: readonly StoredQualityRow[]): VerdictSubject[] {
  const subjects = new Map<string, VerdictSubject>();
  for (const row of results) {
    const id = JSON.stringify([row.ticker, row.market, row.as_of, row.raw_key, row.raw_version_id, row.raw_sha256]);
    let subject = subjects.get(id);
    if (subject === undefined) {
      subject = {
        ticker: row.ticker,
        market: row.market,
        as_of: row.as_of,
        raw_key: row.raw_key,
        raw_version_id: row.raw_version_id,
        raw_sha256: row.raw_sha256,
        verdicts: [],
      };
      subjects.set(id, subject);
    }
    const { check, severity, passed, observed, expected, details } = row;
    subject.verdicts.push({ check_id: check, severity, passed, observed, expected, details });
  }
  return [...subjects.values()];
}

export async function markQualityObjectWritten(db: Kysely<Database>, runId: string, versionId: string): Promise<void> {
  await db
    .updateTable('quality_runs')
    .set({ version_id: versionId, written_at: new Date(), last_error: null })
    .where('run_id', '=', runId)
    .execute();
}

export async function markQualityObjectFailed(db: Kysely<Database>, runId: string, error: string): Promise<void> {
  await db
    .updateTable('quality_runs')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error }))
    .where('run_id', '=', runId)
    .where('written_at', 'is', null)
    .execute();
}

/** The runs whose quality object the lake has not taken yet, oldest first. */
export async function listPendingQualityRuns(db: Kysely<Database>): Promise<QualityRun[]> {
  const rows = await db
    .selectFrom('quality_runs')
    .select(['run_id', 'run_date', 'checked_at', 'policy', 'computation_version', 'lake_key'])
    .where('written_at', 'is', null)
    .orderBy('checked_at')
    .execute();
  return rows.map((row) => ({
    runId: row.run_id,
    runDate: row.run_date,
    checkedAt: row.checked_at,
    policy: row.policy,
    computationVersion: row.computation_version,
    lakeKey: row.lake_key,
  }));
}

export async function countPendingQualityRuns(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('quality_runs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('written_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A run's verdicts, in a stable order (ticker, check). */
export async function qualityResultsOfRun(db: Kysely<Database>, runId: string): Promise<QualityResultRow[]> {
  const rows = await db
    .selectFrom('quality_results')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('ticker')
    .orderBy('check_id')
    .execute();
  return rows.map((row) => ({
    check: row.check_id,
    ticker: row.ticker,
    market: row.market,
    severity: row.severity,
    passed: row.passed,
    // Written from a QualityObservation (recordQualityRun): JSON gives back the same shape.
    observed: row.observed as QualityObservation,
    expected: row.expected as QualityObservation,
    details: row.details,
    as_of: row.as_of,
    raw:
      row.raw_key === null
        ? null
        : { key: row.raw_key, versionId: row.raw_version_id ?? '', sha256: row.raw_sha256 ?? '' },
  }));
}
