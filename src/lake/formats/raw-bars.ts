/**
 * The bars of a raw snapshot, between the stored form (RawBar, snake_case as in the JSON) and the domain form
 * (Bar, what validation and computation take), and the checks every snapshot's bars pass, whoever made it.
 */
import { InputError } from '../../errors.js';
import type { Bar } from '../../market/bars.js';
import { validateBars } from '../../market/validate.js';
import type { RawBar } from './raw.js';

/** The domain `Bar` as the raw document stores it (snake_case `adj_close`). */
export function toRawBar(bar: Bar): RawBar {
  return {
    date: bar.date,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    adj_close: bar.adjClose,
    volume: bar.volume,
  };
}

/** The domain bars of a snapshot: what computation, the warehouse prices and validation read. */
export function barsOf(snapshot: { readonly bars: readonly RawBar[] }): Bar[] {
  return snapshot.bars.map((bar) => ({
    date: bar.date,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    adjClose: bar.adj_close,
    volume: bar.volume,
  }));
}

/**
 * Runs validateBars' structural rules over a snapshot's bars: a vendor's values are judged by the data-quality
 * checks after the snapshot is stored (src/market/validate.ts `BarRules`). Sources without line numbers would get
 * a message that does not say which bar is bad, so on a failure the bars are checked one at a time to name the date
 * of the first bad one; when each bar is fine alone, the problem is order or duplicates, and those messages name
 * the dates already.
 * (Checking bar by bar only after a failure keeps the common, valid case to one pass.)
 */
export function checkBars(bars: readonly RawBar[], label: string): void {
  const domain = barsOf({ bars });
  try {
    validateBars(domain, label, () => undefined, 'structural');
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const bar of domain) validateBars([bar], `${label} bar ${bar.date}`, () => undefined, 'structural');
    throw error;
  }
}

/** A vendor row whose fields may be missing; Yahoo and pandas both send nulls for days without a usable print. */
export interface NullableRow {
  open: number | null | undefined;
  high: number | null | undefined;
  low: number | null | undefined;
  close: number | null | undefined;
  volume: number | null | undefined;
}

/**
 * Why a row cannot become a bar, or null when every field is there. The reason is stored in `dropped_bars`,
 * so the snapshot says what was fetched and not used. A missing volume drops the row too: writing 0 would
 * invent a value that the volume indicators would then average in.
 */
export function missingFieldsReason(row: NullableRow): string | null {
  const missing = (['open', 'high', 'low', 'close', 'volume'] as const).filter((field) => row[field] == null);
  if (missing.length === 0) return null;
  return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} null`;
}
