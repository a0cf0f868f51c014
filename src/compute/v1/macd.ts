import { assertCapacity } from './args.js';
import { ewmAlpha } from './ewm-mean.js';

export interface MacdOutput {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

// Weights derived once, at load: the loop below then does nothing before its first iteration (see
// rollingMeanLoop in rolling-mean.ts for why that matters to V8).
const FAST_ALPHA = ewmAlpha(12);
const SLOW_ALPHA = ewmAlpha(26);
const SIGNAL_ALPHA = ewmAlpha(9);
const FAST_DECAY = 1 - FAST_ALPHA;
const SLOW_DECAY = 1 - SLOW_ALPHA;
const SIGNAL_DECAY = 1 - SIGNAL_ALPHA;

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
 * No scratch is needed: the only state is six numbers.
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
  // NaN until the first close; there both means equal it, so the line, its signal and the histogram are 0.
  let first = 0;
  while (first < n && !(close[first] - close[first] === 0)) {
    macdOut[first] = NaN;
    signalOut[first] = NaN;
    histogramOut[first] = NaN;
    first++;
  }
  if (first < n) {
    macdOut[first] = 0;
    signalOut[first] = 0;
    histogramOut[first] = 0;
    macdLoop(close, macdOut, signalOut, histogramOut, first + 1, n, close[first]);
  }
  return out;
}

/**
 * The loop from bar `start` on, both means being `firstClose` and the signal 0 so far. Kept apart from the
 * checks and the first value for V8's sake (see ewmMeanLoop). `gap` counts the bars without a close since the
 * last one, `signalGap` the same for the MACD line (only an overflow can make it non-finite).
 */
function macdLoop(
  close: Float64Array,
  macdOut: Float64Array,
  signalOut: Float64Array,
  histogramOut: Float64Array,
  start: number,
  n: number,
  firstClose: number,
): void {
  const fastAlpha = FAST_ALPHA;
  const slowAlpha = SLOW_ALPHA;
  const signalAlpha = SIGNAL_ALPHA;
  const fastDecay = FAST_DECAY;
  const slowDecay = SLOW_DECAY;
  const signalDecay = SIGNAL_DECAY;
  let fast = firstClose;
  let slow = firstClose;
  let signal = 0;
  let fastWt = 1;
  let slowWt = 1;
  let signalWt = 1;
  let gap = 0;
  let signalGap = 0;

  for (let i = start; i < n; i++) {
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

    // The MACD line is itself a series that pandas smooths; it is finite unless the means overflowed.
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
