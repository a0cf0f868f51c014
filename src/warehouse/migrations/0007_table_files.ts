/**
 * The lake's table files (issue 13, src/tables): the catalog of the Parquet files the runs write under `tables/`,
 * and their outbox. A run records each file here, body included, in one statement before it puts any of them; a
 * put that succeeds sets `version_id` and `written_at` and drops the body, and one that fails leaves the row
 * pending (with the error) for `lake retry`. A body is bytes (Parquet), hence a table of its own beside
 * `lake_outbox`, whose bodies are JSON text.
 *
 * Additive: a new table. Frozen once released.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lake_table_files')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('table_name', 'text', (column) => column.notNull())
    .addColumn('partition_date', 'date', (column) => column.notNull())
    .addColumn('rows', 'integer', (column) => column.notNull().check(sql`rows > 0`))
    .addColumn('sha256', 'text', (column) => column.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('size', 'bigint', (column) => column.notNull().check(sql`size > 0`))
    .addColumn('tags', 'jsonb', (column) => column.notNull())
    .addColumn('metadata', 'jsonb', (column) => column.notNull())
    .addColumn('body', 'bytea')
    .addColumn('version_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('written_at', 'timestamptz')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    // Pending: the body is kept until the lake has it; written: the lake has it, the body is gone.
    .addCheckConstraint(
      'lake_table_files_state_check',
      sql`(written_at is null and body is not null) or (written_at is not null and body is null)`,
    )
    .execute();
  await db.schema
    .createIndex('lake_table_files_pending_idx')
    .on('lake_table_files')
    .column('key')
    .where(sql.ref('written_at'), 'is', null)
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lake_table_files').execute();
}

export const migration0007TableFiles: Migration = { up, down };
