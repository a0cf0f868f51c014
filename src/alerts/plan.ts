/**
 * Which notifications a run's quality verdicts call for: one alert per problem, not per run (issue 14).
 *
 * A problem is a check failing on a ticker (its fingerprint). For each verdict, against what people were last
 * told (the alert state):
 *   - failing, and not firing (never seen, or resolved since): `new`, firing;
 *   - failing and firing, with another severity or observed value: `changed`, firing;
 *   - failing and firing, unchanged, last notified at least `resendIntervalMs` ago: `reminder`, firing;
 *   - failing and firing, unchanged, notified recently: nothing;
 *   - passing and firing: `resolved`; passing and not firing (or never seen): nothing.
 * A fingerprint with no verdict in this run (a ticker of another shard, a check that did not run) is left as it
 * is: silence is not a pass. The state records what people were told, so it changes only with a notification.
 *
 * Pure: the caller loads the states, and writes the new ones with the notifications in one transaction.
 */
import type { QualityResult } from '../quality/finding.js';
import type { AlertStateRecord } from '../warehouse/alerts.js';
import type { JsonValue } from '../warehouse/schema.js';
import { alertFingerprint, type Notification, type NotificationReason } from './notification.js';

export interface AlertPlan {
  /** The states to write (only those that change). */
  states: AlertStateRecord[];
  /** What to queue, one per changed state, in the order of the verdicts. */
  notifications: Notification[];
}

export function planAlerts(
  results: readonly QualityResult[],
  states: readonly AlertStateRecord[],
  now: Date,
  resendIntervalMs: number,
): AlertPlan {
  const known = new Map(states.map((state) => [state.fingerprint, state]));
  const seen = new Map<string, QualityResult>();
  const plan: AlertPlan = { states: [], notifications: [] };
  for (const result of results) {
    const fingerprint = alertFingerprint(result.check, result.ticker);
    const earlier = seen.get(fingerprint);
    if (earlier !== undefined) {
      // One verdict per check per ticker per run is the checks' contract; two would make the alert flap.
      throw new Error(`two quality verdicts of ${result.check} on ${result.ticker} in one run; expected one`);
    }
    seen.set(fingerprint, result);
    const state = known.get(fingerprint);
    const firing = state?.status === 'firing';
    let reason: NotificationReason | undefined;
    if (result.passed) {
      if (firing) reason = 'resolved';
    } else if (!firing) {
      reason = 'new';
    } else if (state.severity !== result.severity || !sameValue(state.observed, result.observed)) {
      reason = 'changed';
    } else if (now.getTime() - state.lastQueuedAt.getTime() >= resendIntervalMs) {
      reason = 'reminder';
    }
    if (reason === undefined) continue;
    const next = nextState(result, fingerprint, state, reason, now);
    plan.states.push(next);
    plan.notifications.push(notificationOf(result, next, reason));
  }
  return plan;
}

function nextState(
  result: QualityResult,
  fingerprint: string,
  state: AlertStateRecord | undefined,
  reason: NotificationReason,
  now: Date,
): AlertStateRecord {
  const episodeStart = reason === 'new' || state === undefined ? now : state.firstSeenAt;
  return {
    fingerprint,
    check: result.check,
    ticker: result.ticker,
    market: result.market,
    status: reason === 'resolved' ? 'resolved' : 'firing',
    severity: result.severity,
    observed: jsonValue(result.observed),
    expected: jsonValue(result.expected),
    details: result.details,
    asOf: result.as_of,
    firstSeenAt: episodeStart,
    lastChangeAt: reason === 'reminder' && state !== undefined ? state.lastChangeAt : now,
    lastQueuedAt: now,
    resolvedAt: reason === 'resolved' ? now : null,
  };
}

function notificationOf(result: QualityResult, state: AlertStateRecord, reason: NotificationReason): Notification {
  return {
    fingerprint: state.fingerprint,
    status: state.status,
    reason,
    check: state.check,
    ticker: state.ticker,
    market: state.market,
    severity: state.severity,
    observed: state.observed,
    expected: state.expected,
    details: state.details,
    as_of: state.asOf,
    raw_key: result.raw?.key ?? null,
    starts_at: state.firstSeenAt.toISOString(),
    ends_at: state.resolvedAt?.toISOString() ?? null,
  };
}

/** Values compared as JSON: [1, 2] equals [1, 2] read back from a jsonb column. */
function sameValue(a: JsonValue, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(jsonValue(b));
}

function jsonValue(value: unknown): JsonValue {
  return value === undefined ? null : (value as JsonValue);
}
