import { UserError } from '../errors.js';
import type { WrittenObject } from '../lake/data-lake.js';
import type { RawReference } from '../lake/formats/processed.js';
import { PROCESSED_KINDS } from '../lake/keys.js';
import { toSeries } from '../market/bars.js';
import { normalizeTicker } from '../market/ticker.js';
import { barsOf } from '../lake/formats/raw-bars.js';
import { commitResults, drainCommitted, type ResultSet, type ResultWriteContext } from '../pipeline/result-write.js';
import type { TickerResults } from '../compute/results.js';
import type { QualityGate } from '../pipeline/quality-gate.js';
import type { QualityMark } from '../lake/formats/quality-mark.js';
import { AsOfCalculator } from './as-of.js';
import { judgeStoredSnapshot, type SnapshotJudgement } from './quality.js';
import { existingKey, findExisting } from './idempotency.js';
import { readRawSnapshot } from './raw-reader.js';
import { selectSnapshots, type SnapshotScope } from './scope.js';

export interface TickerReprocessContext extends ResultWriteContext {
  scope: SnapshotScope;
  backfill: boolean;
  /** Only these as-of dates per ticker (see ReprocessOptions.onlyAsOf). */
  onlyAsOf?: ReadonlyMap<string, ReadonlySet<string>>;
  /** As-of dates committed per statement in a backfill (rows and outbox entries of three objects each). */
  batchSize: number;
  clock: () => Date;
  /** The quality checks each snapshot is judged by before anything is computed from it; none without it. */
  quality?: QualityGate;
}

export interface TickerReprocessOutcome {
  ticker: string;
  status: 'ok' | 'failed';
  error?: string;
  /** The raw snapshots read. */
  inputs: RawReference[];
  written: WrittenObject[];
  /** Objects not written because an identical one exists (see idempotency.ts). */
  skipped: number;
  /** As-of dates computed. */
  dates: number;
  lakeErrors: string[];
  /** What the quality checks said of each snapshot judged (with `context.quality`), newest first. */
  judged?: SnapshotJudgement[];
}

/**
 * One ticker: its raw snapshots in scope, read from the lake, judged by the quality checks (quality.ts), computed
 * under the version as of their last bar (or, with backfill, as of every date of their window), written through
 * the daily run's write path. A snapshot the checks block gives nothing; the ticker is still `ok`.
 * A failure stops this ticker only; what it committed before stays (each batch is complete on its own).
 */
export async function reprocessTicker(
  context: TickerReprocessContext,
  requested: string,
): Promise<TickerReprocessOutcome> {
  const outcome: TickerReprocessOutcome = {
    ticker: requested,
    status: 'failed',
    inputs: [],
    written: [],
    skipped: 0,
    dates: 0,
    lakeErrors: [],
  };
  try {
    const ticker = normalizeTicker(requested);
    outcome.ticker = ticker;
    const candidates = await selectSnapshots(context.lake.store, context.warehouse, ticker, context.scope);
    if (candidates.length === 0)
      throw new UserError(`no raw snapshot of ${ticker} in the lake catalog${describeScope(context.scope)}`);

    // Newest snapshot first: a date several snapshots hold is computed from the newest one only. Without a range
    // the newest snapshot is the one computed, or, when the checks block it, the newest one they do not block.
    const ranged = context.scope.from !== undefined || context.scope.to !== undefined;
    let settled = false;
    const claimed = new Set<string>();
    for (const candidate of candidates) {
      if (!ranged && settled) break;
      const { snapshot, reference } = await readRawSnapshot(context.lake.store, candidate);
      outcome.inputs.push(reference);
      const series = toSeries(barsOf(snapshot));
      const last = series.dates.length - 1;
      // With onlyAsOf, a ticker it does not name has nothing to recompute.
      const wanted = context.onlyAsOf ? (context.onlyAsOf.get(ticker) ?? new Set<string>()) : undefined;
      const indices = (context.backfill || wanted ? series.dates.map((_, i) => i) : [last]).filter(
        (i) => !claimed.has(series.dates[i]) && (wanted === undefined || wanted.has(series.dates[i])),
      );
      if (indices.length === 0) {
        settled = true;
        continue;
      }

      const calculator = new AsOfCalculator(series, context.computationVersion);
      let lastResults: TickerResults | undefined; // judged and, usually, written: computed once
      const resultsAt = (i: number) => (i === last ? (lastResults ??= calculator.at(i)) : calculator.at(i));
      // Results computed from a snapshot that failed a check, and written all the same, carry the mark.
      let mark: QualityMark | undefined;
      if (context.quality !== undefined) {
        const quality = { ...context, quality: context.quality };
        const judged = await judgeStoredSnapshot(
          quality,
          snapshot,
          reference,
          () => resultsAt(last),
          outcome.lakeErrors,
        );
        (outcome.judged ??= []).push(judged);
        // Nothing from it, and its dates stay free for an older snapshot in scope that holds them.
        if (judged.blocked) continue;
        mark = context.quality.mark(context.runId, judged.results);
      }
      settled = true;
      for (const i of indices) claimed.add(series.dates[i]);
      const existing = await findExisting(
        context.warehouse,
        context.lake.store,
        ticker,
        context.computationVersion,
        reference,
        mark?.failed ?? null,
      );
      const computedAt = context.clock().toISOString();
      for (let start = 0; start < indices.length; start += context.batchSize) {
        const sets: ResultSet[] = indices.slice(start, start + context.batchSize).map((i) => {
          const results = resultsAt(i);
          const found: ResultSet['existing'] = {};
          for (const kind of PROCESSED_KINDS) {
            const object = existing.get(existingKey(kind, results.asOf));
            if (object) found[kind] = object;
          }
          outcome.skipped += Object.keys(found).length;
          return { results, existing: found, ...(mark ? { quality: mark } : {}) };
        });
        outcome.dates += sets.length;
        const committed = await commitResults(context, ticker, reference, sets, computedAt);
        const drained = await drainCommitted(context, committed);
        outcome.written.push(...drained.written);
        outcome.lakeErrors.push(...drained.lakeErrors);
      }
    }
    outcome.status = 'ok';
  } catch (error) {
    outcome.error = error instanceof Error ? error.message : String(error);
  }
  return outcome;
}

function describeScope(scope: SnapshotScope): string {
  if (scope.from === undefined && scope.to === undefined) return '';
  return ` whose last bar is ${scope.from ? `from ${scope.from}` : ''}${scope.from && scope.to ? ' ' : ''}${scope.to ? `to ${scope.to}` : ''}`;
}
