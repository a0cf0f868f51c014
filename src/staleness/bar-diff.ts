/**
 * How the bars of two raw snapshots of one ticker differ where they overlap: the evidence of a restatement.
 *
 * Only the overlap counts, [max(first dates), min(last dates)]: a newer snapshot normally starts later (a rolling
 * two-year range) and ends later (new days), and neither is a revision of history. Inside the overlap a bar is
 * compared field by field with `!==` (exact: a vendor that rounds differently has restated the bar), and a date
 * present in only one snapshot counts too, because it shifts every rolling window after it.
 */
import type { RawBar } from '../lake/formats/raw.js';
import {
  RESTATED_BAR_FIELDS,
  type BarChangeKind,
  type BarRestatement,
  type FieldChange,
  type RestatedBarField,
} from '../lake/formats/restatement.js';

export {
  RESTATED_BAR_FIELDS as BAR_FIELDS,
  type RestatedBarField as BarField,
  type BarChangeKind,
  type BarRestatement,
  type FieldChange,
};

export interface BarDiff {
  /** Null when the snapshots share no date range. */
  overlap: { first_date: string; last_date: string } | null;
  /** Sorted by date. Empty when the overlapping bars are identical. */
  bars: BarRestatement[];
}

export function diffBars(previous: readonly RawBar[], next: readonly RawBar[]): BarDiff {
  if (previous.length === 0 || next.length === 0) return { overlap: null, bars: [] };
  const first = maxDate(firstDate(previous), firstDate(next));
  const last = minDate(lastDate(previous), lastDate(next));
  if (first > last) return { overlap: null, bars: [] };

  // By date rather than by position: the snapshot contract sorts bars, but a legacy object is not ours to trust.
  const before = byDate(previous, first, last);
  const after = byDate(next, first, last);
  const dates = [...new Set([...before.keys(), ...after.keys()])].sort();
  const bars: BarRestatement[] = [];
  for (const date of dates) {
    const old = before.get(date);
    const now = after.get(date);
    if (old === undefined || now === undefined) {
      bars.push({ date, change: old === undefined ? 'added' : 'removed', fields: wholeBar(old, now) });
      continue;
    }
    const fields: Partial<Record<RestatedBarField, FieldChange>> = {};
    let changed = false;
    for (const field of RESTATED_BAR_FIELDS) {
      // `!==`: exact; 0 and -0 are equal (JSON cannot tell them apart anyway), null equals only null.
      if (old[field] !== now[field]) {
        fields[field] = { old: old[field], new: now[field] };
        changed = true;
      }
    }
    if (changed) bars.push({ date, change: 'changed', fields });
  }
  return { overlap: { first_date: first, last_date: last }, bars };
}

function wholeBar(old: RawBar | undefined, now: RawBar | undefined): Partial<Record<RestatedBarField, FieldChange>> {
  const fields: Partial<Record<RestatedBarField, FieldChange>> = {};
  for (const field of RESTATED_BAR_FIELDS) fields[field] = { old: old?.[field] ?? null, new: now?.[field] ?? null };
  return fields;
}

function byDate(bars: readonly RawBar[], first: string, last: string): Map<string, RawBar> {
  const map = new Map<string, RawBar>();
  for (const bar of bars) {
    if (bar.date < first || bar.date > last) continue;
    if (map.has(bar.date)) throw new Error(`two bars dated ${bar.date} in one snapshot: cannot compare them`);
    map.set(bar.date, bar);
  }
  return map;
}

function firstDate(bars: readonly RawBar[]): string {
  return bars.reduce((min, bar) => (bar.date < min ? bar.date : min), bars[0].date);
}

function lastDate(bars: readonly RawBar[]): string {
  return bars.reduce((max, bar) => (bar.date > max ? bar.date : max), bars[0].date);
}

const maxDate = (a: string, b: string): string => (a > b ? a : b);
const minDate = (a: string, b: string): string => (a < b ? a : b);

/** The bar fields a restatement touches, in BAR_FIELDS order. */
export function changedFields(bars: readonly BarRestatement[]): RestatedBarField[] {
  const touched = new Set<RestatedBarField>();
  for (const bar of bars) for (const field of Object.keys(bar.fields) as RestatedBarField[]) touched.add(field);
  return RESTATED_BAR_FIELDS.filter((field) => touched.has(field));
}
