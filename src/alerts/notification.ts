/**
 * What one notification says, whatever the sink: the outbox stores this (as its `payload`), and each sink formats
 * a batch of them when it sends (slack.ts, alertmanager.ts, sns.ts). Keeping the payload sink-neutral lets a
 * notification queued for one sink be formatted at delivery time, and the stored rows stay readable.
 */
import { createHash } from 'node:crypto';
import type { AlertStatus, JsonValue } from '../warehouse/schema.js';

/** Why a notification was queued: a new problem, a changed one, a reminder of one still there, or its end. */
export type NotificationReason = 'new' | 'changed' | 'reminder' | 'resolved';

export interface Notification {
  fingerprint: string;
  status: AlertStatus;
  reason: NotificationReason;
  check: string;
  ticker: string;
  market: string;
  severity: 'error' | 'warn';
  observed: JsonValue;
  expected: JsonValue;
  details: string;
  /** The last bar's date of the snapshot judged. */
  as_of: string | null;
  /** The raw snapshot judged, when there was one. */
  raw_key: string | null;
  /** When this episode of the problem started (ISO 8601). */
  starts_at: string;
  /** When it was resolved; null while firing. */
  ends_at: string | null;
}

/**
 * The problem's identity: the check on the ticker. 16 hex digits of a SHA-256, the form Alertmanager gives its
 * own fingerprints; stable across runs and releases (never change it: every open alert would fire again).
 */
export function alertFingerprint(check: string, ticker: string): string {
  return createHash('sha256').update(`${check}\n${ticker}`).digest('hex').slice(0, 16);
}

/** A short JSON rendering of an observed or expected value, for messages. */
export function showValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `details` cut to `max` characters, for formats with size limits. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
