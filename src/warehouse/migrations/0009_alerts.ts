/**
 * Alerts on data quality (issue 14, src/alerts): what each problem last told people, and the outbox of the
 * notifications not delivered yet.
 *
 * `alert_state`: one row per fingerprint (a check on a ticker) that ever fired. It is what makes alerts one per
 * problem rather than one per run: a run queues a notification only when the state says people do not know yet
 * (new, changed, due for a reminder, resolved).
 *
 * `alert_outbox`: one row per notification per sink, queued in the transaction that updates the state, so a
 * state change is never recorded without its message. Rows name the sink (`slack`, `alertmanager`, `sns`), never
 * its URL: webhook URLs carry secrets. A row is pending until `sent_at` is set; `claimed_until` holds it for one
 * delivering process at a time (several shards may deliver at once on PostgreSQL).
 *
 * Additive: new tables. Frozen once released.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('alert_state')
    .addColumn('fingerprint', 'text', (column) => column.primaryKey())
    .addColumn('check_id', 'text', (column) => column.notNull())
    .addColumn('ticker', 'text', (column) => column.notNull())
    .addColumn('market', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull().check(sql`status in ('firing', 'resolved')`))
    .addColumn('severity', 'text', (column) => column.notNull().check(sql`severity in ('error', 'warn')`))
    .addColumn('observed', 'jsonb', (column) => column.notNull())
    .addColumn('expected', 'jsonb', (column) => column.notNull())
    .addColumn('details', 'text', (column) => column.notNull())
    .addColumn('as_of', 'date')
    // When this episode of the problem started (reset when it fires again after being resolved).
    .addColumn('first_seen_at', 'timestamptz', (column) => column.notNull())
    // When severity or the observed value last changed (or the episode started).
    .addColumn('last_change_at', 'timestamptz', (column) => column.notNull())
    // When a notification was last queued for it: the re-send interval counts from here.
    .addColumn('last_queued_at', 'timestamptz', (column) => column.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addCheckConstraint(
      'alert_state_resolved_check',
      sql`(status = 'firing' and resolved_at is null) or (status = 'resolved' and resolved_at is not null)`,
    )
    .execute();
  await db.schema
    .createTable('alert_outbox')
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('sink', 'text', (column) => column.notNull().check(sql`sink in ('slack', 'alertmanager', 'sns')`))
    .addColumn('fingerprint', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull().check(sql`status in ('firing', 'resolved')`))
    .addColumn('payload', 'jsonb', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (column) => column.notNull())
    .addColumn('last_error', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('alert_outbox_pending_idx')
    .on('alert_outbox')
    .columns(['next_attempt_at', 'id'])
    .where(sql.ref('sent_at'), 'is', null)
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('alert_outbox').execute();
  await db.schema.dropTable('alert_state').execute();
}

export const migration0009Alerts: Migration = { up, down };
