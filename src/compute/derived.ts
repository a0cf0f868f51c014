/**
 * The fields that both computation versions define the same way (DESIGN.md: "the other fields as in 1.0"),
 * written in the legacy system's pandas expressions and in the same order of operations, so that version 1.0
 * reproduces pandas to the last bit where IEEE arithmetic allows. A division by zero gives NaN (undefined),
 * never Infinity: the stored JSON has `null` there.
 */

/** VWAP over the whole window: cumsum(typical price x volume) / cumsum(volume); NaN while no volume traded. */
export function vwap(high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, out: Float64Array): Float64Array {
  const n = close.length;
  let priceVolume = 0;
  let totalVolume = 0;
  for (let i = 0; i < n; i++) {
    // (volume x (h + l + c)) / 3, in the legacy expression's order of operations.
    priceVolume += (volume[i] * (high[i] + low[i] + close[i])) / 3;
    totalVolume += volume[i];
    out[i] = totalVolume > 0 ? priceVolume / totalVolume : NaN;
  }
  return out;
}

/** (close - vwap) / vwap x 100 */
export function priceVwapPct(close: Float64Array, vwapValues: Float64Array, out: Float64Array): Float64Array {
  const n = close.length;
  for (let i = 0; i < n; i++) {
    const v = vwapValues[i];
    out[i] = v !== 0 ? ((close[i] - v) / v) * 100 : NaN;
  }
  return out;
}

/** volume / volume_sma_20; NaN where the average is 0 (x/0 is undefined, not Infinity). */
export function volumeRatio(volume: Float64Array, volumeSma: Float64Array, out: Float64Array): Float64Array {
  const n = volume.length;
  for (let i = 0; i < n; i++) {
    const average = volumeSma[i];
    out[i] = average !== 0 ? volume[i] / average : NaN;
  }
  return out;
}

/** atr / close x 100 */
export function atrPercent(atr: Float64Array, close: Float64Array, out: Float64Array): Float64Array {
  const n = close.length;
  for (let i = 0; i < n; i++) out[i] = (atr[i] / close[i]) * 100;
  return out;
}

/**
 * uncertainty = 50 x (1 + tanh(10 x |close - vwap| / vwap x volume_ratio x atr / close)).
 * Evaluated left to right exactly as the legacy Python expression is.
 */
export function uncertaintyScore(
  close: Float64Array,
  vwapValues: Float64Array,
  volumeRatioValues: Float64Array,
  atr: Float64Array,
  out: Float64Array,
): Float64Array {
  const n = close.length;
  for (let i = 0; i < n; i++) {
    const c = close[i];
    const v = vwapValues[i];
    const x = (((10 * Math.abs(c - v)) / v) * volumeRatioValues[i] * atr[i]) / c;
    out[i] = 50 * (1 + Math.tanh(x));
  }
  return out;
}
