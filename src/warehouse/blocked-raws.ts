/**
 * Raw snapshots a `block` run kept out (docs/design.md "Data quality"): the ones a `quality_results` row of a run
 * under the `block` policy names with a failed error verdict of a check that can block (the snapshot, result and
 * vendor checks). The peer checks run once the tickers are written and never block, so their verdicts do not
 * count, whatever severity a configuration gives them. Only the daily run records verdicts, and it judges each
 * raw snapshot it stores once: "blocked" is what that run decided, not what a later configuration would say.
 *
 * The probes read the partial index of migration 0010 (failed error verdicts by raw key). `blockedRawOf` is the same
 * rule over a verdict in hand, for `warehouse rebuild`, which reads the verdicts from the lake's quality objects.
 */
import { sql, type Expression, type RawBuilder } from 'kysely';
import { textArrayLiteral } from './sql-helpers.js';

/**
 * The checks of the peer phase (src/quality/catalog.ts `checksOfPhase('peers')`, which a test holds this list
 * to): the warehouse comes before the checks in the layering, so it keeps their ids as data.
 */
export const NON_BLOCKING_CHECKS: readonly string[] = [
  'completeness.peer_dates',
  'completeness.new_gaps',
  'freshness.last_bar',
];

/** SQL: whether a `block` run blocked the raw object whose key is `key`. */
export function blockedRawCondition(key: Expression<string>): RawBuilder<boolean> {
  return sql<boolean>`exists (
    select from quality_results blocking
    join quality_runs blocking_run on blocking_run.run_id = blocking.run_id
    where blocking.raw_key = ${key} and not blocking.passed and blocking.severity = 'error'
      and blocking_run.policy = 'block'
      and blocking.check_id <> all(${textArrayLiteral(NON_BLOCKING_CHECKS)}::text[]))`;
}

/** The raw key a verdict of a run under `policy` blocked, if it blocked one: the rule of `blockedRawCondition`. */
export function blockedRawOf(
  policy: 'block' | 'warn',
  verdict: { check: string; severity: 'error' | 'warn'; passed: boolean; raw_key: string | null },
): string | undefined {
  const blocks =
    policy === 'block' &&
    !verdict.passed &&
    verdict.severity === 'error' &&
    !NON_BLOCKING_CHECKS.includes(verdict.check);
  return blocks && verdict.raw_key !== null ? verdict.raw_key : undefined;
}
