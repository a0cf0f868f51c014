/**
 * MACD exactly as TA_MACD computes it (defaults 12, 26, 9), in one pass and without scratch memory.
 *
 * TA-Lib's alignment, read from its output and source: with lookbacks slowLb = slow - 1 and
 * signalLb = signal - 1, all three lines start at bar slowLb + signalLb (33 for 12/26/9). Both EMAs are
 * seeded at bar slowLb: the slow one with the SMA of bars 0..slowLb, the fast one with the SMA of only its
 * own last `fast` bars, slowLb - fast + 1 .. slowLb (bars 14..25), NOT with an EMA run from bar 0 or an SMA
 * of bars 0..11. MACD = fast - slow from bar slowLb on; the signal is an EMA of MACD seeded with the mean
 * of its first `signal` values (bars 25..33) and first written at bar 33, where the MACD line also starts.
 * histogram = MACD - signal. If slow < fast TA-Lib swaps them, and so do we. The periods are parameters
 * (defaults 12, 26, 9; tested against TA-Lib for others), except that for a signal period of 1 TA-Lib's
 * own output is misaligned by a bar; here it is the definition, an EMA of period 1: the MACD line itself.
 */
import { checkDistinct, checkOutput, checkPeriod } from '../../kernel-guards.js';
import type { MacdOutput } from '../kernel-set.js';

export type { MacdOutput };

export function macd(
  close: Float64Array,
  out: MacdOutput,
  fastPeriod = 12,
  slowPeriod = 26,
  signalPeriod = 9,
): MacdOutput {
  checkPeriod('macd', fastPeriod, 2);
  checkPeriod('macd', slowPeriod, 2);
  checkPeriod('macd', signalPeriod, 1);
  const n = close.length;
  const { macd: line, signal, histogram } = out;
  checkOutput('macd', 'macd', line, n);
  checkOutput('macd', 'signal', signal, n);
  checkOutput('macd', 'histogram', histogram, n);
  checkDistinct('macd', [close, line, signal, histogram], ['close', 'macd', 'signal', 'histogram']);
  if (slowPeriod < fastPeriod) [fastPeriod, slowPeriod] = [slowPeriod, fastPeriod];

  const slowLb = slowPeriod - 1;
  const start = slowLb + signalPeriod - 1;
  const warm = Math.min(start, n);
  line.fill(NaN, 0, warm);
  signal.fill(NaN, 0, warm);
  histogram.fill(NaN, 0, warm);
  if (n <= start) return out;

  // Seeds, as TA-Lib sums them (in order, then divided): bit for bit its values at bar slowLb.
  let slowSum = 0;
  for (let i = 0; i <= slowLb; i++) slowSum += close[i];
  let fastSum = 0;
  for (let i = slowLb - fastPeriod + 1; i <= slowLb; i++) fastSum += close[i];
  let slow = slowSum / slowPeriod;
  let fast = fastSum / fastPeriod;

  const kf = 2 / (fastPeriod + 1);
  const ks = 2 / (slowPeriod + 1);
  const kg = 2 / (signalPeriod + 1);
  const qf = 1 - kf;
  const qs = 1 - ks;
  const qg = 1 - kg;

  // Bars slowLb + 1 .. start: MACD exists but is not written; its values only feed the signal's seed.
  let macdSum = fast - slow;
  for (let i = slowLb + 1; i <= start; i++) {
    const x = close[i];
    fast = qf * fast + kf * x;
    slow = qs * slow + ks * x;
    macdSum += fast - slow;
  }
  let sig = macdSum / signalPeriod;
  let m = fast - slow;
  line[start] = m;
  signal[start] = sig;
  histogram[start] = m - sig;

  // Each EMA step is written q e + k x (see ema.ts): one multiply and one add on each chain, and the three
  // chains (fast, slow, signal) run side by side. Four bars per iteration, with the stores grouped by
  // array: V8 checks an array once for consecutive stores into it, where alternating between the three
  // arrays makes it check on every store, and those checks, not the arithmetic, bound this loop (about a
  // fifth faster). The remainder is peeled off at the START, at least one bar, so that loop body runs on
  // every call: V8 always has type feedback for it.
  let i = start + 1;
  const peelEnd = Math.min(n, start + 2 + ((n - start - 2) & 3));
  for (; i < peelEnd; i++) {
    const x = close[i];
    fast = qf * fast + kf * x;
    slow = qs * slow + ks * x;
    m = fast - slow;
    sig = qg * sig + kg * m;
    line[i] = m;
    signal[i] = sig;
    histogram[i] = m - sig;
  }
  for (; i < n; i += 4) {
    const x0 = close[i];
    const x1 = close[i + 1];
    const x2 = close[i + 2];
    const x3 = close[i + 3];
    const fast0 = qf * fast + kf * x0;
    const slow0 = qs * slow + ks * x0;
    const fast1 = qf * fast0 + kf * x1;
    const slow1 = qs * slow0 + ks * x1;
    const fast2 = qf * fast1 + kf * x2;
    const slow2 = qs * slow1 + ks * x2;
    fast = qf * fast2 + kf * x3;
    slow = qs * slow2 + ks * x3;
    const m0 = fast0 - slow0;
    const m1 = fast1 - slow1;
    const m2 = fast2 - slow2;
    const m3 = fast - slow;
    const sig0 = qg * sig + kg * m0;
    const sig1 = qg * sig0 + kg * m1;
    const sig2 = qg * sig1 + kg * m2;
    sig = qg * sig2 + kg * m3;
    line[i] = m0;
    line[i + 1] = m1;
    line[i + 2] = m2;
    line[i + 3] = m3;
    signal[i] = sig0;
    signal[i + 1] = sig1;
    signal[i + 2] = sig2;
    signal[i + 3] = sig;
    histogram[i] = m0 - sig0;
    histogram[i + 1] = m1 - sig1;
    histogram[i + 2] = m2 - sig2;
    histogram[i + 3] = m3 - sig;
  }
  return out;
}
