import type { IndicatorColumns } from './fields.js';

/**
 * The fields that both computation versions define the same way (docs/design.md "Computation versions", "Both"):
 * VWAP over the whole window, price-to-VWAP percent, volume ratio, ATR percent and the uncertainty score.
 *
 * One fused pass over the bars: the five fields read the same inputs, and one loop costs a third of five
 * (docs/benchmarks.md, "Measurements behind design choices"). Divisions are the expensive operations here (a
 * division costs several multiplications), so each quotient is formed once and reused: five per bar instead of the
 * eight of the Python system's expressions written out. That moves results by a few ulps, well inside the 1e-9
 * agreement with pandas that the tests check. A division by zero gives NaN (undefined), never Infinity: the stored JSON
 * has `null` there.
 *
 * Inputs: `atr` is the version's own ATR(14) and `volumeSma` its volume SMA(20), both already in `out`.
 */
export function derivedFields(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  out: IndicatorColumns,
): void {
  const { atr_14: atr, volume_sma_20: volumeSma, vwap, price_vwap_pct: priceVwapPct, volume_ratio: volumeRatio } = out;
  const { atr_percent: atrPercent, uncertainty_score: uncertainty } = out;
  const n = close.length;
  let priceVolume = 0; // cumulative volume x (high + low + close): the typical price's /3 is taken once, below
  let totalVolume = 0;
  for (let i = 0; i < n; i++) {
    const c = close[i];
    const v = volume[i];
    // VWAP = cumsum(volume x (h + l + c) / 3) / cumsum(volume); undefined while nothing has traded (0 / 0).
    priceVolume += v * (high[i] + low[i] + c);
    totalVolume += v;
    const w = priceVolume / (3 * totalVolume);
    vwap[i] = w;
    // (close - vwap) / vwap x 100
    const deviation = (c - w) / w;
    priceVwapPct[i] = deviation * 100;
    // volume / volume_sma_20, undefined (not Infinity) when the average is 0
    const average = volumeSma[i];
    const ratio = average !== 0 ? v / average : NaN;
    volumeRatio[i] = ratio;
    // atr / close x 100
    const atrFraction = atr[i] / c;
    atrPercent[i] = atrFraction * 100;
    // 50 x (1 + tanh(x)) with x = 10 x |close - vwap| / vwap x volume_ratio x atr / close.
    // x >= 0 here, and 50 (1 + tanh x) = 100 - 100 / (e^(2x) + 1): Math.exp is markedly faster than Math.tanh
    // in V8, and the result (>= 50) carries no cancellation, so it stays within a few ulps of the tanh form.
    const x = 10 * Math.abs(deviation) * ratio * atrFraction;
    uncertainty[i] = 100 - 100 / (Math.exp(2 * x) + 1);
  }
}
