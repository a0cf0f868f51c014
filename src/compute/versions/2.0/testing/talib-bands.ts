/**
 * How far TA-Lib's Bollinger bands may be from the exact ones, per value, from TA-Lib's own arithmetic.
 *
 * TA_BBANDS (SMA middle, TA_STDDEV) keeps running sums T1 = sum x and T2 = sum x^2 over the whole series,
 * adding the entering bar and subtracting the leaving one, and takes var = T2/P - (T1/P)^2, then
 * sd = sqrt(var) if var >= 1e-14 (TA_EPSILON) else 0. This replays those operations and accumulates a
 * first-order worst-case bound of each rounding (eps |result| per operation; eps = 2^-53):
 *   E1, E2  the errors carried by T1 and T2 (they grow with the number of bars: rolling sums never reset),
 *   dVar    <= E2/P + 2 |mean| E1/P + eps (T2/P + 3 mean^2 + |var|)   (about eps x mean^2 x steps),
 *   dSd     <= min(dVar / sd, sqrt(dVar)) + eps sd, or sqrt(1e-14 + dVar) where TA-Lib clamps to 0,
 *   dBand   <= dMiddle + 2 dSd + eps |band|.
 * dVar / sd is the "eps x mean^2 / sd" of the brief, times the number of rolling steps the error could
 * have gathered. The result is doubled to cover second-order terms. A bound, not an estimate, yet not a
 * blanket either: on the fixture series TA-Lib's actual error reaches 1.5% to 8% of it.
 */
const U = 2 ** -53;
const TA_EPSILON = 1e-14;

export interface TalibBandBounds {
  /** For the middle band (TA-Lib's SMA): its running sum's error, over the period. */
  middle: Float64Array;
  /** For the upper and lower bands. */
  band: Float64Array;
}

export function talibBandErrorBound(
  close: ArrayLike<number>,
  period: number,
  k: number,
  exactSd: ArrayLike<number>,
  exactMean: ArrayLike<number>,
): TalibBandBounds {
  const n = close.length;
  const bound = new Float64Array(n).fill(NaN);
  const middleBound = new Float64Array(n).fill(NaN);
  let t1 = 0;
  let t2 = 0;
  let e1 = 0;
  let e2 = 0;
  const add = (x: number, sign: number) => {
    t1 += sign * x;
    e1 += U * Math.abs(t1);
    const square = x * x;
    t2 += sign * square;
    e2 += U * (square + Math.abs(t2));
  };
  for (let i = 0; i < n; i++) {
    add(close[i], 1);
    if (i >= period) add(close[i - period], -1);
    if (i < period - 1) continue;
    const mean = t1 / period;
    const meanSquare = t2 / period;
    const variance = meanSquare - mean * mean;
    const dMean = e1 / period + U * Math.abs(mean);
    const dVar = e2 / period + 2 * Math.abs(mean) * dMean + U * (meanSquare + 3 * mean * mean + Math.abs(variance));
    const sd = exactSd[i];
    const dSd =
      variance < TA_EPSILON
        ? Math.sqrt(TA_EPSILON + dVar)
        : Math.min(sd > 0 ? dVar / sd : Infinity, Math.sqrt(dVar)) + U * sd;
    const band = Math.abs(exactMean[i]) + k * sd;
    bound[i] = 2 * (dMean + k * dSd + U * band);
    middleBound[i] = 2 * dMean;
  }
  return { middle: middleBound, band: bound };
}
