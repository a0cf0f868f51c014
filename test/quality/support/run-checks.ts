/**
 * Runs every phase of the quality checks over a set of snapshots, the way the daily run will: the snapshot
 * checks (with each ticker's previous snapshot when given), the result checks for each computation version, then
 * the peer checks against calendars built from all the snapshots. Shared by the clean-universe test, the
 * seeded-fault corpus and the confusion-matrix script.
 */
import { COMPUTATION_VERSIONS, type ComputationVersion } from '../../../src/compute/fields.js';
import { computeResults } from '../../../src/compute/results.js';
import type { RawSnapshot } from '../../../src/lake/formats/raw.js';
import {
  checkAgainstPeers,
  checkResults,
  checkSnapshot,
  DEFAULT_QUALITY_CONFIG,
  peerCalendars,
  type CheckVerdict,
  type QualityConfig,
} from '../../../src/quality/index.js';
import { marketOfTicker } from '../../../src/sources/markets.js';

export interface Judged {
  ticker: string;
  verdicts: CheckVerdict[];
}

export interface TickerEvidence {
  snapshot: RawSnapshot;
  previous?: RawSnapshot;
  /** The first date the fetch asked for (stability.history_shrank judges the start of the history by it). */
  requestStart?: string;
}

export function runAllChecks(
  evidence: readonly TickerEvidence[],
  config: QualityConfig = DEFAULT_QUALITY_CONFIG,
  versions: readonly ComputationVersion[] = COMPUTATION_VERSIONS,
): Judged[] {
  const calendars = peerCalendars(
    evidence.map(({ snapshot }) => ({
      ticker: snapshot.ticker,
      market: marketOfTicker(snapshot.ticker),
      dates: snapshot.bars.map((bar) => bar.date),
    })),
    config,
  );
  return evidence.map(({ snapshot, previous, requestStart }) => {
    const ticker = snapshot.ticker;
    const market = marketOfTicker(ticker);
    const verdicts = checkSnapshot({ ticker, market, snapshot, previous, requestStart }, config);
    for (const version of versions) {
      const results = computeResults(snapshot, version);
      verdicts.push(...checkResults({ ticker, market, version, results, bars: snapshot.bars }, config));
    }
    const dates = snapshot.bars.map((bar) => bar.date);
    const previousDates = previous?.bars.map((bar) => bar.date);
    verdicts.push(...checkAgainstPeers({ ticker, market, dates, previousDates }, calendars.get(market), config));
    return { ticker, verdicts };
  });
}

/** The failed verdicts, as `ticker check: details` lines, for assertion messages and printed summaries. */
export function failures(judged: readonly Judged[], severity?: 'error' | 'warn'): string[] {
  return judged.flatMap(({ ticker, verdicts }) =>
    verdicts
      .filter((v) => !v.passed && (severity === undefined || v.severity === severity))
      .map((v) => `${ticker} ${v.check} [${v.severity}]: ${v.details}`),
  );
}
