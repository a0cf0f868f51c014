import type { ChartResultArray } from 'yahoo-finance2/modules/chart';
import { RAW_SCHEMA, type Dividend, type RawBar, type RawSnapshot, type Split } from '../../lake/formats/raw.js';
import { checkBars, missingFieldsReason } from '../../lake/formats/raw-bars.js';
import { NoDataError, type SnapshotRequest } from '../source.js';
import { localDate } from '../local-date.js';

/**
 * Maps yahoo-finance2's `chart()` result (array form) to the raw document. Pure, so the rules below are tested
 * without HTTP:
 * - a bar's date is the exchange-local trading date (meta.exchangeTimezoneName, else meta.gmtoffset);
 * - rows outside [start, end] are left out (the query asks Yahoo for a day more on each side, see yahoo.ts);
 * - rows with null fields are dropped and listed in `dropped_bars` with the reason;
 * - when two rows fall on one local date (Yahoo appends the live session as a separate row at times), the later
 *   one is kept, as the newer print, and the earlier one is listed in `dropped_bars`;
 * - dividends and splits in the range go to `events`, dated the same way.
 */
export function chartToSnapshot(ticker: string, result: ChartResultArray, request: SnapshotRequest): RawSnapshot {
  const { meta } = result;
  const timeZone = typeof meta.exchangeTimezoneName === 'string' ? meta.exchangeTimezoneName : null;
  const dateOf = (instant: Date) => localDate(instant, timeZone, meta.gmtoffset);
  const inRange = (date: string) => date >= request.start && date <= request.end;

  const byDate = new Map<string, RawBar>();
  const dropped: { date: string; reason: string }[] = [];
  for (const quote of result.quotes) {
    const date = dateOf(quote.date);
    if (!inRange(date)) continue;
    const reason = missingFieldsReason(quote);
    if (reason !== null) {
      dropped.push({ date, reason });
      continue;
    }
    if (byDate.has(date)) {
      dropped.push({ date, reason: 'a later row for the same exchange-local date replaced it' });
    }
    byDate.set(date, {
      date,
      open: quote.open as number,
      high: quote.high as number,
      low: quote.low as number,
      close: quote.close as number,
      adj_close: typeof quote.adjclose === 'number' ? quote.adjclose : null,
      volume: quote.volume as number,
    });
  }
  const bars = [...byDate.values()].sort((a, b) => compare(a.date, b.date));
  const label = `${ticker} (yfinance)`;
  if (bars.length === 0) {
    const note = dropped.length > 0 ? ` (${dropped.length} row${dropped.length === 1 ? '' : 's'} without prices)` : '';
    throw new NoDataError(ticker, 'yfinance', `no bars between ${request.start} and ${request.end}${note}`);
  }
  checkBars(bars, label);

  const dividends: Dividend[] = (result.events?.dividends ?? [])
    .map((d) => ({ date: dateOf(d.date), amount: d.amount }))
    .filter((d) => inRange(d.date))
    .sort((a, b) => compare(a.date, b.date));
  const splits: Split[] = (result.events?.splits ?? [])
    .map((s) => ({ date: dateOf(s.date), numerator: s.numerator, denominator: s.denominator }))
    .filter((s) => inRange(s.date))
    .sort((a, b) => compare(a.date, b.date));

  const snapshot: RawSnapshot = {
    schema: RAW_SCHEMA,
    source: 'yfinance',
    ticker,
    fetched_at: request.now.toISOString(),
    interval: '1d',
    currency: typeof meta.currency === 'string' ? meta.currency : null,
    exchange: typeof meta.exchangeName === 'string' ? meta.exchangeName : null,
    timezone: timeZone,
    bars,
    events: { dividends, splits },
  };
  if (dropped.length > 0) snapshot.dropped_bars = dropped.sort((a, b) => compare(a.date, b.date));
  return snapshot;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
