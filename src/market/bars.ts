/**
 * Daily bars: the domain type every source produces and every computation reads.
 *
 * `Bar` is the row form (what raw snapshots store); `BarSeries` is the column form the kernels read,
 * one Float64Array per field so that a kernel is a tight loop over contiguous doubles.
 */
export interface Bar {
  /** Exchange-local trading date, `YYYY-MM-DD`. */
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Dividend/split adjusted close when the vendor gives one; kept but not used by the indicators. */
  adjClose: number | null;
  volume: number;
}

export interface BarSeries {
  dates: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export function toSeries(bars: readonly Bar[]): BarSeries {
  const n = bars.length;
  const series: BarSeries = {
    dates: new Array<string>(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const bar = bars[i];
    series.dates[i] = bar.date;
    series.open[i] = bar.open;
    series.high[i] = bar.high;
    series.low[i] = bar.low;
    series.close[i] = bar.close;
    series.volume[i] = bar.volume;
  }
  return series;
}
