/**
 * Outbox claims (issue 10, item 8): several processes draining one PostgreSQL outbox at once must not write the
 * same entry at the same time, nor count an entry another live process is writing as their own pending one.
 * An entry is held by one drain at a time: `claimed_by` names it (a run id, or a `lake retry`'s own id) and
 * `claimed_until` ends the hold, so the entries of a process that died are taken over once the lease ends.
 * After release `claimed_until` is null and `claimed_by` keeps the last holder: whose failure left it pending.
 *
 * Additive only: two nullable columns; existing entries are unclaimed. Frozen once released.
 */
import { type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('lake_outbox')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('lake_outbox').dropColumn('claimed_until').dropColumn('claimed_by').execute();
}

export const migration0004OutboxClaims: Migration = { up, down };
