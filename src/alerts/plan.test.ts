import { describe, expect, it } from 'vitest';
import type { QualityResult } from '../quality/finding.js';
import type { AlertStateRecord } from '../warehouse/alerts.js';
import { alertFingerprint } from './notification.js';
import { planAlerts } from './plan.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date('2026-12-01T22:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function verdict(overrides: Partial<QualityResult> = {}): QualityResult {
  return {
    check: 'consistency.high_low',
    ticker: 'NVDA',
    market: 'US',
    severity: 'error',
    passed: false,
    observed: 3,
    expected: 0,
    details: '3 bars with high < low (2026-11-27, 2026-11-30, 2026-12-01)',
    as_of: '2026-12-01',
    raw: { key: 'raw/yahoo/NVDA/2026-12-01/x.json', versionId: 'v1', sha256: 'a'.repeat(64) },
    ...overrides,
  };
}

/** The states as the database would hold them after applying `plan` to `states`. */
function apply(states: AlertStateRecord[], next: AlertStateRecord[]): AlertStateRecord[] {
  const byFingerprint = new Map(states.map((s) => [s.fingerprint, s]));
  for (const state of next) byFingerprint.set(state.fingerprint, state);
  return [...byFingerprint.values()];
}

describe('planAlerts', () => {
  it('fires a new problem once, with the verdict and the episode start', () => {
    const plan = planAlerts([verdict()], [], T0, DAY);
    expect(plan.notifications).toEqual([
      expect.objectContaining({
        fingerprint: alertFingerprint('consistency.high_low', 'NVDA'),
        status: 'firing',
        reason: 'new',
        observed: 3,
        starts_at: T0.toISOString(),
        ends_at: null,
        raw_key: 'raw/yahoo/NVDA/2026-12-01/x.json',
      }),
    ]);
    expect(plan.states).toEqual([
      expect.objectContaining({ status: 'firing', firstSeenAt: T0, lastQueuedAt: T0, resolvedAt: null }),
    ]);
  });

  it('says nothing on a second run when nothing changed, and nothing for a pass that was never firing', () => {
    const first = planAlerts([verdict()], [], T0, DAY);
    const second = planAlerts(
      [verdict(), verdict({ ticker: 'AAPL', passed: true, observed: 0 })],
      first.states,
      at(HOUR),
      DAY,
    );
    expect(second).toEqual({ states: [], notifications: [] });
  });

  it('reminds of an unchanged problem once the interval has passed since the last notification', () => {
    let states = planAlerts([verdict()], [], T0, DAY).states;
    expect(planAlerts([verdict()], states, at(DAY - 1), DAY).notifications).toEqual([]);
    const reminder = planAlerts([verdict()], states, at(DAY), DAY);
    expect(reminder.notifications.map((n) => [n.reason, n.starts_at])).toEqual([['reminder', T0.toISOString()]]);
    states = apply(states, reminder.states);
    // The interval counts from the reminder, and the episode keeps its start and its last change.
    expect(states[0]).toMatchObject({ firstSeenAt: T0, lastChangeAt: T0, lastQueuedAt: at(DAY) });
    expect(planAlerts([verdict()], states, at(DAY + HOUR), DAY).notifications).toEqual([]);
  });

  it('re-sends at once when the observed value or the severity changes', () => {
    const states = planAlerts([verdict()], [], T0, DAY).states;
    const moreBars = planAlerts([verdict({ observed: 4 })], states, at(HOUR), DAY);
    expect(moreBars.notifications.map((n) => [n.reason, n.observed])).toEqual([['changed', 4]]);
    expect(moreBars.states[0]).toMatchObject({ lastChangeAt: at(HOUR), firstSeenAt: T0 });
    const downgraded = planAlerts([verdict({ severity: 'warn' })], states, at(HOUR), DAY);
    expect(downgraded.notifications.map((n) => [n.reason, n.severity])).toEqual([['changed', 'warn']]);
  });

  it('compares list observations by value (as read back from jsonb)', () => {
    const states = planAlerts([verdict({ observed: ['2026-11-27', '2026-11-30'] })], [], T0, DAY).states;
    const again = planAlerts([verdict({ observed: ['2026-11-27', '2026-11-30'] })], states, at(HOUR), DAY);
    expect(again.notifications).toEqual([]);
  });

  it('resolves a firing problem when its check passes again, and fires anew after that', () => {
    let states = planAlerts([verdict()], [], T0, DAY).states;
    const resolved = planAlerts([verdict({ passed: true, observed: 0, details: '' })], states, at(HOUR), DAY);
    expect(resolved.notifications).toEqual([
      expect.objectContaining({
        status: 'resolved',
        reason: 'resolved',
        observed: 0,
        starts_at: T0.toISOString(),
        ends_at: at(HOUR).toISOString(),
      }),
    ]);
    states = apply(states, resolved.states);
    // Passing again: nothing more to say.
    expect(planAlerts([verdict({ passed: true, observed: 0 })], states, at(2 * HOUR), DAY).notifications).toEqual([]);
    const again = planAlerts([verdict()], states, at(3 * HOUR), DAY);
    expect(again.notifications.map((n) => [n.status, n.reason, n.starts_at])).toEqual([
      ['firing', 'new', at(3 * HOUR).toISOString()],
    ]);
    expect(again.states[0]).toMatchObject({ resolvedAt: null, firstSeenAt: at(3 * HOUR) });
  });

  it('leaves a firing problem alone when the run has no verdict on it (another shard, a check that did not run)', () => {
    const states = planAlerts([verdict()], [], T0, DAY).states;
    expect(planAlerts([verdict({ ticker: 'AAPL', passed: true })], states, at(2 * DAY), DAY)).toEqual({
      states: [],
      notifications: [],
    });
  });

  it('keeps problems apart by check and ticker', () => {
    const plan = planAlerts(
      [verdict(), verdict({ ticker: 'AAPL' }), verdict({ check: 'gaps.missing_days' })],
      [],
      T0,
      DAY,
    );
    expect(new Set(plan.notifications.map((n) => n.fingerprint)).size).toBe(3);
  });

  it('refuses two verdicts of one check on one ticker in a run, naming them', () => {
    expect(() => planAlerts([verdict(), verdict({ passed: true })], [], T0, DAY)).toThrow(
      /two quality verdicts of consistency\.high_low on NVDA/,
    );
  });
});
