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
  assertCapacity('out.macd', out.macd, n);
  assertCapacity('out.signal', out.signal, n);
  assertCapacity('out.histogram', out.histogram, n);
  macdLoop(close, out.macd, out.signal, out.histogram, n);
  return out;
}

/** Kept apart from the checks for V8's sake; see rollingMeanLoop in rolling-mean.ts. */
function macdLoop(
  close: Float64Array,
  macdOut: Float64Array,
  signalOut: Float64Array,
  histogramOut: Float64Array,
  n: number,
): void {
  const fastAlpha = FAST_ALPHA;
  const slowAlpha = SLOW_ALPHA;
  const signalAlpha = SIGNAL_ALPHA;
  const fastDecay = FAST_DECAY;
  const slowDecay = SLOW_DECAY;
  const signalDecay = SIGNAL_DECAY;
  let fast = NaN;
  let fastWt = 1;
  let slow = NaN;
  let slowWt = 1;
  let signal = NaN;
  let signalWt = 1;

  for (let i = 0; i < n; i++) {
    const x = close[i];
    if (x - x === 0) {
      if (fast === fast) {
        fastWt *= fastDecay;
        if (fast !== x) {
          const num = fastWt * fast + fastAlpha * x;
          const den = fastWt + fastAlpha;
          fast = den === 1 ? num : num / den;
        }
        fastWt = 1;
        slowWt *= slowDecay;
        if (slow !== x) {
          const num = slowWt * slow + slowAlpha * x;
          const den = slowWt + slowAlpha;
          slow = den === 1 ? num : num / den;
        }
        slowWt = 1;
      } else {
        fast = x;
        slow = x;
      }
    } else if (fast === fast) {
      fastWt *= fastDecay;
      slowWt *= slowDecay;
    }

    // The MACD line is itself a series that pandas smooths: NaN before the first close, finite after
    // (the two means start together), unless it overflowed to ±Infinity, which pandas would skip.
    const m = fast - slow;
    if (m - m === 0) {
      if (signal === signal) {
        signalWt *= signalDecay;
        if (signal !== m) {
          const num = signalWt * signal + signalAlpha * m;
          const den = signalWt + signalAlpha;
          signal = den === 1 ? num : num / den;
        }
        signalWt = 1;
      } else {
        signal = m;
      }
    } else if (signal === signal) {
      signalWt *= signalDecay;
    }

    macdOut[i] = m;
    signalOut[i] = signal;
    histogramOut[i] = m - signal;
  }
}
