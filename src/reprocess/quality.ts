/**
 * The quality checks in a reprocess (docs/design.md "Data quality"): each raw snapshot a reprocess would compute
 * from is judged again, under the configuration and policy of this reprocess, by the snapshot and result checks
 * the daily run applies. The stability checks compare with the newest previous snapshot that no `block` run
 * blocked, as in the daily run. Under `block`, a snapshot with a failed error verdict gives nothing.
 *
 * So a blocked snapshot stays blocked for a reprocess as long as the checks still find the error, and a user who
 * knows the move was real adds an override to the configuration and reprocesses to get its results.
 *
 * The verdicts are reported (the summary, `--json`, the run's `computation_runs` row) but not recorded in
 * `quality_runs` / `quality_results` or a `quality/` object: those hold what the daily runs decided, which is what
 * "blocked" means for the baseline and for `warehouse rebuild` (a reprocess writes no prices, so its verdicts
 * cannot change what a snapshot became). The peer checks do not run: they judge one day's tickers together.
 *
 * A stored snapshot does not record the range its fetch asked for, so history_shrank judges the start of its
 * history as for a rolling window (the CLI's `--range`), as `quality check` does: a run that asked for a later
 * start than the one before (a shorter `--range`) is judged to have lost those dates, and is blocked until the
 * configuration allows for it. The other way round would let a snapshot whose vendor cut its history short give
 * results again.
 */
import type { TickerResults } from '../compute/results.js';
import type { RawReference } from '../lake/formats/processed.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { aboutTicker, type QualityGate } from '../pipeline/quality-gate.js';
import type { QualityPolicy, QualityResult } from '../quality/index.js';
import { findBaseline, type RestatementContext } from '../staleness/detect.js';

/** What the checks said of one raw snapshot. */
export interface SnapshotJudgement {
  ticker: string;
  rawKey: string;
  /** The newest previous snapshot not blocked that the stability checks compared with; null when none. */
  baselineKey: string | null;
  /** Every verdict, passed or not. */
  results: QualityResult[];
  /** Under `block`, a failed error verdict: nothing is computed from the snapshot. */
  blocked: boolean;
}

/**
 * Judges a stored snapshot; `resultsAsOfLast` gives its results as of its last bar (what the daily run judged),
 * computed only when the snapshot checks do not already block it. A baseline the lake cannot return is reported
 * in `lakeErrors` and the stability checks pass without one, as in the daily run.
 */
export async function judgeStoredSnapshot(
  context: Pick<RestatementContext, 'lake' | 'warehouse'> & { quality: QualityGate },
  snapshot: RawSnapshot,
  raw: RawReference,
  resultsAsOfLast: () => TickerResults,
  lakeErrors: string[],
): Promise<SnapshotJudgement> {
  const gate = context.quality;
  const baseline = await findBaseline(context, snapshot.ticker, raw.key, lakeErrors);
  const verdicts = gate.judgeSnapshot(snapshot, baseline?.snapshot);
  if (!gate.blocks(verdicts)) verdicts.push(...gate.judgeResults(snapshot, resultsAsOfLast()));
  return {
    ticker: snapshot.ticker,
    rawKey: raw.key,
    baselineKey: baseline?.key ?? null,
    results: aboutTicker(verdicts, snapshot, raw),
    blocked: gate.blocks(verdicts),
  };
}

/** The `quality` of a reprocess summary. */
export interface ReprocessQualityReport {
  policy: QualityPolicy;
  /** Raw snapshots judged (those the reprocess would compute from). */
  snapshots_judged: number;
  /** Failed verdicts of severity error and warn. */
  errors: number;
  warnings: number;
  /** Snapshots nothing was computed from (policy `block`): the raw key, and the error checks that failed. */
  blocked: { ticker: string; raw_key: string; checks: string[] }[];
  /** Every failed verdict, errors first. */
  failures: {
    ticker: string;
    raw_key: string;
    check: string;
    severity: 'error' | 'warn';
    details: string;
  }[];
}

export function qualityReport(policy: QualityPolicy, judged: readonly SnapshotJudgement[]): ReprocessQualityReport {
  const failed = judged.flatMap((one) =>
    one.results.filter((result) => !result.passed).map((result) => ({ rawKey: one.rawKey, result })),
  );
  const bySeverity = (severity: 'error' | 'warn') => failed.filter(({ result }) => result.severity === severity);
  return {
    policy,
    snapshots_judged: judged.length,
    errors: bySeverity('error').length,
    warnings: bySeverity('warn').length,
    blocked: judged
      .filter((one) => one.blocked)
      .map((one) => ({
        ticker: one.ticker,
        raw_key: one.rawKey,
        checks: one.results.filter((r) => !r.passed && r.severity === 'error').map((r) => r.check),
      })),
    failures: [...bySeverity('error'), ...bySeverity('warn')].map(({ rawKey, result }) => ({
      ticker: result.ticker,
      raw_key: rawKey,
      check: result.check,
      severity: result.severity,
      details: result.details,
    })),
  };
}
