import { describe, expect, it } from 'vitest';
import type { RawBar } from '../lake/formats/raw.js';
import { parseQualityConfig } from './config.js';
import type { CheckVerdict } from './finding.js';
import { checkSnapshot, SNAPSHOT_CHECKS, type SnapshotCheckInput } from './snapshot-checks.js';
import { calmBars, snapshotOf } from './testing/bars.js';
import type { Market } from '../sources/markets.js';

function run(bars: RawBar[], extra: Partial<SnapshotCheckInput> = {}, market: Market = 'US'): CheckVerdict[] {
  return checkSnapshot({ ticker: 'TEST', market, snapshot: snapshotOf(bars), ...extra });
}

function find(verdicts: CheckVerdict[], id: string): CheckVerdict {
  const found = verdicts.find((v) => v.check === id);
  if (!found) throw new Error(`no verdict for ${id}`);
  return found;
}

function failed(verdicts: CheckVerdict[]): string[] {
  return verdicts.filter((v) => !v.passed).map((v) => v.check);
}

describe('checkSnapshot on a clean series', () => {
  it('gives one passed verdict per snapshot check, with the default severities', () => {
    const bars = calmBars(120);
    const verdicts = run(bars, { previous: snapshotOf(bars.slice(0, 119)) });
    expect(verdicts.map((v) => v.check)).toEqual([...SNAPSHOT_CHECKS]);
    expect(failed(verdicts)).toEqual([]);
    expect(find(verdicts, 'consistency.high_low').severity).toBe('error');
    expect(find(verdicts, 'plausibility.flat_close').severity).toBe('warn');
    expect(verdicts.every((v) => v.details === '')).toBe(true);
  });

  it('passes the stability checks without a previous snapshot, saying why', () => {
    const verdict = find(run(calmBars(30)), 'stability.history_shrank');
    expect(verdict).toMatchObject({ passed: true, details: expect.stringContaining('no previous snapshot') });
  });
});

describe('consistency', () => {
  it('finds a high below the close and a low above the open, naming the dates', () => {
    const bars = calmBars(30);
    bars[5] = { ...bars[5], high: bars[5].close * 0.99 };
    bars[9] = { ...bars[9], low: bars[9].open * 1.01 };
    const verdict = find(run(bars), 'consistency.high_low');
    expect(verdict).toMatchObject({ passed: false, severity: 'error', observed: 2, expected: 0 });
    expect(verdict.details).toContain(bars[5].date);
    expect(verdict.details).toContain(bars[9].date);
  });

  it('finds high < low even when open and close sit between them', () => {
    const bars = calmBars(30);
    bars[3] = { ...bars[3], high: 90, low: 110, open: 100, close: 100 };
    expect(find(run(bars), 'consistency.high_low').passed).toBe(false);
  });

  it('forgives float32 noise within the tolerance', () => {
    const bars = calmBars(30);
    bars[3] = { ...bars[3], high: Math.max(bars[3].open, bars[3].close) * (1 - 1e-8) };
    expect(find(run(bars), 'consistency.high_low').passed).toBe(true);
  });

  it('finds zero, negative and non-finite prices, and adj_close among them', () => {
    const bars = calmBars(30);
    bars[1] = { ...bars[1], low: 0 };
    bars[2] = { ...bars[2], close: Number.NaN };
    bars[4] = { ...bars[4], adj_close: -1 };
    const verdict = find(run(bars), 'consistency.positive_prices');
    expect(verdict).toMatchObject({ passed: false, observed: 3 });
    expect(verdict.details).toContain('low 0');
  });

  it('finds a negative volume', () => {
    const bars = calmBars(30);
    bars[7] = { ...bars[7], volume: -5 };
    expect(find(run(bars), 'consistency.volume')).toMatchObject({ passed: false, observed: 1 });
  });

  it('counts dates the vendor repeated mid-series, but not the live session repeated on the last date', () => {
    const bars = calmBars(30);
    const reason = 'a later row for the same exchange-local date replaced it';
    const last = bars[29].date;
    const onlyLast = checkSnapshot({
      ticker: 'TEST',
      market: 'US',
      snapshot: snapshotOf(bars, { dropped_bars: [{ date: last, reason }] }),
    });
    expect(find(onlyLast, 'consistency.duplicate_dates').passed).toBe(true);

    const mid = checkSnapshot({
      ticker: 'TEST',
      market: 'US',
      snapshot: snapshotOf(bars, {
        dropped_bars: [
          { date: bars[10].date, reason },
          { date: bars[11].date, reason: 'close is null' },
        ],
      }),
    });
    expect(find(mid, 'consistency.duplicate_dates')).toMatchObject({ passed: false, observed: 1 });

    const inBars = [...bars.slice(0, 5), bars[4], ...bars.slice(5)];
    expect(find(run(inBars), 'consistency.duplicate_dates').details).toContain(bars[4].date);
  });
});

describe('plausibility.one_day_move', () => {
  it('finds a tripled close and its return, with the dates and the moves', () => {
    const bars = calmBars(30);
    bars[12] = { ...bars[12], close: bars[12].close * 3, high: bars[12].close * 3 };
    const verdict = find(run(bars), 'plausibility.one_day_move');
    expect(verdict).toMatchObject({ passed: false, severity: 'error', expected: 0.6 });
    expect(verdict.details).toMatch(new RegExp(`${bars[12].date} \\+\\d+`));
    expect(verdict.details).toContain(`${bars[13].date} -6`);
  });

  it('observes the move after a close of 0 as text (JSON has no Infinity)', () => {
    const bars = calmBars(30);
    bars[5] = { ...bars[5], close: 0, low: 0 };
    const verdict = find(run(bars), 'plausibility.one_day_move');
    expect(verdict).toMatchObject({ passed: false, observed: 'Infinity' });
    expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
  });

  it('lets a move through when a split or dividend is dated on that day', () => {
    const bars = calmBars(30).map((bar, i) =>
      i >= 10 ? { ...bar, open: bar.open / 4, high: bar.high / 4, low: bar.low / 4, close: bar.close / 4 } : bar,
    );
    const split = { date: bars[10].date, numerator: 4, denominator: 1 };
    const withEvent = checkSnapshot({
      ticker: 'TEST',
      market: 'US',
      snapshot: snapshotOf(bars, { events: { splits: [split], dividends: [] } }),
    });
    expect(find(withEvent, 'plausibility.one_day_move').passed).toBe(true);
    // The same move with the split dated a day later is a fault.
    const late = { ...split, date: bars[11].date };
    const misdated = checkSnapshot({
      ticker: 'TEST',
      market: 'US',
      snapshot: snapshotOf(bars, { events: { splits: [late], dividends: [] } }),
    });
    expect(find(misdated, 'plausibility.one_day_move').passed).toBe(false);
  });

  it('uses the market threshold: 12 % is fine in the US and a fault in Taiwan (10 % limit)', () => {
    const bars = calmBars(30);
    bars[8] = { ...bars[8], close: bars[7].close * 1.12, high: bars[7].close * 1.13 };
    expect(find(run(bars, {}, 'US'), 'plausibility.one_day_move').passed).toBe(true);
    expect(find(run(bars, {}, 'TW'), 'plausibility.one_day_move')).toMatchObject({ passed: false, expected: 0.11 });
    expect(find(run(bars, {}, 'VN'), 'plausibility.one_day_move').passed).toBe(true);
  });

  it('takes the threshold and severity from the config, per ticker over per market', () => {
    const bars = calmBars(30);
    bars[8] = { ...bars[8], close: bars[7].close * 1.3, high: bars[7].close * 1.31 };
    const config = parseQualityConfig(
      {
        markets: { US: { checks: { 'plausibility.one_day_move': { max_move: 0.2 } } } },
        tickers: { TEST: { checks: { 'plausibility.one_day_move': { severity: 'warn' } } } },
      },
      'quality.json',
    );
    const verdicts = checkSnapshot({ ticker: 'TEST', market: 'US', snapshot: snapshotOf(bars) }, config);
    expect(find(verdicts, 'plausibility.one_day_move')).toMatchObject({
      passed: false,
      severity: 'warn',
      expected: 0.2,
    });
  });
});

describe('plausibility streaks and volume', () => {
  it('finds a close flat for more than 10 bars, not for 10', () => {
    const bars = calmBars(60);
    const flat = (n: number) =>
      bars.map((bar, i) => (i >= 20 && i < 20 + n ? { ...bar, close: 77, open: 77, high: 77.5, low: 76.5 } : bar));
    expect(find(run(flat(10)), 'plausibility.flat_close')).toMatchObject({ passed: true, observed: 10 });
    const verdict = find(run(flat(11)), 'plausibility.flat_close');
    expect(verdict).toMatchObject({ passed: false, observed: 11, severity: 'warn' });
    expect(verdict.details).toContain(`${bars[20].date} to ${bars[30].date}`);
  });

  it('finds volume 0 on more than 2 consecutive bars', () => {
    const bars = calmBars(60);
    const zero = (n: number) => bars.map((bar, i) => (i >= 30 && i < 30 + n ? { ...bar, volume: 0 } : bar));
    expect(find(run(zero(2)), 'plausibility.zero_volume').passed).toBe(true);
    expect(find(run(zero(5)), 'plausibility.zero_volume')).toMatchObject({ passed: false, observed: 5 });
  });

  it('finds a volume far off its own history, and does not judge short histories', () => {
    const bars = calmBars(120);
    bars[70] = { ...bars[70], volume: 1e12 };
    const verdict = find(run(bars), 'plausibility.volume_outlier');
    expect(verdict.passed).toBe(false);
    expect(verdict.details).toContain(bars[70].date);
    expect(find(run(bars.slice(50, 100)), 'plausibility.volume_outlier')).toMatchObject({
      passed: true,
      observed: null,
    });
  });
});

describe('stability', () => {
  const previousBars = calmBars(100, '2024-01-01');
  const previous = snapshotOf(previousBars);
  const later = (bars: RawBar[]) => ({
    previous,
    snapshot: snapshotOf(bars, { fetched_at: `${bars[bars.length - 1].date}T22:00:00.000Z` }),
  });

  it('passes a rolling window that moved on by a day and added a bar', () => {
    const next = calmBars(101, '2024-01-01').slice(1);
    const verdicts = checkSnapshot({ ticker: 'TEST', market: 'US', ...later(next) });
    expect(failed(verdicts)).toEqual([]);
  });

  it('compares with a previous snapshot whose bars are out of order as with the sorted one', () => {
    const next = calmBars(101, '2024-01-01').slice(1);
    const shuffled = snapshotOf([...previousBars].reverse(), { fetched_at: previous.fetched_at });
    const snapshot = snapshotOf(next);
    const verdicts = checkSnapshot({ ticker: 'TEST', market: 'US', snapshot, previous: shuffled });
    expect(failed(verdicts)).toEqual([]);
  });

  it('finds dates gone from the middle and a last bar that went back', () => {
    const next = [...previousBars.slice(0, 40), ...previousBars.slice(45, 98)];
    const verdict = find(checkSnapshot({ ticker: 'TEST', market: 'US', ...later(next) }), 'stability.history_shrank');
    expect(verdict).toMatchObject({ passed: false, severity: 'error', observed: 7 });
    expect(verdict.details).toContain(previousBars[40].date);
    expect(verdict.details).toContain(`last bar went back from ${previousBars[99].date}`);
  });

  it('finds a start cut off by more than the time between the fetches', () => {
    const next = previousBars.slice(30);
    const snapshot = snapshotOf(next, { fetched_at: previous.fetched_at });
    const verdict = find(
      checkSnapshot({ ticker: 'TEST', market: 'US', snapshot, previous }),
      'stability.history_shrank',
    );
    expect(verdict.passed).toBe(false);
    // A week of leeway: the first 5 business days (7 calendar days) are not counted.
    expect(verdict.observed).toBe(25);
  });

  it('takes the request start, when given, as where the history must begin', () => {
    const next = previousBars.slice(30);
    const snapshot = snapshotOf(next, { fetched_at: previous.fetched_at });
    const judge = (requestStart: string) =>
      find(
        checkSnapshot({ ticker: 'TEST', market: 'US', snapshot, previous, requestStart }),
        'stability.history_shrank',
      );
    // A shorter range asked for: nothing was lost.
    expect(judge(next[0].date)).toMatchObject({ passed: true, observed: 0 });
    // The whole range asked for again: the 30 first dates are gone, without a week of leeway.
    expect(judge(previousBars[0].date)).toMatchObject({ passed: false, observed: 30 });
  });

  it('takes the request end, when given: dates after it were not asked for (a backfill ending earlier)', () => {
    const next = previousBars.slice(0, 90);
    const judge = (requestEnd?: string) =>
      find(
        checkSnapshot({ ticker: 'TEST', market: 'US', ...later(next), ...(requestEnd ? { requestEnd } : {}) }),
        'stability.history_shrank',
      );
    expect(judge(next[89].date)).toMatchObject({ passed: true, observed: 0 });
    // Asked up to a later date, the last ten are gone.
    expect(judge(previousBars[99].date)).toMatchObject({ passed: false, observed: 10 });
    expect(judge()).toMatchObject({ passed: false, observed: 10 });
  });

  it('counts restated bars and their largest change, leaving out the previous last bar', () => {
    const next = previousBars.map((bar) => ({ ...bar }));
    next[10].close *= 1.05;
    next[20].volume += 1000;
    next[99].volume += 5000; // the previous last bar: may have been the live session
    const verdict = find(
      checkSnapshot({ ticker: 'TEST', market: 'US', snapshot: snapshotOf(next), previous }),
      'stability.restated_bars',
    );
    expect(verdict).toMatchObject({ passed: false, observed: 2, severity: 'warn' });
    expect(verdict.details).toContain(`close on ${next[10].date}`);
  });

  it('finds a changed adj_close / close ratio and names the new dividend behind it', () => {
    const next = previousBars.map((bar, i) => (i < 90 ? { ...bar, adj_close: bar.adj_close! * 0.99 } : bar));
    const snapshot = snapshotOf(next, { events: { splits: [], dividends: [{ date: next[90].date, amount: 1 }] } });
    const verdict = find(
      checkSnapshot({ ticker: 'TEST', market: 'US', snapshot, previous }),
      'stability.adjustment_changed',
    );
    expect(verdict).toMatchObject({ passed: false, observed: 90 });
    expect(verdict.details).toContain(`new events: dividend ${next[90].date} 1`);
  });
});

describe('config switches', () => {
  it('leaves out a disabled check', () => {
    const config = parseQualityConfig({ checks: { 'plausibility.volume_outlier': { enabled: false } } }, 'q.json');
    const verdicts = checkSnapshot({ ticker: 'TEST', market: 'US', snapshot: snapshotOf(calmBars(30)) }, config);
    expect(verdicts.map((v) => v.check)).not.toContain('plausibility.volume_outlier');
    expect(verdicts).toHaveLength(SNAPSHOT_CHECKS.length - 1);
  });
});
