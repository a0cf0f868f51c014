/**
 * Migrations are listed in code, not discovered on disk, so that they run unchanged from `src` (tsx, vitest)
 * and from the compiled `dist` (where a filesystem provider would look for `.ts` or `.js` depending on the build).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { migration0001Initial } from './0001_initial.js';
import { migration0002Restatements } from './0002_restatements.js';
import { migration0003LakeIdentity } from './0003_lake_identity.js';
import { migration0004OutboxClaims } from './0004_outbox_claims.js';
import { migration0005CrashHealing } from './0005_crash_healing.js';
import { migration0006PriceSources } from './0006_price_sources.js';
import { migration0007TableFiles } from './0007_table_files.js';
import { migration0008Quality } from './0008_quality.js';
import { migration0009Alerts } from './0009_alerts.js';
import { migration0010BlockedRaws } from './0010_blocked_raws.js';
import { migration0011QualityMarks } from './0011_quality_marks.js';
import { migration0012QualityResultsRunCheck } from './0012_quality_results_run_check.js';

/** Names sort in application order; never rename or reorder a released one. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': migration0001Initial,
  '0002_restatements': migration0002Restatements,
  '0003_lake_identity': migration0003LakeIdentity,
  '0004_outbox_claims': migration0004OutboxClaims,
  '0005_crash_healing': migration0005CrashHealing,
  '0006_price_sources': migration0006PriceSources,
  '0007_table_files': migration0007TableFiles,
  '0008_quality': migration0008Quality,
  '0009_alerts': migration0009Alerts,
  '0010_blocked_raws': migration0010BlockedRaws,
  '0011_quality_marks': migration0011QualityMarks,
  '0012_quality_results_run_check': migration0012QualityResultsRunCheck,
};

const inCodeProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/** Our own bookkeeping tables, so that a shared PostgreSQL database can host other Kysely applications. */
export const MIGRATION_TABLE = 'marketlake_migration';
export const MIGRATION_LOCK_TABLE = 'marketlake_migration_lock';

/** Brings the schema up to the newest migration; throws (with the failing migration's name) on any error. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return runMigrator(db, (migrator) => migrator.migrateToLatest());
}

/**
 * Brings the schema up to migration `name` and no further: for tests that need a database as an older release
 * left it (e.g. a prepared database that lacks the newest migrations).
 */
export async function migrateThrough(db: Kysely<any>, name: string): Promise<string[]> {
  if (!(name in MIGRATIONS))
    throw new Error(`no migration named ${name}; known: ${Object.keys(MIGRATIONS).join(', ')}`);
  return runMigrator(db, (migrator) => migrator.migrateTo(name));
}

async function runMigrator(
  db: Kysely<any>,
  migrate: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: inCodeProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrate(migrator);
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error');
    const where = failed === undefined ? 'before any migration ran' : `in migration ${failed.migrationName}`;
    throw new Error(`warehouse migration failed ${where}: ${describe(error)}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
