/**
 * The checks of one raw snapshot (phase `snapshot`): consistency of each bar, plausibility of the series, and
 * stability against the ticker's previous snapshot. One verdict per enabled check, passed or not.
 *
 * Cost: each check is one pass over the bars (two for the volume statistics, a merge walk for the previous
 * snapshot), allocating only the dates it reports. Bars are taken as the snapshot contract sorts them.
 */
import type { RawBar, RawSnapshot } from '../lake/formats/raw.js';
import type { Market } from '../sources/markets.js';
import type { CheckId } from './catalog.js';
import { DEFAULT_QUALITY_CONFIG, type CheckSettings, type QualityConfig } from './config.js';
import type { CheckVerdict } from './finding.js';
import { listDates, notJudged, round4, runEnabled, verdict } from './verdict.js';

export interface SnapshotCheckInput {
  ticker: string;
  market: Market;
  snapshot: RawSnapshot;
  /** The ticker's previous raw snapshot, for the stability checks; without it they pass, saying so. */
  previous?: RawSnapshot;
  /**
   * The first date the fetch asked for. With it, every previous date from it on that the current snapshot lacks is
   * lost (a shorter --range is not a loss); without it, the start is judged by how far a rolling window moves.
   */
  requestStart?: string;
  /**
   * The last date the fetch asked for: previous dates after it were not asked for, so they are not lost (a
   * backfill that ends earlier than the previous fetch did).
   */
  requestEnd?: string;
}

export const SNAPSHOT_CHECKS = [
  'consistency.high_low',
  'consistency.positive_prices',
  'consistency.volume',
  'consistency.duplicate_dates',
  'plausibility.one_day_move',
  'plausibility.flat_close',
  'plausibility.zero_volume',
  'plausibility.volume_outlier',
  'stability.history_shrank',
  'stability.restated_bars',
  'stability.adjustment_changed',
] as const satisfies readonly CheckId[];

/**
 * The reason the Yahoo mapping (src/sources/yahoo/yahoo-chart.ts) gives a row it replaced by a later row on the
 * same local date. Matched loosely so a rewording keeps working; the seeded-fault corpus runs the real mapping.
 */
const REPLACED_ROW = /later row for the same .*date replaced it/;

export function checkSnapshot(
  input: SnapshotCheckInput,
  config: QualityConfig = DEFAULT_QUALITY_CONFIG,
): CheckVerdict[] {
  const { snapshot } = input;
  const bars = snapshot.bars;
  const previous = input.previous && inDateOrder(input.previous);
  return runEnabled(config, input.market, input.ticker, SNAPSHOT_CHECKS, (id, settings) => {
    switch (id) {
      case 'consistency.high_low':
        return highLow(bars, settings);
      case 'consistency.positive_prices':
        return positivePrices(bars, settings);
      case 'consistency.volume':
        return volumeSign(bars, settings);
      case 'consistency.duplicate_dates':
        return duplicateDates(snapshot, settings);
      case 'plausibility.one_day_move':
        return oneDayMove(snapshot, settings);
      case 'plausibility.flat_close':
        return flatClose(bars, settings);
      case 'plausibility.zero_volume':
        return zeroVolume(bars, settings);
      case 'plausibility.volume_outlier':
        return volumeOutlier(bars, settings);
      case 'stability.history_shrank':
        return previous
          ? historyShrank(previous, snapshot, settings, input.requestStart, input.requestEnd)
          : noPrevious(id, settings);
      case 'stability.restated_bars':
        return previous ? restatedBars(previous.bars, bars, settings) : noPrevious(id, settings);
      case 'stability.adjustment_changed':
        return previous ? adjustmentChanged(previous, snapshot, settings) : noPrevious(id, settings);
    }
  });
}

/**
 * The previous snapshot with its bars sorted by date: the stability checks walk both snapshots in date order. A
 * snapshot this project wrote is sorted (one pass to see it); an older object read back from the lake may not be.
 */
function inDateOrder(snapshot: RawSnapshot): RawSnapshot {
  const bars = snapshot.bars;
  for (let i = 1; i < bars.length; i++) {
    if (bars[i].date < bars[i - 1].date) {
      return { ...snapshot, bars: [...bars].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)) };
    }
  }
  return snapshot;
}

function noPrevious(id: CheckId, settings: CheckSettings): CheckVerdict {
  return notJudged(id, settings, null, 'no previous snapshot of the ticker to compare with');
}

// --- consistency -----------------------------------------------------------------------------------------------

export function highLow(bars: readonly RawBar[], settings: CheckSettings): CheckVerdict {
  const { tolerance, max_bars: maxBars } = settings.thresholds;
  const bad: string[] = [];
  let first = '';
  for (const bar of bars) {
    const top = Math.max(bar.open, bar.close);
    const bottom = Math.min(bar.open, bar.close);
    // Relative slack on the larger price; a NaN comparison is false, so non-finite prices are positive_prices' job.
    const slack = tolerance * top;
    if (bar.high < top - slack || bar.low > bottom + slack || bar.high < bar.low) {
      if (bad.length === 0) first = `high ${bar.high}, low ${bar.low}, open ${bar.open}, close ${bar.close}`;
      bad.push(bar.date);
    }
  }
  return verdict(
    'consistency.high_low',
    settings,
    bad.length <= maxBars,
    bad.length,
    maxBars,
    `${bad.length} bar(s) with high below max(open, close) or low above min(open, close): ${listDates(bad)} ` +
      `(first: ${first})`,
  );
}

export function positivePrices(bars: readonly RawBar[], settings: CheckSettings): CheckVerdict {
  const maxBars = settings.thresholds.max_bars;
  const bad: string[] = [];
  let first = '';
  for (const bar of bars) {
    // `positive` is false for NaN too; Infinity is not a price either. Written out per field: this loop is hot.
    const wrong = !positive(bar.open)
      ? 'open'
      : !positive(bar.high)
        ? 'high'
        : !positive(bar.low)
          ? 'low'
          : !positive(bar.close)
            ? 'close'
            : bar.adj_close !== null && !positive(bar.adj_close)
              ? 'adj_close'
              : null;
    if (wrong !== null) {
      if (bad.length === 0) first = `${wrong} ${String(bar[wrong])}`;
      bad.push(bar.date);
    }
  }
  return verdict(
    'consistency.positive_prices',
    settings,
    bad.length <= maxBars,
    bad.length,
    maxBars,
    `${bad.length} bar(s) with a price that is not a positive number: ${listDates(bad)} (first: ${first})`,
  );
}

function positive(value: number): boolean {
  return value > 0 && value < Infinity;
}

export function volumeSign(bars: readonly RawBar[], settings: CheckSettings): CheckVerdict {
  const maxBars = settings.thresholds.max_bars;
  const bad: string[] = [];
  for (const bar of bars) if (!(bar.volume >= 0) || !Number.isFinite(bar.volume)) bad.push(bar.date);
  return verdict(
    'consistency.volume',
    settings,
    bad.length <= maxBars,
    bad.length,
    maxBars,
    `${bad.length} bar(s) with a negative or non-finite volume: ${listDates(bad)}`,
  );
}

/**
 * Dates seen twice: adjacent equal dates in the bars (they are sorted), and rows the source replaced by a later
 * row of the same date. The last date is exempt from the second kind: Yahoo sends the live session as a second
 * row for the last date at times, and keeping the later one is the right reading of that.
 */
export function duplicateDates(snapshot: RawSnapshot, settings: CheckSettings): CheckVerdict {
  const maxDates = settings.thresholds.max_dates;
  const bars = snapshot.bars;
  const dates = new Set<string>();
  for (let i = 1; i < bars.length; i++) if (bars[i].date === bars[i - 1].date) dates.add(bars[i].date);
  const last = bars.length > 0 ? bars[bars.length - 1].date : '';
  for (const dropped of snapshot.dropped_bars ?? []) {
    if (dropped.date !== last && REPLACED_ROW.test(dropped.reason)) dates.add(dropped.date);
  }
  const list = [...dates].sort();
  return verdict(
    'consistency.duplicate_dates',
    settings,
    list.length <= maxDates,
    list.length,
    maxDates,
    `${list.length} date(s) the vendor sent more than once: ${listDates(list)}`,
  );
}

// --- plausibility ----------------------------------------------------------------------------------------------

/**
 * |close[i] / close[i-1] - 1| beyond max_move, unless a split or dividend is dated in (date[i-1], date[i]]: the
 * day the new price applies. (Yahoo dates a split on the first session at the new price.)
 */
export function oneDayMove(snapshot: RawSnapshot, settings: CheckSettings): CheckVerdict {
  const maxMove = settings.thresholds.max_move;
  const bars = snapshot.bars;
  const moves: string[] = [];
  let largest = 0;
  for (let i = 1; i < bars.length; i++) {
    const move = bars[i].close / bars[i - 1].close - 1;
    if (!(Math.abs(move) > maxMove)) continue; // NaN (a bad price) is consistency's finding, not a move
    if (hasEventBetween(snapshot, bars[i - 1].date, bars[i].date)) continue;
    if (Math.abs(move) > Math.abs(largest)) largest = move;
    moves.push(`${bars[i].date} ${move > 0 ? '+' : ''}${(move * 100).toFixed(1)}%`);
  }
  return verdict(
    'plausibility.one_day_move',
    settings,
    moves.length === 0,
    // A close after a close of 0 moves by Infinity, which JSON cannot hold: it is observed as text.
    Number.isFinite(largest) ? round4(largest) : String(largest),
    maxMove,
    `${moves.length} one-day close move(s) beyond ${(maxMove * 100).toFixed(0)}% without a split or dividend: ` +
      listDates(moves),
  );
}

function hasEventBetween(snapshot: RawSnapshot, after: string, upTo: string): boolean {
  const { splits, dividends } = snapshot.events;
  for (const event of splits) if (event.date > after && event.date <= upTo) return true;
  for (const event of dividends) if (event.date > after && event.date <= upTo) return true;
  return false;
}

export function flatClose(bars: readonly RawBar[], settings: CheckSettings): CheckVerdict {
  const maxDays = settings.thresholds.max_days;
  // The longest run of equal consecutive closes, as [start, end] bar indices.
  let bestStart = 0;
  let bestEnd = 0;
  let start = 0;
  for (let i = 1; i < bars.length; i++) {
    if (bars[i].close !== bars[i - 1].close) start = i;
    else if (i - start > bestEnd - bestStart) {
      bestStart = start;
      bestEnd = i;
    }
  }
  const days = bars.length === 0 ? 0 : bestEnd - bestStart + 1;
  return verdict(
    'plausibility.flat_close',
    settings,
    days <= maxDays,
    days,
    maxDays,
    days <= 1
      ? ''
      : `the close stayed at ${bars[bestEnd].close} on ${days} consecutive bars, ` +
          `${bars[bestStart].date} to ${bars[bestEnd].date}`,
  );
}

export function zeroVolume(bars: readonly RawBar[], settings: CheckSettings): CheckVerdict {
  const maxDays = settings.thresholds.max_days;
  // The longest run of bars with volume 0: its length and last index.
  let best = 0;
  let bestEnd = -1;
  let run = 0;
  for (let i = 0; i < bars.length; i++) {
    run = bars[i].volume === 0 ? run + 1 : 0;
    if (run > best) {
      best = run;
      bestEnd = i;
    }
  }
  return verdict(
    'plausibility.zero_volume',
    settings,
    best <= maxDays,
    best,
    maxDays,
    best === 0 ? '' : `volume 0 on ${best} consecutive bars, ${bars[bestEnd - best + 1].date} to ${bars[bestEnd].date}`,
  );
}

/** Log volumes of the bar being judged; grown as needed and reused, so the check allocates nothing per ticker. */
let logVolumes = new Float64Array(1024);

/** Bars whose log volume is more than max_sigma standard deviations from the mean of the series' log volumes. */
export function volumeOutlier(bars: readonly RawBar[], settings: CheckSettings): CheckVerdict {
  const { max_sigma: maxSigma, min_bars: minBars } = settings.thresholds;
  if (logVolumes.length < bars.length) logVolumes = new Float64Array(bars.length * 2);
  const logs = logVolumes;
  let count = 0;
  let sum = 0;
  for (let i = 0; i < bars.length; i++) {
    const volume = bars[i].volume;
    // Zero volumes have no logarithm; they are zero_volume's business. NaN marks them here.
    const log = volume > 0 ? Math.log(volume) : NaN;
    logs[i] = log;
    if (volume > 0) {
      count++;
      sum += log;
    }
  }
  if (count < minBars) {
    return notJudged(
      'plausibility.volume_outlier',
      settings,
      maxSigma,
      `${count} bars of volume, fewer than ${minBars}`,
    );
  }
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < bars.length; i++) {
    const d = logs[i] - mean;
    if (d === d) squares += d * d; // skips NaN
  }
  const std = Math.sqrt(squares / (count - 1));
  const outliers: string[] = [];
  let largest = 0;
  if (std > 0) {
    for (let i = 0; i < bars.length; i++) {
      const z = (logs[i] - mean) / std;
      if (!(Math.abs(z) > Math.abs(largest))) continue; // also skips NaN
      largest = z;
    }
    if (Math.abs(largest) > maxSigma) {
      for (let i = 0; i < bars.length; i++) {
        const z = (logs[i] - mean) / std;
        if (Math.abs(z) > maxSigma) outliers.push(`${bars[i].date} (${z.toFixed(1)} sigma)`);
      }
    }
  }
  return verdict(
    'plausibility.volume_outlier',
    settings,
    outliers.length === 0,
    round4(largest),
    maxSigma,
    `${outliers.length} volume(s) beyond ${maxSigma} sigma of the ticker's log volumes: ${listDates(outliers)}`,
  );
}

// --- stability -------------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Dates the current snapshot lost. Inside [current first, previous last]: every previous date the current lacks.
 * Before the current first date: previous dates from the request's start on, when it is known; otherwise a
 * rolling window moves its start by the time between the fetches, so previous dates from (previous first +
 * elapsed days + start_slack_days) up to the current first date were lost.
 */
export function historyShrank(
  previous: RawSnapshot,
  current: RawSnapshot,
  settings: CheckSettings,
  requestStart?: string,
  requestEnd?: string,
): CheckVerdict {
  const { max_dates: maxDates, start_slack_days: slackDays } = settings.thresholds;
  const before = previous.bars;
  const after = current.bars;
  if (before.length === 0 || after.length === 0)
    return notJudged('stability.history_shrank', settings, maxDates, 'an empty snapshot');
  const currentFirst = after[0].date;
  const elapsedDays = Math.max(
    0,
    Math.round((Date.parse(current.fetched_at) - Date.parse(previous.fetched_at)) / DAY_MS),
  );
  const keepFrom = requestStart ?? addDays(before[0].date, elapsedDays + slackDays);
  const lost: string[] = [];
  let j = 0;
  for (const bar of before) {
    if (requestEnd !== undefined && bar.date > requestEnd) break;
    if (bar.date < currentFirst) {
      if (bar.date >= keepFrom) lost.push(bar.date);
      continue;
    }
    while (j < after.length && after[j].date < bar.date) j++;
    if (j >= after.length || after[j].date !== bar.date) lost.push(bar.date);
  }
  const previousLast = before[before.length - 1].date;
  const currentLast = after[after.length - 1].date;
  const asked = requestEnd === undefined || previousLast <= requestEnd;
  const endNote =
    asked && currentLast < previousLast ? `; the last bar went back from ${previousLast} to ${currentLast}` : '';
  return verdict(
    'stability.history_shrank',
    settings,
    lost.length <= maxDates,
    lost.length,
    maxDates,
    `${lost.length} date(s) of the previous snapshot are gone: ${listDates(lost)}${endNote}`,
  );
}

/** Relative change from a to b (0 when both are 0). */
function relativeChange(a: number, b: number): number {
  if (a === b) return 0;
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(b - a) / scale;
}

/**
 * Bars of a date both snapshots have whose open, high, low, close or volume moved by more than `tolerance`
 * (relative). adj_close is left to adjustment_changed: a dividend rewrites it on every earlier date. The previous
 * snapshot's last bar is left out: it may have been fetched during the session and finalised since.
 */
export function restatedBars(
  before: readonly RawBar[],
  after: readonly RawBar[],
  settings: CheckSettings,
): CheckVerdict {
  const { tolerance, max_bars: maxBars } = settings.thresholds;
  const restated: string[] = [];
  let largest = 0;
  let largestAt = -1;
  let j = 0;
  for (let i = 0; i < before.length - 1; i++) {
    const old = before[i];
    while (j < after.length && after[j].date < old.date) j++;
    if (j >= after.length) break;
    const now = after[j];
    if (now.date !== old.date) continue;
    // The fields written out, not looped over by name: keyed access in this loop costs more than the rest.
    const change = Math.max(
      relativeChange(old.open, now.open),
      relativeChange(old.high, now.high),
      relativeChange(old.low, now.low),
      relativeChange(old.close, now.close),
      relativeChange(old.volume, now.volume),
    );
    if (change > tolerance) {
      restated.push(old.date);
      if (change > largest) {
        largest = change;
        largestAt = i;
      }
    }
  }
  return verdict(
    'stability.restated_bars',
    settings,
    restated.length <= maxBars,
    restated.length,
    maxBars,
    `${restated.length} bar(s) restated since the previous snapshot: ${listDates(restated)} ` +
      `(largest: ${largestAt < 0 ? '' : describeChange(before[largestAt], after, tolerance)}, ${(largest * 100).toFixed(2)}%)`,
  );
}

/** "close on DATE from A to B" for the field of `old` that changed most (found again: only for the details). */
function describeChange(old: RawBar, after: readonly RawBar[], tolerance: number): string {
  const now = after.find((bar) => bar.date === old.date)!;
  let best = '';
  let largest = tolerance;
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) {
    const change = relativeChange(old[field], now[field]);
    if (change > largest) {
      largest = change;
      best = `${field} on ${old.date} from ${old[field]} to ${now[field]}`;
    }
  }
  return best;
}

/** Dates both snapshots have where adj_close / close moved by more than `tolerance` (relative). */
export function adjustmentChanged(previous: RawSnapshot, current: RawSnapshot, settings: CheckSettings): CheckVerdict {
  const { tolerance, max_dates: maxDates } = settings.thresholds;
  const before = previous.bars;
  const after = current.bars;
  const changed: string[] = [];
  let largest = 0;
  let j = 0;
  for (const old of before) {
    while (j < after.length && after[j].date < old.date) j++;
    if (j >= after.length) break;
    const now = after[j];
    if (now.date !== old.date || old.adj_close === null || now.adj_close === null) continue;
    const change = now.adj_close / now.close / (old.adj_close / old.close) - 1;
    if (Math.abs(change) > tolerance) {
      changed.push(old.date);
      if (Math.abs(change) > Math.abs(largest)) largest = change;
    }
  }
  return verdict(
    'stability.adjustment_changed',
    settings,
    changed.length <= maxDates,
    changed.length,
    maxDates,
    `the adj_close/close ratio changed on ${changed.length} date(s) (${listDates(changed, 2)}), by up to ` +
      `${(largest * 100).toFixed(2)}%${newEventsNote(previous, current)}`,
  );
}

/** The splits and dividends the current snapshot has and the previous did not: the likely reason for a change. */
function newEventsNote(previous: RawSnapshot, current: RawSnapshot): string {
  const known = new Set([
    ...previous.events.splits.map((s) => `split ${s.date} ${s.numerator}:${s.denominator}`),
    ...previous.events.dividends.map((d) => `dividend ${d.date} ${d.amount}`),
  ]);
  const fresh = [
    ...current.events.splits.map((s) => `split ${s.date} ${s.numerator}:${s.denominator}`),
    ...current.events.dividends.map((d) => `dividend ${d.date} ${d.amount}`),
  ].filter((event) => !known.has(event));
  return fresh.length === 0 ? '; no new split or dividend explains it' : `; new events: ${fresh.join(', ')}`;
}
