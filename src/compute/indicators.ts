import type { BarSeries } from '../market/bars.js';
import { derivedFields } from './derived.js';
import {
  allocateIndicatorColumns,
  INDICATOR_FIELDS,
  type ComputationVersion,
  type IndicatorColumns,
} from './fields.js';
import { KERNEL_SETS } from './versions/registry.js';

/**
 * All 17 indicator fields of one computation version over a whole series (docs/design.md "Computation versions").
 *
 * Pure: the same bars and version always give the same numbers. Pass `out` (from allocateIndicatorColumns, at
 * least as long as the series) to reuse buffers across calls; the kernels then allocate nothing.
 * NaN marks an undefined value (warm-up, division by zero); it becomes `null` in JSON.
 */
export function computeIndicators(
  series: BarSeries,
  version: ComputationVersion,
  out: IndicatorColumns = allocateIndicatorColumns(series.close.length),
): IndicatorColumns {
  const { high, low, close, volume } = series;
  // Own properties only: a version name such as "constructor" must not find something on Object's prototype.
  const kernels = Object.hasOwn(KERNEL_SETS, version) ? KERNEL_SETS[version] : undefined;
  // Callers parse versions first (the CLI, the config); a library caller passing an unknown one learns which exist.
  if (kernels === undefined) {
    throw new RangeError(
      `unknown computation version ${JSON.stringify(version)}: one of ${Object.keys(KERNEL_SETS).join(', ')}`,
    );
  }
  kernels.sma(close, 20, out.sma_20);
  kernels.sma(close, 50, out.sma_50);
  kernels.sma(close, 200, out.sma_200);
  kernels.rsi(close, 14, out.rsi_14);
  kernels.macd(close, { macd: out.macd, signal: out.macd_signal, histogram: out.macd_histogram });
  kernels.bollinger(close, 20, 2, { upper: out.bb_upper, middle: out.bb_middle, lower: out.bb_lower });
  // atr_percent is written after the ATR from it: until then its buffer serves as the kernel's scratch.
  kernels.atr(high, low, close, 14, out.atr_14, out.atr_percent);
  // The remaining fields are defined once for every version; each version feeds its own ATR and volume
  // average (the same window, each version's arithmetic).
  kernels.sma(volume, 20, out.volume_sma_20);
  derivedFields(high, low, close, volume, out);
  return out;
}

/** A number for JSON: NaN and +-Infinity (undefined values) become null. */
export function jsonNumber(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** One JSON row per bar: `{date, <every field>: number|null}`, in input order. */
export function indicatorRows(series: BarSeries, columns: IndicatorColumns): Record<string, string | number | null>[] {
  return series.dates.map((date, i) => {
    const row: Record<string, string | number | null> = { date };
    for (const name of INDICATOR_FIELDS) row[name] = jsonNumber(columns[name][i]);
    return row;
  });
}

/** The values of the last bar, the `values` object of a stored indicators document. */
export function indicatorValuesAt(columns: IndicatorColumns, index: number): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  for (const name of INDICATOR_FIELDS) values[name] = jsonNumber(columns[name][index]);
  return values;
}
