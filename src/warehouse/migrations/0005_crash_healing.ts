/**
 * Crash healing (issue 10, item 5): a run records which process runs it and renews a heartbeat, so that the next
 * run can tell a run that was killed (left `running` forever) from one still going in another process, and mark
 * it `aborted`; a run stopped by SIGINT/SIGTERM ends `interrupted`.
 *
 * Additive: two nullable columns (rows of older runs have neither: their liveness is judged by `started_at`), and
 * the status check widened. Frozen once released.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('computation_runs')
    // {host, pid, bootId, pidNamespace} of the process running it (src/process-liveness.ts).
    .addColumn('owner', 'jsonb')
    .addColumn('heartbeat_at', 'timestamptz')
    .execute();
  // 0001 declared the check inline, so PostgreSQL named it <table>_<column>_check.
  await sql`alter table computation_runs drop constraint computation_runs_status_check`.execute(db);
  await sql`alter table computation_runs add constraint computation_runs_status_check
    check (status in ('running', 'ok', 'partial', 'failed', 'interrupted', 'aborted'))`.execute(db);
}

async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table computation_runs drop constraint computation_runs_status_check`.execute(db);
  await sql`alter table computation_runs add constraint computation_runs_status_check
    check (status in ('running', 'ok', 'partial', 'failed'))`.execute(db);
  await db.schema.alterTable('computation_runs').dropColumn('owner').dropColumn('heartbeat_at').execute();
}

export const migration0005CrashHealing: Migration = { up, down };
