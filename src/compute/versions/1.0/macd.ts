import { checkOutput } from '../../kernel-guards.js';
import type { MacdOutput } from '../kernel-set.js';

export type { MacdOutput };

/**
 * MACD(12, 26, 9), computation version 1.0, as the existing Python system computes it:
 *   macd = close.ewm(span=12, adjust=False).mean() - close.ewm(span=26, adjust=False).mean()
 *   signal = macd.ewm(span=9, adjust=False).mean(); histogram = macd - signal
 * All three lines start at the first close (no warm-up, unlike TA-Lib's version 2.0).
 *
 * One pass runs the three exponential means side by side, each step exactly as `ewmMean` does it (see
 * ewm-mean.ts for the pandas details: gaps, the constant-value shortcut, the exact unit denominator), so each
 * line is bit-identical to composing `ewmMean` calls; the tests check that. The three recurrences are
 * independent chains, so the processor overlaps them and the fused loop costs little more than one EWM.
 * No scratch is needed: the state is a handful of numbers.
 *
 * O(n), one pass, no allocation. Writes [0..n) of each output and returns `out`; the outputs must be three
 * distinct arrays, none of them `close`.
 */
export function macd(close: Float64Array, out: MacdOutput): MacdOutput {
  const n = close.length;
  const { macd: macdOut, signal: signalOut, histogram: histogramOut } = out;
  checkOutput('macd', 'macd', macdOut, n);
  checkOutput('macd', 'signal', signalOut, n);
  checkOutput('macd', 'histogram', histogramOut, n);
  // NaN until the first close; the loop starts there.
  let first = 0;
  while (first < n && !(close[first] - close[first] === 0)) {
    macdOut[first] = NaN;
    signalOut[first] = NaN;
    histogramOut[first] = NaN;
    first++;
  }
  if (first >= n) return out;
  // The first close starts all three means: both EWMs are that close, the MACD line and its signal are 0.
  macdOut[first] = 0;
  signalOut[first] = 0;
  histogramOut[first] = 0;
  const state = MACD_STATE;
  state[0] = close[first];
  state[1] = close[first];
  state[2] = 0;
  // Groups of four bars while the closes are finite, then (after a NaN or infinite close, and for the last
  // bars) the loop that handles gaps.
  const from = first + 1;
  const stopped = macdSteady(close, macdOut, signalOut, histogramOut, from, from + ((n - from) & ~3), state);
  macdLoop(close, macdOut, signalOut, histogramOut, stopped, n, state);
  return out;
}

/** fast EWM, slow EWM and signal between the two loops: module scratch, as the kernels never run concurrently. */
const MACD_STATE = new Float64Array(3);

/**
 * Bars [from, to), four at a time, while every close is finite: each step exactly as pandas takes it (see
 * ewm-mean.ts: `decay * mean + alpha * x`, with the unit denominator left out, and a mean equal to the value
 * left untouched), so the lines are bit-identical to the general loop below. A group with a non-finite close
 * is left to the general loop, from the state saved before it. Returns the first bar not done.
 *
 * Written for V8 (see slideWindow in rolling-mean.ts): the function is the loop, the state starts from
 * arithmetic on numbers read inside it, and the weights are literal arithmetic, which V8 folds into constants.
 * The stores are grouped by array, which saves V8 a check per store (see ../2.0/macd.ts).
 */
function macdSteady(
  close: Float64Array,
  macdOut: Float64Array,
  signalOut: Float64Array,
  histogramOut: Float64Array,
  from: number,
  to: number,
  state: Float64Array,
): number {
  for (let i = from; i < to; i += 4) {
    const fa = 1 / (1 + (12 - 1) / 2); // = ewmAlpha(12)
    const sa = 1 / (1 + (26 - 1) / 2);
    const ga = 1 / (1 + (9 - 1) / 2);
    const fd = 1 - fa;
    const sd = 1 - sa;
    const gd = 1 - ga;
    const fast = state[0];
    const slow = state[1];
    const signal = state[2];
    const x0 = close[i];
    const x1 = close[i + 1];
    const x2 = close[i + 2];
    const x3 = close[i + 3];
    const f0 = fast !== x0 ? fd * fast + fa * x0 : fast;
    const s0 = slow !== x0 ? sd * slow + sa * x0 : slow;
    const f1 = f0 !== x1 ? fd * f0 + fa * x1 : f0;
    const s1 = s0 !== x1 ? sd * s0 + sa * x1 : s0;
    const f2 = f1 !== x2 ? fd * f1 + fa * x2 : f1;
    const s2 = s1 !== x2 ? sd * s1 + sa * x2 : s1;
    const f3 = f2 !== x3 ? fd * f2 + fa * x3 : f2;
    const s3 = s2 !== x3 ? sd * s2 + sa * x3 : s2;
    const m0 = f0 - s0;
    const m1 = f1 - s1;
    const m2 = f2 - s2;
    const m3 = f3 - s3;
    const g0 = signal !== m0 ? gd * signal + ga * m0 : signal;
    const g1 = g0 !== m1 ? gd * g0 + ga * m1 : g0;
    const g2 = g1 !== m2 ? gd * g1 + ga * m2 : g1;
    const g3 = g2 !== m3 ? gd * g2 + ga * m3 : g2;
    // Infinity - Infinity and NaN - NaN are NaN: a non-finite close has made the fast mean non-finite (and an
    // overflowing MACD line the signal): the general loop takes this group over, from the state before it.
    if (!(f3 - f3 === 0 && g3 - g3 === 0)) return i;
    macdOut[i] = m0;
    macdOut[i + 1] = m1;
    macdOut[i + 2] = m2;
    macdOut[i + 3] = m3;
    signalOut[i] = g0;
    signalOut[i + 1] = g1;
    signalOut[i + 2] = g2;
    signalOut[i + 3] = g3;
    histogramOut[i] = m0 - g0;
    histogramOut[i + 1] = m1 - g1;
    histogramOut[i + 2] = m2 - g2;
    histogramOut[i + 3] = m3 - g3;
    state[0] = f3;
    state[1] = s3;
    state[2] = g3;
  }
  return to;
}

/**
 * The general loop, from bar `from` on with the means in `state`: gaps (NaN or infinite closes) included. Kept apart
 * from the checks, and written, for V8's sake (see rollingMeanLoop in rolling-mean.ts and ewmMeanLoop in ewm-mean.ts).
 * The weights are spelled out inside the loop, as ewmAlpha computes them, because V8 folds such literal arithmetic into
 * machine constants, while a parameter or a module constant would be unboxed again on every bar (1.3 times slower:
 * docs/benchmarks.md, "Measurements behind design choices"). `gap` counts the bars without a close since the last one,
 * `signalGap` the same for the MACD line (only an overflow can make that one non-finite).
 */
function macdLoop(
  close: Float64Array,
  macdOut: Float64Array,
  signalOut: Float64Array,
  histogramOut: Float64Array,
  from: number,
  n: number,
  state: Float64Array,
): void {
  let fast = state[0];
  let slow = state[1];
  let signal = state[2];
  let fastWt = 1;
  let slowWt = 1;
  let signalWt = 1;
  let gap = 0;
  let signalGap = 0;

  for (let i = from; i < n; i++) {
    const fastAlpha = 1 / (1 + (12 - 1) / 2); // = ewmAlpha(12): the tests compare with ewmMean bit for bit
    const slowAlpha = 1 / (1 + (26 - 1) / 2);
    const signalAlpha = 1 / (1 + (9 - 1) / 2);
    const fastDecay = 1 - fastAlpha;
    const slowDecay = 1 - slowAlpha;
    const signalDecay = 1 - signalAlpha;

    const x = close[i];
    if (x - x === 0) {
      if (gap === 0) {
        // No gap: the denominators are exactly 1 (see ewm-mean.ts), so there is nothing to divide by.
        if (fast !== x) fast = fastDecay * fast + fastAlpha * x;
        if (slow !== x) slow = slowDecay * slow + slowAlpha * x;
      } else {
        const wf = fastWt * fastDecay;
        if (fast !== x) fast = (wf * fast + fastAlpha * x) / (wf + fastAlpha);
        const ws = slowWt * slowDecay;
        if (slow !== x) slow = (ws * slow + slowAlpha * x) / (ws + slowAlpha);
        fastWt = 1;
        slowWt = 1;
        gap = 0;
      }
    } else {
      fastWt *= fastDecay;
      slowWt *= slowDecay;
      gap++;
    }

    // The MACD line is itself a series that pandas smooths, from the first close on (where it is 0).
    const m = fast - slow;
    if (m - m === 0) {
      if (signalGap === 0) {
        if (signal !== m) signal = signalDecay * signal + signalAlpha * m;
      } else {
        const w = signalWt * signalDecay;
        if (signal !== m) signal = (w * signal + signalAlpha * m) / (w + signalAlpha);
        signalWt = 1;
        signalGap = 0;
      }
    } else {
      signalWt *= signalDecay;
      signalGap++;
    }

    macdOut[i] = m;
    signalOut[i] = signal;
    histogramOut[i] = m - signal;
  }
}
