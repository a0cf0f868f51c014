import { describe, expect, it } from 'vitest';
import type { RawBar } from '../lake/formats/raw.js';
import { changedFields, diffBars } from './bar-diff.js';

function bar(date: string, close: number, extra: Partial<RawBar> = {}): RawBar {
  return { date, open: close, high: close + 1, low: close - 1, close, adj_close: close, volume: 1000, ...extra };
}

describe('diffBars', () => {
  const previous = [bar('2026-01-05', 10), bar('2026-01-06', 11), bar('2026-01-07', 12), bar('2026-01-08', 13)];

  it('records nothing for identical overlapping bars, whatever lies outside the overlap', () => {
    const next = [...previous.slice(1).map((b) => ({ ...b })), bar('2026-01-09', 99)];
    expect(diffBars(previous, next)).toEqual({
      overlap: { first_date: '2026-01-06', last_date: '2026-01-08' },
      bars: [],
    });
  });

  it('lists each changed field with its old and new value, exactly compared', () => {
    const next = previous.map((b) => ({ ...b }));
    next[1] = { ...next[1], close: 5.5, adj_close: 5.5 };
    next[2] = { ...next[2], volume: 1000 + 1e-9 };
    next[3] = { ...next[3], adj_close: null };
    const diff = diffBars(previous, next);
    expect(diff.bars).toEqual([
      {
        date: '2026-01-06',
        change: 'changed',
        fields: { close: { old: 11, new: 5.5 }, adj_close: { old: 11, new: 5.5 } },
      },
      { date: '2026-01-07', change: 'changed', fields: { volume: { old: 1000, new: 1000 + 1e-9 } } },
      { date: '2026-01-08', change: 'changed', fields: { adj_close: { old: 13, new: null } } },
    ]);
    expect(changedFields(diff.bars)).toEqual(['close', 'adj_close', 'volume']);
  });

  it('counts a bar missing on one side inside the overlap as added or removed, with every field', () => {
    const withoutSecond = [previous[0], previous[2], previous[3]];
    expect(diffBars(previous, withoutSecond).bars).toEqual([
      {
        date: '2026-01-06',
        change: 'removed',
        fields: {
          open: { old: 11, new: null },
          high: { old: 12, new: null },
          low: { old: 10, new: null },
          close: { old: 11, new: null },
          adj_close: { old: 11, new: null },
          volume: { old: 1000, new: null },
        },
      },
    ]);
    const added = diffBars(withoutSecond, previous);
    expect(added.bars.map((b) => [b.date, b.change])).toEqual([['2026-01-06', 'added']]);
    expect(added.bars[0].fields.close).toEqual({ old: null, new: 11 });
    expect(Object.keys(added.bars[0].fields)).toEqual(['open', 'high', 'low', 'close', 'adj_close', 'volume']);
  });

  it('has no overlap for disjoint snapshots or an empty one', () => {
    expect(diffBars(previous.slice(0, 2), previous.slice(2))).toEqual({ overlap: null, bars: [] });
    expect(diffBars([], previous)).toEqual({ overlap: null, bars: [] });
  });

  it('refuses a snapshot with two bars of one date rather than guess', () => {
    expect(() => diffBars(previous, [...previous, previous[1]])).toThrow(/two bars dated 2026-01-06/);
  });
});
