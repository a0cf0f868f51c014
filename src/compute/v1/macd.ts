import { assertCapacity } from './args.js';

export interface MacdOutput {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

/**
 * MACD(12, 26, 9), computation version 1.0 ("legacy"), as the existing Python system computes it:
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
  assertCapacity('out.macd', macdOut, n);
  assertCapacity('out.signal', signalOut, n);
  assertCapacity('out.histogram', histogramOut, n);
  // NaN until the first close; the loop starts there.
  let first = 0;
  while (first < n && !(close[first] - close[first] === 0)) {
    macdOut[first] = NaN;
    signalOut[first] = NaN;
    histogramOut[first] = NaN;
    first++;
  }
  macdLoop(close, macdOut, signalOut, histogramOut, first, n);
  return out;
}

/**
 * The loop from the first close (`first`) on. Kept apart from the checks, and written, for V8's sake (see
 * rollingMeanLoop in rolling-mean.ts and ewmMeanLoop in ewm-mean.ts). The weights are spelled out inside the
 * loop, as ewmAlpha computes them, because V8 folds such literal arithmetic into machine constants, while a
 * parameter or a module constant would be unboxed again on every bar (measured: 9.4 ms vs 7.2 ms per 1M bars).
 * `gap` counts the bars without a close since the last one, `signalGap` the same for the MACD line (only an
 * overflow can make that one non-finite).
 */
function macdLoop(
  close: Float64Array,
  macdOut: Float64Array,
  signalOut: Float64Array,
  histogramOut: Float64Array,
  first: number,
  n: number,
): void {
  let fast = 0;
  let slow = 0;
  let signal = 0;
  let fastWt = 1;
  let slowWt = 1;
  let signalWt = 1;
  let gap = 0;
  let signalGap = 0;

  for (let i = first; i < n; i++) {
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
        if (i === first) {
          fast = x;
          slow = x;
        } else {
          if (fast !== x) fast = fastDecay * fast + fastAlpha * x;
          if (slow !== x) slow = slowDecay * slow + slowAlpha * x;
        }
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
        if (i === first) signal = m;
        else if (signal !== m) signal = signalDecay * signal + signalAlpha * m;
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
