/**
 * When a failed notification is tried again: after 1, 2, 4, ... minutes (the n-th failure waits 2^(n-1) minutes),
 * at most an hour, so a sink that is down for a day is tried about once an hour rather than at every run; a sink
 * that says when to come back (429 or 503 with Retry-After) is believed, up to a day.
 */
export const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_CAP_MS = 3_600_000;
export const RETRY_AFTER_CAP_MS = 86_400_000;

/** The next attempt's time after the `attempts`-th failure (1 for the first). */
export function nextAttemptAt(now: Date, attempts: number, retryAfterMs?: number): Date {
  if (retryAfterMs !== undefined) return new Date(now.getTime() + Math.min(retryAfterMs, RETRY_AFTER_CAP_MS));
  const exponent = Math.min(Math.max(attempts, 1) - 1, 30);
  return new Date(now.getTime() + Math.min(BACKOFF_BASE_MS * 2 ** exponent, BACKOFF_CAP_MS));
}
