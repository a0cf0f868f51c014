/**
 * Delivers the alert outbox: claims the rows that are due, sends them batched per sink, marks what the sinks
 * accepted and schedules the rest. The guarantees (issue 14):
 *   - at least once: a row leaves the pending set only when its sink accepted it (2xx, or SNS's MessageId); a
 *     process that dies while sending leaves its rows claimed until the lease ends, then another delivery sends
 *     them again;
 *   - bounded time: each request gets the smaller of the per-request timeout and what is left of the budget, and
 *     when the budget is spent the rows not tried are released as they were, for the next delivery;
 *   - never throws for a sink: failures are returned (redacted) for the caller's summary, and stored redacted
 *     in `last_error`; only a database error escapes, for the entry point to report.
 * The sinks are sent to side by side, each sink's batches one after another: one slow sink does not hold up the
 * others, and a sink that fails is not asked again within the same delivery (its other rows wait with it).
 */
import { messageOf } from '../errors.js';
import { redact } from '../secrets.js';
import type { Warehouse } from '../warehouse/database.js';
import {
  claimDueAlerts,
  countPendingAlerts,
  markAlertsSent,
  releaseAlerts,
  scheduleAlertRetry,
  type AlertOutboxRow,
} from '../warehouse/alerts.js';
import type { AlertSink } from '../warehouse/schema.js';
import { nextAttemptAt } from './backoff.js';
import type { Notification } from './notification.js';
import { SINK_SETTINGS, type Sink } from './sinks.js';

export interface DeliveryOptions {
  sinks: ReadonlyMap<AlertSink, Sink>;
  /** The command's clock: written into the rows and compared with their next attempt times. */
  now: Date;
  /** Who holds the claimed rows: the run's id, or the retry command's. */
  holder: string;
  timeoutMs: number;
  budgetMs: number;
  /** `alerts retry`: every pending row now, whatever its next attempt time. */
  ignoreSchedule: boolean;
  /** Milliseconds elapsed on a monotonic clock (the budget is real time, whatever `now` says). */
  elapsed?: () => number;
}

export interface DeliveryReport {
  /** Outbox rows the sinks accepted. */
  sent: number;
  /** Outbox rows still pending afterwards (failed, not tried, or not due yet). */
  pending: number;
  /** One line per problem, redacted; names sinks, never their URLs. */
  failures: string[];
}

/** Rows claimed at once; more wait for the next delivery (a budget of seconds sends far fewer batches). */
const CLAIM_LIMIT = 10_000;
/** A claim outlives any delivery (the budget is at most 10 minutes); then a dead holder's rows are taken over. */
const LEASE_MARGIN_MS = 5 * 60_000;

export async function deliverAlerts(warehouse: Warehouse, options: DeliveryOptions): Promise<DeliveryReport> {
  const elapsed = options.elapsed ?? monotonicMs();
  const start = elapsed();
  const remaining = () => options.budgetMs - (elapsed() - start);
  const db = warehouse.db;
  const rows = await claimDueAlerts(db, {
    now: options.now,
    holder: options.holder,
    leaseMs: options.budgetMs + LEASE_MARGIN_MS,
    ignoreSchedule: options.ignoreSchedule,
    limit: CLAIM_LIMIT,
  });
  const bySink = new Map<AlertSink, AlertOutboxRow[]>();
  for (const row of rows) {
    const list = bySink.get(row.sink);
    if (list === undefined) bySink.set(row.sink, [row]);
    else list.push(row);
  }
  // Settled, not all: a database error in one sink's bookkeeping must not leave the others running unwatched.
  const settled = await Promise.allSettled(
    [...bySink].map(([name, sinkRows]) => {
      const sink = options.sinks.get(name);
      return sink === undefined
        ? unconfigured(warehouse, name, sinkRows, options)
        : deliverToSink(warehouse, sink, sinkRows, options, remaining);
    }),
  );
  const names = [...bySink.keys()];
  const reports = settled.map((outcome, index) =>
    outcome.status === 'fulfilled'
      ? outcome.value
      : {
          sent: 0,
          // Its rows stay claimed until the lease ends, then the next delivery takes them (at least once).
          failures: [`${names[index]}: delivery stopped: ${messageOf(outcome.reason)}`],
        },
  );
  return {
    sent: reports.reduce((n, report) => n + report.sent, 0),
    pending: await countPendingAlerts(db),
    failures: reports.flatMap((report) => report.failures).map(redact),
  };
}

async function deliverToSink(
  warehouse: Warehouse,
  sink: Sink,
  rows: readonly AlertOutboxRow[],
  options: DeliveryOptions,
  remaining: () => number,
): Promise<{ sent: number; failures: string[] }> {
  const db = warehouse.db;
  const { items, withSuperseded } = newestPerFingerprint(rows);
  const batches = sink.batches(items);
  let sent = 0;
  for (const [index, batch] of batches.entries()) {
    const left = remaining();
    const rest = batches.slice(index).flatMap((b) => withSuperseded(b.ids));
    if (left <= 0) {
      await releaseAlerts(db, rest, options.holder);
      return {
        sent,
        failures: [
          `${sink.name}: ${rest.length} alert(s) not sent: the delivery budget of ${options.budgetMs} ms ran out`,
        ],
      };
    }
    const ids = withSuperseded(batch.ids);
    const outcome = await sink.send(batch.body, Math.min(options.timeoutMs, left));
    if (outcome.ok) {
      await markAlertsSent(db, ids, options.holder, options.now);
      sent += ids.length;
      continue;
    }
    const error = redact(outcome.error);
    const attempts = Math.max(...rows.filter((row) => ids.includes(row.id)).map((row) => row.attempts)) + 1;
    const next = nextAttemptAt(options.now, attempts, outcome.retryAfterMs);
    await scheduleAlertRetry(db, ids, { holder: options.holder, nextAttemptAt: next, error, attempted: true });
    const untried = rest.filter((id) => !ids.includes(id));
    if (untried.length > 0) {
      await scheduleAlertRetry(db, untried, {
        holder: options.holder,
        nextAttemptAt: next,
        error,
        attempted: false,
      });
    }
    return {
      sent,
      failures: [
        `${sink.name}: ${ids.length} alert(s) not delivered (attempt ${attempts}; next at ${next.toISOString()}${untried.length > 0 ? `; ${untried.length} more wait with them` : ''}): ${error}`,
      ],
    };
  }
  return { sent, failures: [] };
}

/** Rows queued for a sink that is no longer configured: they wait (with backoff) for it to come back. */
async function unconfigured(
  warehouse: Warehouse,
  name: AlertSink,
  rows: readonly AlertOutboxRow[],
  options: DeliveryOptions,
): Promise<{ sent: number; failures: string[] }> {
  const error = `the ${name} sink is not configured (${SINK_SETTINGS[name]})`;
  const attempts = Math.max(...rows.map((row) => row.attempts)) + 1;
  const next = nextAttemptAt(options.now, attempts);
  await scheduleAlertRetry(
    warehouse.db,
    rows.map((row) => row.id),
    { holder: options.holder, nextAttemptAt: next, error, attempted: true },
  );
  return { sent: 0, failures: [`${name}: ${rows.length} alert(s) not delivered: ${error}`] };
}

/**
 * One notification per fingerprint per delivery: when a sink has two pending rows about one problem (a newer one
 * was queued while a delivery held the older), only the newest is sent, since it says the problem's current
 * state, and the older ones go with it (marked sent together, or retried together). `withSuperseded` gives a
 * batch's row ids plus those of the rows its notifications replace.
 */
function newestPerFingerprint(rows: readonly AlertOutboxRow[]): {
  items: { id: number; notification: Notification }[];
  withSuperseded: (ids: readonly number[]) => number[];
} {
  const newest = new Map<string, AlertOutboxRow>();
  const olderByNewestId = new Map<number, number[]>();
  for (const row of rows) {
    const current = newest.get(row.fingerprint);
    if (current !== undefined) {
      olderByNewestId.set(row.id, [...(olderByNewestId.get(current.id) ?? []), current.id]);
      olderByNewestId.delete(current.id);
    }
    newest.set(row.fingerprint, row);
  }
  const items = [...newest.values()]
    .sort((a, b) => a.id - b.id)
    .map((row) => ({ id: row.id, notification: row.payload as unknown as Notification }));
  return { items, withSuperseded: (ids) => ids.flatMap((id) => [id, ...(olderByNewestId.get(id) ?? [])]) };
}

function monotonicMs(): () => number {
  return () => performance.now();
}
