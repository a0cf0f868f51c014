/**
 * Data quality (issue 14, src/quality): what each check said of each ticker in each run, and the run's quality
 * object in the lake (`quality/{RUN_DATE}/{RUN_ID}.json`, made of these rows).
 *
 * - `quality_results`: one row per (run, ticker, check), passed or not, naming the raw snapshot judged (null when
 *   the vendor's answer could not become one).
 * - `quality_runs`: one row per run that checked anything: its policy, and the lake object; `written_at` null while
 *   the lake has not taken it (the object is rendered again from the rows by `lake retry` or the next run, so the
 *   rows are its outbox).
 *
 * Additive: new tables. Frozen once released.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('quality_runs')
    .addColumn('run_id', 'text', (column) => column.primaryKey())
    .addColumn('run_date', 'date', (column) => column.notNull())
    .addColumn('checked_at', 'timestamptz', (column) => column.notNull())
    .addColumn('policy', 'text', (column) => column.notNull().check(sql`policy in ('block', 'warn')`))
    .addColumn('computation_version', 'text', (column) => column.notNull())
    .addColumn('lake_key', 'text', (column) => column.notNull())
    .addColumn('version_id', 'text')
    .addColumn('written_at', 'timestamptz')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createTable('quality_results')
    .addColumn('run_id', 'text', (column) => column.notNull().references('quality_runs.run_id').onDelete('cascade'))
    .addColumn('ticker', 'text', (column) => column.notNull())
    .addColumn('check_id', 'text', (column) => column.notNull())
    .addColumn('market', 'text', (column) => column.notNull())
    .addColumn('severity', 'text', (column) => column.notNull().check(sql`severity in ('error', 'warn')`))
    .addColumn('passed', 'boolean', (column) => column.notNull())
    .addColumn('observed', 'jsonb', (column) => column.notNull())
    .addColumn('expected', 'jsonb', (column) => column.notNull())
    .addColumn('details', 'text', (column) => column.notNull())
    .addColumn('as_of', 'date')
    .addColumn('raw_key', 'text')
    .addColumn('raw_version_id', 'text')
    .addColumn('raw_sha256', 'text')
    .addPrimaryKeyConstraint('quality_results_pkey', ['run_id', 'ticker', 'check_id'])
    .execute();
  // "The latest verdicts of a ticker": `quality check` and the API read by ticker.
  await db.schema
    .createIndex('quality_results_ticker_idx')
    .on('quality_results')
    .columns(['ticker', 'run_id'])
    .execute();
  await db.schema
    .createIndex('quality_runs_pending_idx')
    .on('quality_runs')
    .column('run_id')
    .where(sql.ref('written_at'), 'is', null)
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('quality_results').execute();
  await db.schema.dropTable('quality_runs').execute();
}

export const migration0008Quality: Migration = { up, down };
