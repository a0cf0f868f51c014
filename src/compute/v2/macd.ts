/**
 * MACD exactly as TA_MACD computes it (defaults 12, 26, 9), in one pass and without scratch memory.
 *
 * TA-Lib's alignment, read from its output and source: with lookbacks slowLb = slow - 1 and
 * signalLb = signal - 1, all three lines start at bar slowLb + signalLb (33 for 12/26/9). Both EMAs are
 * seeded at bar slowLb: the slow one with the SMA of bars 0..slowLb, the fast one with the SMA of only its
 * own last `fast` bars, slowLb - fast + 1 .. slowLb (bars 14..25), NOT with an EMA run from bar 0 or an SMA
 * of bars 0..11. MACD = fast - slow from bar slowLb on; the signal is an EMA of MACD seeded with the mean
 * of its first `signal` values (bars 25..33) and first written at bar 33, where the MACD line also starts.
 * histogram = MACD - signal. If slow < fast TA-Lib swaps them, and so do we.
 */
import { checkDistinct, checkOutput, checkPeriod } from './guards.js';

export interface MacdOutput {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

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
  // chains (fast, slow, signal) run side by side in one loop. Writing three outputs a bar is what bounds it
  // (unrolling, tried, gains nothing here).
  for (let i = start + 1; i < n; i++) {
    const x = close[i];
    fast = qf * fast + kf * x;
    slow = qs * slow + ks * x;
    m = fast - slow;
    sig = qg * sig + kg * m;
    line[i] = m;
    signal[i] = sig;
    histogram[i] = m - sig;
  }
  return out;
}
