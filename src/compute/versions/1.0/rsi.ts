import { checkOutput, checkPeriod } from '../../kernel-guards.js';

/**
 * RSI, computation version 1.0, as the existing Python system defines it:
 *   delta = close.diff(); gain = delta.where(delta > 0, 0); loss = -delta.where(delta < 0, 0)
 *   rs = gain.rolling(period).mean() / loss.rolling(period).mean(); rsi = 100 - 100 / (1 + rs)
 * Simple rolling means, not Wilder's smoothing (that is version 2.0). The first bar's change is NaN and
 * `where` turns it into 0, so it counts as a zero change and RSI is defined from bar `period - 1` on.
 *
 * The values decided exactly, as in pandas:
 * - no losses in the window: the average loss is exactly 0, rs = Infinity and RSI = 100;
 * - no change at all: 0 / 0, RSI = NaN; no gains: RSI = 0;
 * - a NaN close gives zero changes (NaN.where(...) is 0); an infinite close gives an infinite change, which
 *   pandas' rolling mean treats as missing, so every window holding it is NaN.
 * The averages are rolling means of gains and losses with the arithmetic of rolling-mean.ts: plain running
 * sums with a bound on their error, summed afresh (here: the RSI computed from scratch) when the bound fails.
 * A window of zero gains or losses always fails it (its sum is exactly 0, the bound is not), so those windows
 * are computed from scratch and their average is exactly 0. Elsewhere the RSI is within about 1e-12 of pandas'.
 * (pandas returns the value itself for a window of identical non-zero gains, which this kernel computes as
 * sum / period: the same to a few ulps.)
 *
 * `scratch` is accepted for signature compatibility with the other kernels and is not used.
 * O(n), one pass, no allocation. Writes out[0..n) and returns `out`; `out` must not alias `close`.
 */
export function rsi(close: Float64Array, period: number, out: Float64Array, scratch?: Float64Array): Float64Array {
  void scratch;
  checkPeriod('rsi', period);
  const n = close.length;
  checkOutput('rsi', 'out', out, n);
  // Bars up to `period` are computed from scratch: warm-up, then windows holding the first (zero) change.
  const exactUpTo = Math.min(n - 1, period);
  for (let i = 0; i <= exactUpTo; i++) out[i] = exactRsi(close, period, i);
  if (exactUpTo + 1 >= n) return out;
  const state = windowSums(close, period, period);
  slideRsi(close, period, out, period + 1, n, state.gain, state.loss, state.gainDrift, state.lossDrift);
  return out;
}

/**
 * Slides both windows over bars [from, to). Gains and losses are computed without branches, from the changes
 * entering and leaving: on a random walk the sign of a change is a coin toss, and a mispredicted branch costs
 * more than the arithmetic. gain = (d + |d|) / 2 and loss = (|d| - d) / 2 are exact (doubling, halving and
 * d - d = 0 are exact); a NaN or infinite change, or an overflowing d + |d|, turns the sums non-finite, the
 * bound check fails, and `exactRsi` applies pandas' literal rules to that bar.
 *
 * For V8 (see slideWindow in rolling-mean.ts): the function is the loop, state starts from arithmetic on the
 * parameters, the bound's 2^-13 is a literal, and the exact path is primed at load time.
 */
function slideRsi(
  close: Float64Array,
  period: number,
  out: Float64Array,
  from: number,
  to: number,
  initialGain: number,
  initialLoss: number,
  initialGainDrift: number,
  initialLossDrift: number,
): void {
  let gainSum = initialGain * 1;
  let lossSum = initialLoss * 1;
  let gainDrift = initialGainDrift * 1; // bounds on each sum's error, in units of eps
  let lossDrift = initialLossDrift * 1;
  const inverse = 1 / period;
  for (let i = from; i < to; i++) {
    const d = close[i] - close[i - 1];
    const a = Math.abs(d);
    const oldD = close[i - period] - close[i - period - 1];
    const oldA = Math.abs(oldD);
    const gainChange = (d + a) * 0.5 - (oldD + oldA) * 0.5;
    const lossChange = (a - d) * 0.5 - (oldA - oldD) * 0.5;
    gainSum += gainChange;
    lossSum += lossChange;
    // Each sum's update rounds twice: by at most eps (|change| + |sum|).
    gainDrift += Math.abs(gainChange) + Math.abs(gainSum);
    lossDrift += Math.abs(lossChange) + Math.abs(lossSum);
    // 100 - 100 / (1 + g / l) = 100 g / (g + l), with one division instead of two and no cancellation near 0
    // (windows with g = 0 or l = 0 take the exact path below). On the averages themselves, as pandas divides
    // them: dividing the sums directly differs where an average underflows.
    const averageGain = gainSum * inverse;
    // Rounding can put 100 g / (g + l) an ulp above 100 when l is negligible next to g; pandas' form never
    // exceeds 100, so neither may this (Math.min keeps NaN).
    const scaledGain = 100 * averageGain;
    let value = Math.min(scaledGain / (averageGain + lossSum * inverse), 100);
    // eps x drift < 2^-40 x |sum| for both, with eps / 2^-40 = 2^-13; !(>) so that NaN fails too.
    // Strictly greater: a sum of exactly 0 (no gains or no losses in the window) always takes the exact path,
    // which gives pandas' 0 and 100 exactly. An average gain above 1.8e306 overflows `scaledGain` (Infinity,
    // which the min would turn into 100): such windows take the exact path too, whose form does not overflow.
    if (!(
      Math.abs(gainSum) - gainDrift * 0.0001220703125 > 0 &&
      Math.abs(lossSum) - lossDrift * 0.0001220703125 > 0 &&
      scaledGain - scaledGain === 0
    )) {
      value = exactRsi(close, period, i);
      const fresh = windowSums(close, period, i);
      gainSum = fresh.gain;
      lossSum = fresh.loss;
      gainDrift = fresh.gainDrift;
      lossDrift = fresh.lossDrift;
    }
    out[i] = value;
  }
}

/** pandas' change at bar k as gain and loss: the first change is 0; a NaN change is 0 (`where`). */
function changeAt(close: Float64Array, k: number): number {
  if (k === 0) return 0;
  const d = close[k] - close[k - 1];
  return d === d ? d : 0;
}

/**
 * RSI at bar i from scratch, by pandas' literal rules (O(period)): NaN during warm-up or when a change in the
 * window is infinite (missing); each average is the latest value when the whole window repeats it, else
 * sum / period (as in rolling-mean.ts, a sum that overflows is averaged term by term instead).
 */
function exactRsi(close: Float64Array, period: number, i: number): number {
  if (i < period - 1) return Number.NaN;
  const latest = changeAt(close, i);
  const latestGain = latest > 0 ? latest : 0;
  const latestLoss = -(latest < 0 ? latest : 0);
  let gainSum = 0;
  let lossSum = 0;
  let gainFlat = true;
  let lossFlat = true;
  for (let k = i - period + 1; k <= i; k++) {
    const d = changeAt(close, k);
    if (!Number.isFinite(d)) return Number.NaN;
    const gain = d > 0 ? d : 0;
    const loss = -(d < 0 ? d : 0);
    gainSum += gain;
    lossSum += loss;
    gainFlat = gainFlat && gain === latestGain;
    lossFlat = lossFlat && loss === latestLoss;
  }
  const avgGain = gainFlat ? latestGain : gainSum - gainSum === 0 ? gainSum / period : scaledMean(close, period, i, 1);
  const avgLoss = lossFlat ? latestLoss : lossSum - lossSum === 0 ? lossSum / period : scaledMean(close, period, i, -1);
  return 100 - 100 / (1 + avgGain / avgLoss);
}

/** The mean gain (sign 1) or loss (sign -1) of a window whose sum overflows, which the mean itself need not. */
function scaledMean(close: Float64Array, period: number, i: number, sign: 1 | -1): number {
  let mean = 0;
  for (let k = i - period + 1; k <= i; k++) {
    const d = sign * changeAt(close, k);
    if (d > 0) mean += d / period;
  }
  return mean;
}

/**
 * The sums of gains and losses over the window ending at bar i (NaN when a change is missing) and the bounds on
 * their error after plain summation: (period - 1) eps x the sum, gains and losses being >= 0.
 */
function windowSums(
  close: Float64Array,
  period: number,
  i: number,
): { gain: number; loss: number; gainDrift: number; lossDrift: number } {
  let gain = 0;
  let loss = 0;
  for (let k = i - period + 1; k <= i; k++) {
    const d = changeAt(close, k);
    gain += d > 0 ? d : 0;
    loss -= d < 0 ? d : 0;
  }
  if (!(gain - gain === 0 && loss - loss === 0))
    return { gain: Number.NaN, loss: Number.NaN, gainDrift: 0, lossDrift: 0 };
  return { gain, loss, gainDrift: period * gain, lossDrift: period * loss };
}

/** Gives V8 type feedback for the exact path before it compiles the loop (see rolling-mean.ts). */
function primeTypeFeedback(): void {
  const close = Float64Array.from({ length: 256 }, (_, i) => (i % 64 < 24 ? 10 : 10 + (i % 7)));
  const out = new Float64Array(close.length);
  for (let round = 0; round < 8; round++) rsi(close, 14, out);
}
primeTypeFeedback();
