/**
 * Hand-made snapshots for the checks' unit tests: a calm series on business days, which each test then breaks in
 * one place.
 */
import { RAW_SCHEMA, type RawBar, type RawSnapshot } from '../../lake/formats/raw.js';

/** `count` business days from `start` (a weekday), as ISO dates. */
export function businessDays(start: string, count: number): string[] {
  const dates: string[] = [];
  for (let ms = Date.parse(`${start}T00:00:00Z`); dates.length < count; ms += 86_400_000) {
    const day = new Date(ms).getUTCDay();
    if (day !== 0 && day !== 6) dates.push(new Date(ms).toISOString().slice(0, 10));
  }
  return dates;
}

/** A calm, consistent series: closes zig-zag by about 1 % around `level`, volumes around 1e6. */
export function calmBars(count: number, start = '2024-01-01', level = 100): RawBar[] {
  return businessDays(start, count).map((date, i) => {
    const close = level * (1 + 0.01 * Math.sin(i));
    const open = level * (1 + 0.01 * Math.sin(i - 0.5));
    return {
      date,
      open,
      high: Math.max(open, close) * 1.005,
      low: Math.min(open, close) * 0.995,
      close,
      adj_close: close * 0.98,
      volume: Math.round(1_000_000 * (1 + 0.2 * Math.cos(i * 1.7))),
    };
  });
}

export function snapshotOf(bars: RawBar[], overrides: Partial<RawSnapshot> = {}): RawSnapshot {
  return {
    schema: RAW_SCHEMA,
    source: 'yfinance',
    ticker: 'TEST',
    fetched_at: `${bars[bars.length - 1].date}T22:00:00.000Z`,
    interval: '1d',
    currency: 'USD',
    exchange: 'NMS',
    timezone: 'America/New_York',
    bars,
    events: { dividends: [], splits: [] },
    ...overrides,
  };
}
