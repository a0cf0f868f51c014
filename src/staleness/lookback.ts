/**
 * Lookback windows: which results a changed bar can affect.
 *
 * A change in the bar of date D affects the value of a field at the as-of dates D .. D + affectedUntil(field)
 * bars. The counts follow the definitions of docs/design.md "Computation versions":
 *
 *   sma_N, bb_* (20), volume_sma_20, volume_ratio   N - 1   a rolling window of N bars ending at the as-of bar
 *   rsi_14, atr_14, atr_percent (1.0)                14      rolling 14 of changes / true ranges, and the one at
 *                                                            D + 1 still reads the close of D
 *   macd, macd_signal, macd_histogram (1.0 and 2.0)  ~270-280 exponential: see below
 *   rsi_14, atr_14, atr_percent (2.0)                280     Wilder smoothing is exponential too (alpha 1/14)
 *   vwap, price_vwap_pct, uncertainty_score          Infinity  cumulative from the first bar of the window
 *
 * Exponential smoothing has no end in theory: every later value keeps a weight of (1 - alpha)^k of the changed
 * bar. We call a bar an input while its weight, per unit of change, is at least EWM_NEGLIGIBLE_WEIGHT = 1e-9, and
 * compute that lag from the filters themselves (an upper bound of the impulse response, the MACD lines chained
 * as they are computed). A restated close moves such a value by less than 1e-9 x the change beyond it: far below
 * anything a report prints, while "until the end of the window" would make the MACD of every result stale for
 * any revision in two years of history. Two caveats, both accepted: for RSI 2.0 the bound is on the smoothed
 * gains and losses, and RSI divides by their sum, so its own change can be up to 100 / (average move) times
 * larger (still about 1e-7 for a typical series); and the rolling kernels keep a running sum (version 1.0's under
 * an error bound, TA-Lib's plain one), so bars that have left a window still move its last bits. Neither is a
 * dependency in the sense used here: recomputing would change the value by rounding, not by information.
 *
 * Whole results: a stored indicators object holds all 17 fields, so it is affected when any field is (with VWAP
 * cumulative, that is any change of high, low, close or volume inside its window); percentiles are statistics over
 * the whole window and features use the whole window (Sharpe ratio, maximum drawdown), so both are affected by
 * any change of their inputs inside the window.
 */
import {
  INDICATOR_FIELDS,
  COMPUTATION_VERSIONS,
  isComputationVersion,
  type ComputationVersion,
  type IndicatorField,
} from '../compute/fields.js';
import { KERNEL_SETS } from '../compute/versions/registry.js';
import type { ProcessedKind } from '../lake/keys.js';
import type { BarField } from './bar-diff.js';

export const EWM_NEGLIGIBLE_WEIGHT = 1e-9;

/** Which bar fields each indicator reads (no indicator reads `open` or `adj_close`). */
export const INDICATOR_INPUTS: Readonly<Record<IndicatorField, readonly BarField[]>> = {
  sma_20: ['close'],
  sma_50: ['close'],
  sma_200: ['close'],
  rsi_14: ['close'],
  macd: ['close'],
  macd_signal: ['close'],
  macd_histogram: ['close'],
  bb_upper: ['close'],
  bb_middle: ['close'],
  bb_lower: ['close'],
  atr_14: ['high', 'low', 'close'],
  atr_percent: ['high', 'low', 'close'],
  vwap: ['high', 'low', 'close', 'volume'],
  price_vwap_pct: ['high', 'low', 'close', 'volume'],
  volume_sma_20: ['volume'],
  volume_ratio: ['volume'],
  uncertainty_score: ['high', 'low', 'close', 'volume'],
};

/** Which bar fields each kind of result reads: percentiles read every indicator and the close; features the close. */
export const RESULT_INPUTS: Readonly<Record<ProcessedKind, readonly BarField[]>> = {
  indicators: ['high', 'low', 'close', 'volume'],
  percentiles: ['high', 'low', 'close', 'volume'],
  features: ['close'],
};

// ---------------------------------------------------------------- exponential horizons

/**
 * Far beyond any horizon here (the slowest, Wilder's 1/14, ends near 280): a guard against a filter that never decays.
 */
const MAX_LAG = 10_000;

/** The last lag k at which `bound[k]` is at least the threshold; the bound must have fallen below it by MAX_LAG. */
function lastLagAbove(bound: Float64Array): number {
  if (bound[MAX_LAG - 1] >= EWM_NEGLIGIBLE_WEIGHT)
    throw new Error(`an impulse response is still above ${EWM_NEGLIGIBLE_WEIGHT} after ${MAX_LAG} bars`);
  for (let k = MAX_LAG - 1; k >= 0; k--) if (bound[k] >= EWM_NEGLIGIBLE_WEIGHT) return k;
  return 0;
}

/**
 * Upper bounds of the weight of one close in an EWM chain, k bars later. The weight a bar enters with is taken as
 * 1 rather than alpha, which covers the first bar of a window (pandas starts the mean AT the first close, weight 1)
 * and TA-Lib's seeds (an SMA: weight 1/period); later bars enter with alpha, so the bound holds for all of them.
 */
function ewm(span: number, input?: Float64Array): Float64Array {
  const alpha = 2 / (span + 1);
  const out = new Float64Array(MAX_LAG);
  for (let k = 0; k < MAX_LAG; k++) {
    const entering = input === undefined ? (k === 0 ? 1 : 0) : alpha * input[k];
    out[k] = (k === 0 ? 0 : (1 - alpha) * out[k - 1]) + entering;
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, k) => x + b[k]);
}

/** MACD(12, 26, 9), both versions: |fast - slow| <= fast + slow; the signal smooths that; histogram = line - signal. */
function macdHorizons(): Record<'macd' | 'macd_signal' | 'macd_histogram', number> {
  const line = add(ewm(12), ewm(26));
  const signal = ewm(9, line);
  return {
    macd: lastLagAbove(line),
    macd_signal: lastLagAbove(signal),
    macd_histogram: lastLagAbove(add(line, signal)),
  };
}

/**
 * Wilder smoothing of period 14 (RSI and ATR 2.0): alpha = 1/14. The close of D enters twice, through the change
 * (or true range) of D and of D + 1, so the horizon is one bar longer than the weight's own.
 */
function wilderHorizon(period: number): number {
  const weight = new Float64Array(MAX_LAG);
  for (let k = 0; k < MAX_LAG; k++) weight[k] = Math.pow(1 - 1 / period, k);
  return 1 + lastLagAbove(weight);
}

let exponential: { macd: number; macd_signal: number; macd_histogram: number; wilder14: number } | undefined;

function exponentialHorizons() {
  exponential ??= { ...macdHorizons(), wilder14: wilderHorizon(14) };
  return exponential;
}

// ---------------------------------------------------------------- per field

/**
 * How many bars after a changed bar the field's value still depends on it (0: only the same bar; Infinity: every
 * later bar of the window). See the module comment for the counts and the exponential threshold.
 */
export function affectedUntil(field: IndicatorField, version: ComputationVersion): number {
  switch (field) {
    case 'sma_20':
    case 'bb_upper':
    case 'bb_middle':
    case 'bb_lower':
    case 'volume_sma_20':
    case 'volume_ratio':
      return 19;
    case 'sma_50':
      return 49;
    case 'sma_200':
      return 199;
    case 'rsi_14':
    case 'atr_14':
    case 'atr_percent': // atr / close: the close of the as-of bar adds nothing beyond the ATR's own window
      // A rolling mean (1.0) of 14 changes (true ranges): the one of bar D + 14 is still close[D+14] - close[D+13],
      // and the window of 14 ending there reaches back to the change of D + 1, which reads close[D].
      return KERNEL_SETS[version].smoothing === 'rolling' ? 14 : exponentialHorizons().wilder14;
    case 'macd':
    case 'macd_signal':
    case 'macd_histogram':
      return exponentialHorizons()[field];
    case 'vwap':
    case 'price_vwap_pct':
    case 'uncertainty_score':
      return Infinity;
  }
}

/** For a version this build does not know (a stored result from elsewhere): the longest lookback of the known ones. */
export function affectedUntilAnyVersion(field: IndicatorField, version: string): number {
  if (isComputationVersion(version)) return affectedUntil(field, version);
  return Math.max(...COMPUTATION_VERSIONS.map((known) => affectedUntil(field, known)));
}

/** Every indicator field and its lookback, for docs and `stale --explain`-style output. */
export function lookbackTable(version: ComputationVersion): Record<IndicatorField, number> {
  const table = {} as Record<IndicatorField, number>;
  for (const field of INDICATOR_FIELDS) table[field] = affectedUntil(field, version);
  return table;
}

// ---------------------------------------------------------------- results

/**
 * Whether a value as of `asOf`, computed from the bars dated `dates` (its window: sorted, as of its source
 * snapshot), depends on a bar dated in `changedDates` given its lookback (affectedUntil, or Infinity for
 * whole-window values). A changed date counts when it lies inside the window (first bar .. asOf) and at most
 * `lookback` bars of the window come after it up to asOf. A date that is missing from `dates` (a bar the newer
 * snapshot added) is placed where it would sort: the newer series has it that many bars before asOf.
 */
export function isResultAffected(
  asOf: string,
  dates: readonly string[],
  changedDates: readonly string[],
  lookback: number,
): boolean {
  if (dates.length === 0) return false;
  const first = dates[0];
  const end = countUpTo(dates, asOf);
  for (const date of changedDates) {
    if (date < first || date > asOf) continue;
    const barsAfter = end - countUpTo(dates, date); // window bars in (date, asOf]
    if (barsAfter <= lookback) return true;
  }
  return false;
}

/** How many of the sorted `dates` are <= `date` (binary search). */
function countUpTo(dates: readonly string[], date: string): number {
  let low = 0;
  let high = dates.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (dates[middle] <= date) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** True when a changed bar touched one of `inputs` (an added or removed bar touches every field). */
export function touchesInputs(changed: Iterable<BarField>, inputs: readonly BarField[]): boolean {
  for (const field of changed) if (inputs.includes(field)) return true;
  return false;
}
