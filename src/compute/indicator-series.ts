import { UserError } from '../errors.js';
import type { Bar } from '../market/bars.js';
import { toSeries } from '../market/bars.js';
import type { ComputationVersion, IndicatorField } from './fields.js';
import { computeIndicators, jsonNumber } from './indicators.js';

/** The fields drawn over or under a price chart: the moving averages, the bands, RSI and MACD. */
export const SERIES_FIELDS = [
  'sma_20',
  'sma_50',
  'sma_200',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_histogram',
] as const satisfies readonly IndicatorField[];

export type SeriesField = (typeof SERIES_FIELDS)[number];

/** One bar's values: `null` before a field's warm-up (or where it is undefined, as in a stored result). */
export type SeriesPoint = { date: string } & Record<SeriesField, number | null>;

/**
 * The snapshot has no bar on the result's as-of date: the result cannot have been computed from it (a damaged
 * lake, not a bad request).
 */
export class AsOfBarMissingError extends UserError {
  override readonly name = 'AsOfBarMissingError';
}

/**
 * The indicator series behind one stored result: `version`'s kernels over the bars of the result's raw snapshot
 * up to and including its as-of date, one point per bar. The bars are cut at `asOf` because that is exactly what
 * the result was computed from (a daily run's as-of date is the snapshot's last bar; a backfill's may be earlier,
 * src/reprocess/as-of.ts), so the last point is `computeResults`' value bit for bit: the same function over the
 * same bars. The earlier points are this one pass over the cut series; a kernel's last bits may depend on where a
 * series ends (KernelSet.prefixTolerance), so they agree with the results stored on those dates to that tolerance,
 * not necessarily to the bit.
 */
export function indicatorSeries(bars: readonly Bar[], version: ComputationVersion, asOf: string): SeriesPoint[] {
  let end = bars.length;
  while (end > 0 && bars[end - 1].date > asOf) end--;
  if (end === 0 || bars[end - 1].date !== asOf) {
    throw new AsOfBarMissingError(`the raw snapshot has no bar on the as-of date ${asOf}`);
  }
  const series = toSeries(end === bars.length ? bars : bars.slice(0, end));
  const columns = computeIndicators(series, version);
  return series.dates.map((date, i) => {
    const point = { date } as SeriesPoint;
    for (const field of SERIES_FIELDS) point[field] = jsonNumber(columns[field][i]);
    return point;
  });
}
