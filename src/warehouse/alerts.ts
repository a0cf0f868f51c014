/**
 * `alert_state` and `alert_outbox` (migration 0009): the statements of src/alerts. The alerts layer decides what
 * to tell whom (alerts/plan.ts) and how to send it (alerts/deliver.ts); this module only reads and writes rows.
 *
 * The state and the notifications it implies are written in ONE transaction (`recordAlertPlan`): a state that
 * says "people were told" always has its outbox rows, and a crash leaves neither. Delivery claims rows for one
 * process at a time (`claimDueAlerts`, FOR UPDATE SKIP LOCKED, a lease in `claimed_until`), so shards that
 * deliver at once on PostgreSQL never send one row twice, and the rows of a process that died are taken over once
 * its lease ends. Every time written is the caller's `now` (the command's clock), never the database's.
 */
import type { Kysely, Selectable } from 'kysely';
import type {
  AlertOutboxTable,
  AlertSink,
  AlertStateTable,
  AlertStatus,
  Database,
  JsonObject,
  JsonValue,
} from './schema.js';
import { chunkRows, inTransaction, jsonText, storableText } from './sql-helpers.js';

/** One row of `alert_state`, in the alerts' own terms. */
export interface AlertStateRecord {
  fingerprint: string;
  check: string;
  ticker: string;
  market: string;
  status: AlertStatus;
  severity: 'error' | 'warn';
  observed: JsonValue;
  expected: JsonValue;
  details: string;
  asOf: string | null;
  firstSeenAt: Date;
  lastChangeAt: Date;
  lastQueuedAt: Date;
  resolvedAt: Date | null;
}

/** A notification to queue for one sink. `payload` is the sink-neutral notification (alerts/notification.ts). */
export interface AlertOutboxInput {
  sink: AlertSink;
  fingerprint: string;
  status: AlertStatus;
  payload: JsonObject;
}

export interface AlertOutboxRow extends AlertOutboxInput {
  id: number;
  attempts: number;
  nextAttemptAt: Date;
  /** Redacted by the caller before it is stored. */
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** The states of these fingerprints (those that have one). */
export async function loadAlertStates(
  db: Kysely<Database>,
  fingerprints: readonly string[],
): Promise<AlertStateRecord[]> {
  const states: AlertStateRecord[] = [];
  // A list of fingerprints is one parameter each: chunked like any long list.
  for (const chunk of chunkRows([...new Set(fingerprints)], 1)) {
    const rows = await db.selectFrom('alert_state').selectAll().where('fingerprint', 'in', chunk).execute();
    states.push(...rows.map(stateFromRow));
  }
  return states;
}

/** Every state that is firing, oldest problem first (for `alerts list`). */
export async function listFiringAlerts(db: Kysely<Database>): Promise<AlertStateRecord[]> {
  const rows = await db
    .selectFrom('alert_state')
    .selectAll()
    .where('status', '=', 'firing')
    .orderBy('first_seen_at')
    .orderBy('fingerprint')
    .execute();
  return rows.map(stateFromRow);
}

/**
 * Writes the new states and queues their notifications, all or nothing. A pending notification of the same sink
 * and fingerprint that no delivery holds is replaced by the new one: it carries the problem's current state, and
 * an older unsent message about it would only be stale. Returns the ids of the queued rows.
 */
export async function recordAlertPlan(
  db: Kysely<Database>,
  plan: { states: readonly AlertStateRecord[]; notifications: readonly AlertOutboxInput[]; now: Date },
): Promise<number[]> {
  if (plan.states.length === 0 && plan.notifications.length === 0) return [];
  return inTransaction(db, async (trx) => {
    for (const chunk of chunkRows(plan.states, 15)) {
      await trx
        .insertInto('alert_state')
        .values(chunk.map((state) => stateToRow(state, plan.now)))
        .onConflict((conflict) =>
          conflict.column('fingerprint').doUpdateSet((eb) => ({
            market: eb.ref('excluded.market'),
            status: eb.ref('excluded.status'),
            severity: eb.ref('excluded.severity'),
            observed: eb.ref('excluded.observed'),
            expected: eb.ref('excluded.expected'),
            details: eb.ref('excluded.details'),
            as_of: eb.ref('excluded.as_of'),
            first_seen_at: eb.ref('excluded.first_seen_at'),
            last_change_at: eb.ref('excluded.last_change_at'),
            last_queued_at: eb.ref('excluded.last_queued_at'),
            resolved_at: eb.ref('excluded.resolved_at'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
    const ids: number[] = [];
    for (const chunk of chunkRows(plan.notifications, 8)) {
      for (const sink of new Set(chunk.map((row) => row.sink))) {
        const fingerprints = chunk.filter((row) => row.sink === sink).map((row) => row.fingerprint);
        await trx
          .deleteFrom('alert_outbox')
          .where('sink', '=', sink)
          .where('fingerprint', 'in', fingerprints)
          .where('sent_at', 'is', null)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', plan.now)]))
          .execute();
      }
      const inserted = await trx
        .insertInto('alert_outbox')
        .values(
          chunk.map((row) => ({
            sink: row.sink,
            fingerprint: row.fingerprint,
            status: row.status,
            payload: jsonText(row.payload, `alert ${row.fingerprint} payload`),
            next_attempt_at: plan.now,
            created_at: plan.now,
          })),
        )
        .returning('id')
        .execute();
      ids.push(...inserted.map((row) => row.id));
    }
    return ids.sort((a, b) => a - b);
  });
}

export interface ClaimOptions {
  now: Date;
  /** Who holds the claimed rows (a run id, or the retry command's own id). */
  holder: string;
  /** How long the hold lasts if the holder never finishes (it died). */
  leaseMs: number;
  /** True: every pending row, whatever its next attempt time (`alerts retry`, asked for by a person). */
  ignoreSchedule: boolean;
  limit: number;
}

/** Claims pending rows that are due and held by nobody, oldest first. */
export async function claimDueAlerts(db: Kysely<Database>, options: ClaimOptions): Promise<AlertOutboxRow[]> {
  let due = db
    .selectFrom('alert_outbox')
    .select('id')
    .where('sent_at', 'is', null)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', options.now)]));
  if (!options.ignoreSchedule) due = due.where('next_attempt_at', '<=', options.now);
  const rows = await db
    .updateTable('alert_outbox')
    .set({ claimed_by: options.holder, claimed_until: new Date(options.now.getTime() + options.leaseMs) })
    .where('id', 'in', due.orderBy('id').limit(options.limit).forUpdate().skipLocked())
    .returningAll()
    .execute();
  // RETURNING promises no order.
  return rows.map(outboxFromRow).sort((a, b) => a.id - b.id);
}

/** Marks held rows delivered and releases them. */
export async function markAlertsSent(
  db: Kysely<Database>,
  ids: readonly number[],
  holder: string,
  now: Date,
): Promise<void> {
  for (const chunk of chunkRows(ids, 1)) {
    await db
      .updateTable('alert_outbox')
      .set({ sent_at: now, claimed_until: null, last_error: null })
      .where('id', 'in', chunk)
      .where('claimed_by', '=', holder)
      .execute();
  }
}

/**
 * Releases held rows until `nextAttemptAt`. `error` (redacted by the caller) is recorded and the attempt counted
 * for the rows that were tried; rows that were not tried (their sink failed on an earlier request) only wait.
 */
export async function scheduleAlertRetry(
  db: Kysely<Database>,
  ids: readonly number[],
  options: { holder: string; nextAttemptAt: Date; error: string; attempted: boolean },
): Promise<void> {
  for (const chunk of chunkRows(ids, 1)) {
    let update = db
      .updateTable('alert_outbox')
      .set({ next_attempt_at: options.nextAttemptAt, claimed_until: null })
      .where('id', 'in', chunk)
      .where('claimed_by', '=', options.holder);
    if (options.attempted) {
      update = update.set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: storableText(options.error) }));
    }
    await update.execute();
  }
}

/** Releases held rows untouched (the delivery ran out of time before trying them). */
export async function releaseAlerts(db: Kysely<Database>, ids: readonly number[], holder: string): Promise<void> {
  for (const chunk of chunkRows(ids, 1)) {
    await db
      .updateTable('alert_outbox')
      .set({ claimed_until: null })
      .where('id', 'in', chunk)
      .where('claimed_by', '=', holder)
      .execute();
  }
}

/** The rows not delivered yet, oldest first. */
export async function listPendingAlerts(db: Kysely<Database>): Promise<AlertOutboxRow[]> {
  const rows = await db.selectFrom('alert_outbox').selectAll().where('sent_at', 'is', null).orderBy('id').execute();
  return rows.map(outboxFromRow);
}

export async function countPendingAlerts(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('alert_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sent_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes the delivered rows sent before `before` (they are a short history of what was sent, not a log). */
export async function pruneSentAlerts(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db.deleteFrom('alert_outbox').where('sent_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

function stateToRow(state: AlertStateRecord, now: Date) {
  return {
    fingerprint: state.fingerprint,
    check_id: state.check,
    ticker: state.ticker,
    market: state.market,
    status: state.status,
    severity: state.severity,
    observed: jsonText(state.observed, `alert ${state.fingerprint} observed`),
    expected: jsonText(state.expected, `alert ${state.fingerprint} expected`),
    details: storableText(state.details),
    as_of: state.asOf,
    first_seen_at: state.firstSeenAt,
    last_change_at: state.lastChangeAt,
    last_queued_at: state.lastQueuedAt,
    resolved_at: state.resolvedAt,
    updated_at: now,
  };
}

function stateFromRow(row: Selectable<AlertStateTable>): AlertStateRecord {
  return {
    fingerprint: row.fingerprint,
    check: row.check_id,
    ticker: row.ticker,
    market: row.market,
    status: row.status,
    severity: row.severity,
    observed: row.observed,
    expected: row.expected,
    details: row.details,
    asOf: row.as_of,
    firstSeenAt: row.first_seen_at,
    lastChangeAt: row.last_change_at,
    lastQueuedAt: row.last_queued_at,
    resolvedAt: row.resolved_at,
  };
}

function outboxFromRow(row: Selectable<AlertOutboxTable>): AlertOutboxRow {
  return {
    id: Number(row.id),
    sink: row.sink,
    fingerprint: row.fingerprint,
    status: row.status,
    payload: row.payload,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}
