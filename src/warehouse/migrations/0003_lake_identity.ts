/**
 * Lake identity (src/lake/identity.ts, src/lake-binding.ts): the one lake this database belongs to, recorded on
 * first use, so that opening the database against another lake is an error before anything is written.
 *
 * Additive only: one new table of at most one row. A database migrated from before this change has no row until
 * a writing command adopts the lake it is opened with (see lake-binding.ts for the check that comes first).
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lake_identity')
    // A constant primary key: a second row cannot exist, and of two concurrent first recordings one conflicts.
    .addColumn('singleton', 'boolean', (c) =>
      c
        .primaryKey()
        .defaultTo(true)
        .check(sql`singleton`),
    )
    .addColumn('lake_id', 'text', (c) => c.notNull())
    .addColumn('lake_created_at', 'timestamptz', (c) => c.notNull())
    // Where the lake was when last opened by a writer, for messages only: the id is what must match.
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lake_identity').execute();
}

export const migration0003LakeIdentity: Migration = { up, down };
