/**
 * Completeness and freshness without an exchange calendar (phase `peers`): the dates most tickers of one market
 * have are that market's trading days (its peer calendar), and a ticker is judged against them. This needs every
 * ticker's dates of the run first, so it runs after the snapshot phase.
 *
 * A date belongs to a market's calendar when at least `peer_share` of the market's tickers that were listed by then
 * (first bar on or before it) have it, and at least `min_peers` were. Counting only listed tickers keeps a young
 * listing from thinning out the old dates; counting every listed ticker on the last dates keeps one ticker with a
 * stray extra day from making all the others look stale. A market with fewer than `min_peers` tickers has no
 * calendar: its peer checks pass, saying so.
 *
 * Cost: O(total dates) to count, plus a sort of the distinct dates per market; per ticker, one merge walk.
 */
import { MARKET_CODES, type Market } from '../sources/markets.js';
import type { CheckId } from './catalog.js';
import { DEFAULT_QUALITY_CONFIG, settingsFor, type CheckSettings, type QualityConfig } from './config.js';
import type { CheckVerdict } from './finding.js';
import { listDates, notJudged, runEnabled, verdict } from './verdict.js';

export interface PeerSeries {
  ticker: string;
  market: Market;
  /** The ticker's bar dates, sorted ascending. */
  dates: readonly string[];
}

export interface PeerCalendar {
  market: Market;
  /** How many tickers of the market were given. */
  tickers: number;
  /** The calendar's dates, sorted; null when the market has too few tickers to have one. */
  dates: readonly string[] | null;
  /** Why there is no calendar (empty when there is one). */
  reason: string;
}

export const PEER_CHECKS = [
  'completeness.peer_dates',
  'completeness.new_gaps',
  'freshness.last_bar',
] as const satisfies readonly CheckId[];

/** The calendar of every market that has at least one series. */
export function peerCalendars(
  series: readonly PeerSeries[],
  config: QualityConfig = DEFAULT_QUALITY_CONFIG,
): Map<Market, PeerCalendar> {
  const byMarket = new Map<Market, PeerSeries[]>();
  for (const one of series) {
    const group = byMarket.get(one.market);
    if (group) group.push(one);
    else byMarket.set(one.market, [one]);
  }
  const calendars = new Map<Market, PeerCalendar>();
  for (const market of MARKET_CODES) {
    const group = byMarket.get(market);
    if (group) calendars.set(market, marketCalendar(market, group, config));
  }
  return calendars;
}

function marketCalendar(market: Market, group: readonly PeerSeries[], config: QualityConfig): PeerCalendar {
  const { peer_share: share, min_peers: minPeers } = settingsFor(
    config,
    market,
    undefined,
    'completeness.peer_dates',
  ).thresholds;
  const listed = group.filter((one) => one.dates.length > 0);
  if (listed.length < minPeers) {
    return {
      market,
      tickers: group.length,
      dates: null,
      reason: `market ${market} has ${listed.length} ticker(s) with bars, fewer than ${minPeers}: no peer calendar`,
    };
  }
  const counts = new Map<string, number>();
  for (const one of listed) for (const date of one.dates) counts.set(date, (counts.get(date) ?? 0) + 1);
  const firsts = listed.map((one) => one.dates[0]).sort();
  const dates: string[] = [];
  let listedBy = 0;
  for (const date of [...counts.keys()].sort()) {
    while (listedBy < firsts.length && firsts[listedBy] <= date) listedBy++;
    if (listedBy >= minPeers && counts.get(date)! >= share * listedBy) dates.push(date);
  }
  return { market, tickers: group.length, dates, reason: '' };
}

export interface PeerCheckInput extends PeerSeries {
  /** The dates of the ticker's previous snapshot, for completeness.new_gaps; without them it passes, saying so. */
  previousDates?: readonly string[];
}

export function checkAgainstPeers(
  input: PeerCheckInput,
  calendar: PeerCalendar | undefined,
  config: QualityConfig = DEFAULT_QUALITY_CONFIG,
): CheckVerdict[] {
  const dates = calendar?.dates ?? null;
  const why = calendar?.reason || `no peer calendar for market ${input.market}`;
  // Computed once for both completeness checks.
  const missing = dates === null ? [] : missingDates(input.dates, dates);
  return runEnabled(config, input.market, input.ticker, PEER_CHECKS, (id, settings) => {
    if (dates === null) return notJudged(id, settings, null, why);
    if (input.dates.length === 0) return notJudged(id, settings, null, 'the ticker has no bars');
    switch (id) {
      case 'completeness.peer_dates':
        return peerDates(missing, settings, input.market);
      case 'completeness.new_gaps':
        return newGaps(missing, input.previousDates, settings);
      case 'freshness.last_bar':
        return lastBar(input.dates, dates, settings, input.market);
    }
  });
}

/** Calendar dates within [own first, own last] that `own` lacks; both sorted. */
export function missingDates(own: readonly string[], calendar: readonly string[]): string[] {
  const missing: string[] = [];
  if (own.length === 0) return missing;
  const first = own[0];
  const last = own[own.length - 1];
  let j = 0;
  for (const date of calendar) {
    if (date < first) continue;
    if (date > last) break;
    while (j < own.length && own[j] < date) j++;
    if (j >= own.length || own[j] !== date) missing.push(date);
  }
  return missing;
}

function peerDates(missing: readonly string[], settings: CheckSettings, market: Market): CheckVerdict {
  const maxMissing = settings.thresholds.max_missing;
  return verdict(
    'completeness.peer_dates',
    settings,
    missing.length <= maxMissing,
    missing.length,
    maxMissing,
    `${missing.length} trading day(s) of the ${market} peer calendar missing: ${listDates(missing)}`,
  );
}

/**
 * Gaps the previous snapshot did not have: a missing date that the previous snapshot had, or one after its last
 * date. A gap before the previous first date is not judged new (the history was extended backwards).
 */
function newGaps(
  missing: readonly string[],
  previousDates: readonly string[] | undefined,
  settings: CheckSettings,
): CheckVerdict {
  const maxNew = settings.thresholds.max_new;
  if (previousDates === undefined || previousDates.length === 0) {
    return notJudged('completeness.new_gaps', settings, maxNew, 'no previous snapshot of the ticker to compare with');
  }
  const fresh: string[] = [];
  if (missing.length > 0) {
    const before = new Set(previousDates);
    // The range by min and max, not by position: an older lake object's bars may be out of order.
    let first = previousDates[0];
    let last = first;
    for (const date of previousDates) {
      if (date < first) first = date;
      if (date > last) last = date;
    }
    for (const date of missing) if (date >= first && (date > last || before.has(date))) fresh.push(date);
  }
  return verdict(
    'completeness.new_gaps',
    settings,
    fresh.length <= maxNew,
    fresh.length,
    maxNew,
    `${fresh.length} gap(s) the previous snapshot did not have: ${listDates(fresh)}`,
  );
}

function lastBar(
  own: readonly string[],
  calendar: readonly string[],
  settings: CheckSettings,
  market: Market,
): CheckVerdict {
  const maxSessions = settings.thresholds.max_sessions;
  const last = own[own.length - 1];
  let behind = 0;
  for (let i = calendar.length - 1; i >= 0 && calendar[i] > last; i--) behind++;
  return verdict(
    'freshness.last_bar',
    settings,
    behind <= maxSessions,
    behind,
    maxSessions,
    `the last bar is ${last}, ${behind} session(s) behind the ${market} peer calendar's last date ` +
      `${calendar[calendar.length - 1]}`,
  );
}
