/**
 * The quality checks (src/quality) as the daily run uses them: judge each ticker's snapshot and results before
 * anything computed from them is written, decide whether the policy blocks them, and judge the run's tickers of
 * each market against their peers once they are all in.
 *
 * The snapshot and result checks run inside the ticker's job, so that under the `block` policy a ticker with an
 * error finding keeps its raw snapshot (the vendor's record) and writes no prices or results. The peer checks
 * (completeness, freshness) need every ticker of a market and run after them: they are reported, stored and
 * alerted, but cannot block what is already written (docs/design.md "Data quality").
 */
import type { ComputationVersion } from '../compute/fields.js';
import type { TickerResults } from '../compute/results.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { qualityMark, type QualityMark } from '../lake/formats/quality-mark.js';
import {
  checkAgainstPeers,
  checkResults,
  checkSnapshot,
  DEFAULT_QUALITY_CONFIG,
  peerCalendars,
  settingsFor,
  type CheckVerdict,
  type JudgedSnapshot,
  type QualityConfig,
  type QualityPolicy,
  type QualityResult,
} from '../quality/index.js';
import { marketOfTicker, type Market } from '../sources/markets.js';

/** What the peer checks need of a ticker, kept by its job until the run has them all. */
export interface PeerEvidence {
  ticker: string;
  market: Market;
  dates: readonly string[];
  previousDates?: readonly string[];
  raw: JudgedSnapshot | null;
  asOf: string | null;
}

/** A ticker's verdicts so far, and whether they keep its prices and results out of the database and the lake. */
export interface TickerQuality {
  results: QualityResult[];
  blocked: boolean;
  /** Its results were written with a quality mark (a snapshot or result check failed and nothing blocked them). */
  marked: boolean;
  /** For the peer checks; absent when the ticker has no snapshot. */
  peers?: PeerEvidence;
}

export class QualityGate {
  constructor(
    readonly config: QualityConfig = DEFAULT_QUALITY_CONFIG,
    readonly computationVersion: ComputationVersion,
  ) {}

  get policy(): QualityPolicy {
    return this.config.policy;
  }

  /**
   * The snapshot checks (consistency, plausibility, stability against the previous snapshot). `request` is the
   * range the fetch asked for: history outside it is not lost when the range was shortened or ends earlier.
   * Without it (a stored snapshot judged again: the snapshot does not record what was asked), history_shrank
   * allows for a rolling window instead (src/quality/snapshot-checks.ts).
   */
  judgeSnapshot(
    snapshot: RawSnapshot,
    previous: RawSnapshot | undefined,
    request?: { start: string; end: string },
  ): CheckVerdict[] {
    const ticker = snapshot.ticker;
    const input = { ticker, market: marketOfTicker(ticker), snapshot };
    const asked = request ? { requestStart: request.start, requestEnd: request.end } : {};
    return checkSnapshot({ ...input, ...asked, ...(previous ? { previous } : {}) }, this.config);
  }

  /** The result checks (missing values where the window is long enough, values outside their domain). */
  judgeResults(snapshot: RawSnapshot, results: TickerResults): CheckVerdict[] {
    const ticker = snapshot.ticker;
    return checkResults(
      { ticker, market: marketOfTicker(ticker), version: this.computationVersion, results, bars: snapshot.bars },
      this.config,
    );
  }

  /** Under `block`, a failed error verdict keeps what would be computed from the snapshot out of the warehouse. */
  blocks(verdicts: readonly CheckVerdict[]): boolean {
    return this.policy === 'block' && hasFailedError(verdicts);
  }

  /**
   * The mark of results written although `verdicts` (a snapshot's and its results') failed: under `warn`, or when
   * only warnings failed. Any failed verdict marks, whatever the policy; undefined when every verdict passed. The
   * peer checks come after the results are written and do not mark them (the objects are immutable).
   */
  mark(runId: string, verdicts: readonly CheckVerdict[]): QualityMark | undefined {
    return qualityMark(
      runId,
      verdicts.filter((verdict) => !verdict.passed),
    );
  }

  /**
   * The verdict on the vendor's answer: failed when it could not become a snapshot (its shape changed; there is no
   * snapshot), passed when it did, so that an alert on a changed format resolves once the vendor is back. Undefined
   * when the check is disabled for the ticker.
   */
  vendorFormat(ticker: string, problem: string | null, snapshot?: RawSnapshot): QualityResult | undefined {
    const market = marketOfTicker(ticker);
    const settings = settingsFor(this.config, market, ticker, 'vendor.payload_shape');
    if (!settings.enabled) return undefined;
    return {
      check: 'vendor.payload_shape',
      severity: settings.severity,
      passed: problem === null,
      observed: problem,
      expected: 'the chart response format',
      details: problem ?? '',
      ticker,
      market,
      as_of: snapshot?.bars.at(-1)?.date ?? null,
      raw: null,
    };
  }

  /**
   * One ticker's snapshot and result checks, as its job runs them: the results are computed (`compute`) only when
   * the snapshot checks do not block, and handed back so that they are computed once. Results computed although a
   * check failed come with their quality mark. `raw` names the snapshot judged (a snapshot the lake refused by its
   * planned key and sha256, with no version id yet).
   */
  judgeTicker(
    runId: string,
    snapshot: RawSnapshot,
    previous: RawSnapshot | undefined,
    raw: JudgedSnapshot,
    request: { start: string; end: string },
    compute: () => TickerResults,
  ): { quality: TickerQuality; results?: TickerResults; mark?: QualityMark } {
    const verdicts = this.judgeSnapshot(snapshot, previous, request);
    let results: TickerResults | undefined;
    if (!this.blocks(verdicts)) {
      results = compute();
      verdicts.push(...this.judgeResults(snapshot, results));
    }
    const blocked = this.blocks(verdicts);
    const mark = blocked ? undefined : this.mark(runId, verdicts);
    const vendor = this.vendorFormat(snapshot.ticker, null, snapshot);
    const quality: TickerQuality = {
      results: [...(vendor ? [{ ...vendor, raw }] : []), ...aboutTicker(verdicts, snapshot, raw)],
      blocked,
      marked: mark !== undefined,
      peers: {
        ticker: snapshot.ticker,
        market: marketOfTicker(snapshot.ticker),
        dates: snapshot.bars.map((bar) => bar.date),
        ...(previous ? { previousDates: previous.bars.map((bar) => bar.date) } : {}),
        raw,
        asOf: snapshot.bars.at(-1)?.date ?? null,
      },
    };
    return blocked ? { quality } : { quality, ...(results ? { results } : {}), ...(mark ? { mark } : {}) };
  }

  /** The peer checks of every ticker that has a snapshot, against its market's calendar made of them all. */
  judgePeers(evidence: readonly PeerEvidence[]): QualityResult[] {
    const calendars = peerCalendars(evidence, this.config);
    return evidence.flatMap((one) =>
      checkAgainstPeers(one, calendars.get(one.market), this.config).map((verdict) => ({
        ...verdict,
        ticker: one.ticker,
        market: one.market,
        as_of: one.asOf,
        raw: one.raw,
      })),
    );
  }
}

export function hasFailedError(verdicts: readonly CheckVerdict[]): boolean {
  return verdicts.some((verdict) => !verdict.passed && verdict.severity === 'error');
}

/** A ticker's verdicts with what they are about. */
export function aboutTicker(
  verdicts: readonly CheckVerdict[],
  snapshot: RawSnapshot,
  raw: JudgedSnapshot | null,
): QualityResult[] {
  const market = marketOfTicker(snapshot.ticker);
  const asOf = snapshot.bars.at(-1)?.date ?? null;
  return verdicts.map((verdict) => ({ ...verdict, ticker: snapshot.ticker, market, as_of: asOf, raw }));
}
