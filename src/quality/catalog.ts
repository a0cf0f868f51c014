/**
 * The catalog of data-quality checks (issue 14, docs/design.md "Data quality"): each check's id, default severity,
 * the phase that runs it, what it looks for, and its thresholds with their defaults and per-market defaults.
 * The config file (config.ts) overrides any of these per market or per ticker; only the names listed here are
 * accepted there, so a typo is an error rather than a silently ignored setting.
 *
 * Phases: `snapshot` judges one raw snapshot (and the ticker's previous one), `results` judges the computed
 * results of one snapshot, `peers` judges one ticker's dates against the other tickers of its market, and
 * `vendor` is recorded by the run itself when the vendor's answer could not become a snapshot.
 */
import type { Market } from '../sources/markets.js';
import type { Severity } from './finding.js';

export type CheckPhase = 'snapshot' | 'results' | 'peers' | 'vendor';

export type Thresholds = Readonly<Record<string, number>>;

export interface CheckDefinition {
  id: string;
  severity: Severity;
  phase: CheckPhase;
  description: string;
  /** Every threshold the check reads, with its default; the config may set only these names. */
  thresholds: Thresholds;
  /** Defaults that differ by market (a subset of `thresholds`), with the reason in a comment beside them. */
  markets?: Partial<Record<Market, Thresholds>>;
}

const definitions = [
  {
    id: 'vendor.payload_shape',
    severity: 'error',
    phase: 'vendor',
    description: "the vendor's answer does not have the expected shape, so no raw snapshot could be made of it",
    thresholds: {},
  },
  {
    id: 'consistency.high_low',
    severity: 'error',
    phase: 'snapshot',
    description: 'high >= max(open, close) and low <= min(open, close) (so high >= low) on every bar',
    // Relative slack: vendors store prices as float32 at times, so a high may sit an ulp or two below the close.
    thresholds: { tolerance: 1e-6, max_bars: 0 },
  },
  {
    id: 'consistency.positive_prices',
    severity: 'error',
    phase: 'snapshot',
    description: 'open, high, low, close (and adj_close when given) are finite and > 0',
    thresholds: { max_bars: 0 },
  },
  {
    id: 'consistency.volume',
    severity: 'error',
    phase: 'snapshot',
    description: 'volume is finite and >= 0',
    thresholds: { max_bars: 0 },
  },
  {
    id: 'consistency.duplicate_dates',
    severity: 'error',
    phase: 'snapshot',
    description:
      'no date appears twice: in the bars, or as a row the source replaced by a later one (except on the last date, ' +
      'where Yahoo repeats the live session)',
    thresholds: { max_dates: 0 },
  },
  {
    id: 'plausibility.one_day_move',
    severity: 'error',
    phase: 'snapshot',
    description: 'abs(close / previous close - 1) beyond max_move, without a split or dividend dated on that day',
    thresholds: { max_move: 0.6 },
    markets: {
      // Every default stays below 0.9, so an unadjusted 1:10 split (-90 %) or a tripled close (+200 %) and its
      // return (-67 %) are always found; above the daily price limit where the market has one.
      // US, SG, HK: no daily price limits on ordinary shares; 0.6 leaves room for real crashes and squeezes.
      // JP: Tokyo's limits are set in yen by price band; at 100-200 yen the limit (50 yen) reaches 50 %.
      JP: { max_move: 0.5 },
      // VN: limits of 7 % (HOSE), 10 % (HNX) and 15 % (UPCoM); 0.16 leaves room for tick rounding.
      VN: { max_move: 0.16 },
      // TW: a 10 % limit (TWSE and TPEx main boards); 0.11 leaves room for tick rounding.
      TW: { max_move: 0.11 },
    },
  },
  {
    id: 'plausibility.flat_close',
    severity: 'warn',
    phase: 'snapshot',
    description: 'the same close on more than max_days consecutive bars (a stale feed, or a halted listing)',
    // Two weeks: an illiquid small price at a coarse tick stays put for a few days without anything being wrong.
    thresholds: { max_days: 10 },
  },
  {
    id: 'plausibility.zero_volume',
    severity: 'warn',
    phase: 'snapshot',
    description: 'volume 0 on more than max_days consecutive bars (a halt, or a feed that lost volumes)',
    thresholds: { max_days: 2 },
  },
  {
    id: 'plausibility.volume_outlier',
    severity: 'warn',
    phase: 'snapshot',
    description:
      "a bar's log volume more than max_sigma standard deviations from the mean log volume of its own history",
    // Log volumes, because volumes are skewed; 6 sigma, because real volume spikes (index rebalances, earnings
    // days) reach 4-5. Not judged before min_bars bars of non-zero volume.
    thresholds: { max_sigma: 6, min_bars: 60 },
  },
  {
    id: 'stability.history_shrank',
    severity: 'error',
    phase: 'snapshot',
    description:
      'dates of the previous snapshot the current one lost: within [current first bar, previous last bar], or ' +
      'before the current first bar by more than the rolling window moved between the fetches',
    // start_slack_days: calendar days of leeway on the rolling window's start (weekends, holidays, a late fetch).
    thresholds: { max_dates: 0, start_slack_days: 7 },
  },
  {
    id: 'stability.restated_bars',
    severity: 'warn',
    phase: 'snapshot',
    description:
      'bars on the same date as in the previous snapshot whose open, high, low, close or volume changed (the previous ' +
      'last bar excepted: it may have been the live session)',
    thresholds: { tolerance: 1e-6, max_bars: 0 },
  },
  {
    id: 'stability.adjustment_changed',
    severity: 'warn',
    phase: 'snapshot',
    description:
      'the adj_close / close ratio changed on dates both snapshots have (a split or dividend applied afterwards)',
    // Relative change of the ratio; a dividend moves it by its yield (0.1-2 %), float noise by far less.
    thresholds: { tolerance: 1e-4, max_dates: 0 },
  },
  {
    id: 'completeness.peer_dates',
    severity: 'warn',
    phase: 'peers',
    description: "dates of the market's peer calendar within the ticker's own first..last range that the ticker lacks",
    // peer_share and min_peers define the calendar itself (read per market): a date belongs to it when that share
    // of the market's listed tickers have it; a market with fewer tickers than min_peers has no calendar.
    // One missing date is tolerated: a one-day suspension is common and not a data fault.
    thresholds: { max_missing: 1, peer_share: 0.6, min_peers: 3 },
  },
  {
    id: 'completeness.new_gaps',
    severity: 'warn',
    phase: 'peers',
    description: 'dates missing against the peer calendar that the previous snapshot did not lack',
    thresholds: { max_new: 0 },
  },
  {
    id: 'freshness.last_bar',
    severity: 'warn',
    phase: 'peers',
    description: "the last bar is older than the peer calendar's last date by more than max_sessions sessions",
    thresholds: { max_sessions: 0 },
  },
  {
    id: 'computation.missing_values',
    severity: 'warn',
    phase: 'results',
    description: "a result is null although the series is longer than the computation's warm-up for it",
    thresholds: { max_fields: 0 },
  },
  {
    id: 'computation.domain',
    severity: 'error',
    phase: 'results',
    description:
      'a result outside its domain: RSI or a percentile outside 0..100, a negative ATR, volatility, std or volume ' +
      'average, a drawdown outside -1..0, a lower Bollinger band above the upper',
    thresholds: { max_fields: 0 },
  },
] as const satisfies readonly CheckDefinition[];

export type CheckId = (typeof definitions)[number]['id'];

export const CHECKS: readonly CheckDefinition[] = definitions;

export const CHECK_IDS: readonly CheckId[] = definitions.map((definition) => definition.id);

const BY_ID = new Map<string, CheckDefinition>(CHECKS.map((definition) => [definition.id, definition]));

export function isCheckId(id: string): id is CheckId {
  return BY_ID.has(id);
}

/** The definition of a check; an unknown id is a programming error (ids come from this file). */
export function checkDefinition(id: CheckId): CheckDefinition {
  const definition = BY_ID.get(id);
  if (definition === undefined) throw new RangeError(`unknown quality check ${JSON.stringify(id)}`);
  return definition;
}

export function checksOfPhase(phase: CheckPhase): CheckDefinition[] {
  return CHECKS.filter((definition) => definition.phase === phase);
}
