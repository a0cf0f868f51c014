/**
 * The run's quality verdicts, once its tickers are done: the peer checks over all of them, then the verdicts
 * stored (`quality_results`, one transaction) and the run's quality object written to the lake
 * (`quality/{RUN_DATE}/{RUN_ID}.json`). The rows come first and are the object's outbox: an object the lake
 * refuses is rendered again from them by `lake retry` or the next run (`writePendingQualityObjects`).
 */
import { qualityDocument, qualityKey, renderQuality, type QualityDocument } from '../lake/formats/quality.js';
import { utcDate } from '../market/dates.js';
import type { QualityResult } from '../quality/index.js';
import { ObjectExistsError } from '../storage/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { UserError } from '../errors.js';
import type { Warehouse } from '../warehouse/database.js';
import {
  listPendingQualityRuns,
  markQualityObjectFailed,
  markQualityObjectWritten,
  qualityResultsOfRun,
  recordQualityRun,
  type QualityRun,
} from '../warehouse/quality.js';
import { errorText } from '../warehouse/sql-helpers.js';
import type { QualityGate } from './quality-gate.js';
import type { TickerOutcome } from './ticker-job.js';

/** The failed verdicts the summary lists in full; beyond them it counts (the lake object and the table hold all). */
const LISTED_FAILURES = 100;

/** The run summary's `quality`. */
export interface QualityReport {
  policy: 'block' | 'warn';
  /** Tickers the checks judged (those with a snapshot, and those whose vendor answer changed shape). */
  tickers_checked: number;
  /** Every verdict, passed or not (one per check and ticker judged). */
  verdicts: number;
  /** Failed verdicts of severity error and warn. */
  errors: number;
  warnings: number;
  /** Tickers whose prices and results were not written (policy `block`, an error finding). */
  blocked: string[];
  /**
   * Tickers whose results were written with a quality mark (a snapshot or result check failed: an error under
   * `warn`, or only warnings): their lake objects are tagged `quality=flagged` and their rows name the checks in
   * `quality_failed` (docs/design.md "Data quality").
   */
  marked: string[];
  /** The failed verdicts, errors first (at most 100; `failures_not_listed` counts the rest). */
  failures: { ticker: string; check: string; severity: 'error' | 'warn'; details: string }[];
  failures_not_listed: number;
  /**
   * The run's quality object: its key once the lake took it, else null (pending: `lake retry` writes it; or the run
   * judged no ticker, and has none).
   */
  object: string | null;
}

export async function finishQuality(
  store: ObjectStore,
  warehouse: Warehouse,
  gate: QualityGate,
  run: { runId: string; checkedAt: Date },
  outcomes: readonly TickerOutcome[],
  lakeErrors: string[],
): Promise<{ report: QualityReport; results: QualityResult[]; written?: { key: string; document: QualityDocument } }> {
  const judged = outcomes.flatMap((outcome) => (outcome.quality ? [outcome.quality] : []));
  const results = inObjectOrder([
    ...judged.flatMap((quality) => quality.results),
    ...gate.judgePeers(judged.flatMap((quality) => (quality.peers ? [quality.peers] : []))),
  ]);
  const runDate = utcDate(run.checkedAt);
  const qualityRun: QualityRun = {
    runId: run.runId,
    runDate,
    checkedAt: run.checkedAt,
    policy: gate.policy,
    computationVersion: gate.computationVersion,
    lakeKey: qualityKey(runDate, run.runId),
  };
  // A run that judged nothing (every fetch failed) has no verdicts to keep, and writes no object.
  const written: { error?: string; document?: QualityDocument } =
    results.length === 0
      ? { error: 'nothing judged' }
      : await recordAndWrite(store, warehouse, qualityRun, results, lakeErrors);

  const failed = results.filter((result) => !result.passed);
  const ordered = [...failed.filter((r) => r.severity === 'error'), ...failed.filter((r) => r.severity === 'warn')];
  return {
    results,
    ...(written.error === undefined && written.document !== undefined
      ? { written: { key: qualityRun.lakeKey, document: written.document } }
      : {}),
    report: {
      policy: gate.policy,
      tickers_checked: judged.length,
      verdicts: results.length,
      errors: failed.filter((result) => result.severity === 'error').length,
      warnings: failed.filter((result) => result.severity === 'warn').length,
      blocked: outcomes.filter((outcome) => outcome.quality?.blocked && outcome.status === 'ok').map((o) => o.ticker),
      marked: outcomes.filter((outcome) => outcome.quality?.marked && outcome.status === 'ok').map((o) => o.ticker),
      failures: ordered.slice(0, LISTED_FAILURES).map((result) => ({
        ticker: result.ticker,
        check: result.check,
        severity: result.severity,
        details: result.details,
      })),
      failures_not_listed: Math.max(0, ordered.length - LISTED_FAILURES),
      object: written.error === undefined ? qualityRun.lakeKey : null,
    },
  };
}

async function recordAndWrite(
  store: ObjectStore,
  warehouse: Warehouse,
  run: QualityRun,
  results: readonly QualityResult[],
  lakeErrors: string[],
): Promise<{ error?: string; document: QualityDocument }> {
  await recordQualityRun(warehouse.db, run, results);
  const written = await writeQualityObject(store, warehouse, run, results);
  if (written.error !== undefined) lakeErrors.push(`${run.lakeKey}: ${written.error}`);
  return written;
}

/**
 * The order of the object's verdicts (ticker, then check, by code unit): the run and a later retry render the same
 * bytes, so a retry after a put whose answer was lost finds its own object (same sha256) instead of a conflict.
 * Not the database's ORDER BY, whose collation may differ.
 */
function inObjectOrder<T extends { ticker: string; check: string }>(results: T[]): T[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return results.sort((a, b) => compare(a.ticker, b.ticker) || compare(a.check, b.check));
}

/** The quality objects the lake refused before, rendered again from their rows. */
export async function writePendingQualityObjects(
  store: ObjectStore,
  warehouse: Warehouse,
): Promise<{ written: string[]; lakeErrors: string[] }> {
  const report = { written: [] as string[], lakeErrors: [] as string[] };
  for (const run of await listPendingQualityRuns(warehouse.db)) {
    const results = inObjectOrder(await qualityResultsOfRun(warehouse.db, run.runId));
    const outcome = await writeQualityObject(store, warehouse, run, results);
    if (outcome.error === undefined) report.written.push(run.lakeKey);
    else report.lakeErrors.push(`${run.lakeKey}: ${outcome.error}`);
  }
  return report;
}

/**
 * Create-only put; a key already holding the same bytes is this object written before (its answer was lost). A
 * lake failure is recorded on the run's row and returned; anything else (a bug rendering our own object) throws.
 */
async function writeQualityObject(
  store: ObjectStore,
  warehouse: Warehouse,
  run: QualityRun,
  results: Parameters<typeof qualityDocument>[1],
): Promise<{ error?: string; document: QualityDocument }> {
  const document = qualityDocument(
    {
      runId: run.runId,
      computationVersion: run.computationVersion,
      checkedAt: run.checkedAt.toISOString(),
      policy: run.policy,
    },
    results,
  );
  const rendered = renderQuality(run.lakeKey, document);
  let versionId: string;
  try {
    try {
      versionId = (
        await store.put({
          key: run.lakeKey,
          body: rendered.body,
          contentType: rendered.contentType,
          tags: rendered.tags,
          metadata: rendered.metadata,
        })
      ).versionId;
    } catch (error) {
      if (!(error instanceof ObjectExistsError)) throw error;
      const existing = await store.head(run.lakeKey);
      if (existing.metadata.content_sha256 !== rendered.sha256) throw error;
      versionId = existing.versionId;
    }
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const text = errorText(error);
    await markQualityObjectFailed(warehouse.db, run.runId, text);
    return { error: text, document };
  }
  await markQualityObjectWritten(warehouse.db, run.runId, versionId);
  return { document };
}
