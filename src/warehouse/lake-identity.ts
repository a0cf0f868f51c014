/**
 * `lake_identity`: the one lake this database belongs to (migration 0003; the rules are in src/lake-binding.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface RecordedLake {
  lakeId: string;
  lakeCreatedAt: Date;
  /** Where the lake was when a writer last opened it (credentials removed). */
  location: string;
  recordedAt: Date;
}

export async function getRecordedLake(db: Kysely<Database>): Promise<RecordedLake | undefined> {
  const row = await db.selectFrom('lake_identity').selectAll().executeTakeFirst();
  return row === undefined
    ? undefined
    : { lakeId: row.lake_id, lakeCreatedAt: row.lake_created_at, location: row.location, recordedAt: row.recorded_at };
}

/**
 * Records the lake unless one is recorded already, and returns the recorded one: of two processes recording at
 * once, both see the same (first) row, so the loser can compare it with its own lake.
 */
export async function recordLake(
  db: Kysely<Database>,
  lake: { lakeId: string; createdAt: Date },
  location: string,
): Promise<RecordedLake> {
  await db
    .insertInto('lake_identity')
    .values({ lake_id: lake.lakeId, lake_created_at: lake.createdAt, location })
    .onConflict((conflict) => conflict.column('singleton').doNothing())
    .execute();
  const recorded = await getRecordedLake(db);
  // The row cannot be deleted by marketlake, so it is there once the insert returned.
  if (recorded === undefined) throw new Error('lake_identity is empty right after recording the lake');
  return recorded;
}

/** The lake moved (or was copied) with its identity: messages should name where it is now. */
export async function updateRecordedLocation(db: Kysely<Database>, lakeId: string, location: string): Promise<void> {
  await db.updateTable('lake_identity').set({ location }).where('lake_id', '=', lakeId).execute();
}

/**
 * The keys of the newest and the oldest catalogued object (the same key when there is one; none when the
 * catalog is empty): what a lake that this database has written to must hold.
 */
export async function catalogueSampleKeys(db: Kysely<Database>): Promise<string[]> {
  const newest = await db
    .selectFrom('lake_objects')
    .select('key')
    .orderBy('created_at', 'desc')
    .orderBy('key', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (newest === undefined) return [];
  const oldest = await db
    .selectFrom('lake_objects')
    .select('key')
    .orderBy('created_at', 'asc')
    .orderBy('key', 'asc')
    .limit(1)
    .executeTakeFirst();
  return oldest === undefined || oldest.key === newest.key ? [newest.key] : [newest.key, oldest.key];
}
