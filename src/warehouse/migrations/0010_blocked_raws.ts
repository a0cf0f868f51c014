/**
 * Which raw snapshots a `block` run kept out (docs/design.md "Data quality"): the stability checks compare a new
 * snapshot with the newest previous one that was not blocked, so the catalog's raw lookups ask, for each raw
 * object, whether a failed error verdict names it (src/warehouse/blocked-raws.ts). Such verdicts are few (a
 * healthy run has none), so a partial index on them answers each probe from a handful of entries.
 *
 * Additive: an index. Frozen once released.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('quality_results_failed_errors_idx')
    .on('quality_results')
    .column('raw_key')
    .where(sql<boolean>`not passed and severity = 'error'`)
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('quality_results_failed_errors_idx').execute();
}

export const migration0010BlockedRaws: Migration = { up, down };
