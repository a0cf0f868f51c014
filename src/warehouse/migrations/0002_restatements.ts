/**
 * Restatements (src/staleness): vendors revise history, and the lake must know when a newer raw snapshot holds
 * different bars than the previous snapshot of the same ticker, so that results computed from the older bars can
 * be found and recomputed (`marketlake stale`).
 *
 * Additive only: two new tables, nothing in 0001's tables changes. Frozen once released, like 0001: the field
 * and change lists are written out literally rather than imported.
 */
import { sql, type Kysely, type Migration } from 'kysely';

// Keys are compared byte-wise (see 0001): the "C" collation on every key column.
const KEY_TYPE = sql`text collate "C"`;
const BAR_FIELDS = sql`('open', 'high', 'low', 'close', 'adj_close', 'volume')`;
const CHANGES = sql`('changed', 'added', 'removed')`;

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('restatements')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('ticker', 'text', (c) => c.notNull())
    // One comparison per snapshot: detecting again (a retried run) finds the row instead of adding one.
    .addColumn('raw_key', KEY_TYPE, (c) => c.notNull().unique())
    .addColumn('raw_version_id', 'text')
    .addColumn('previous_raw_key', KEY_TYPE, (c) => c.notNull())
    .addColumn('previous_raw_version_id', 'text')
    .addColumn('fetched_at', 'timestamptz', (c) => c.notNull())
    .addColumn('overlap_first_date', 'date', (c) => c.notNull())
    .addColumn('overlap_last_date', 'date', (c) => c.notNull())
    .addColumn('changed_bars', 'integer', (c) => c.notNull().check(sql`changed_bars > 0`))
    .addColumn('first_changed_date', 'date', (c) => c.notNull())
    .addColumn('last_changed_date', 'date', (c) => c.notNull())
    .addColumn('lake_key', KEY_TYPE)
    .addColumn('lake_version_id', 'text')
    .addColumn('lake_error', 'text')
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'restatements_overlap_check',
      sql`overlap_first_date <= overlap_last_date
      and overlap_first_date <= first_changed_date and first_changed_date <= last_changed_date
      and last_changed_date <= overlap_last_date`,
    )
    // Written (a key, no error), failed (an error, no key) or not attempted yet (neither): never both.
    .addCheckConstraint('restatements_lake_check', sql`lake_key is null or lake_error is null`)
    .execute();
  // "Restatements of these tickers, in order": what `stale` reads.
  await db.schema.createIndex('restatements_ticker_idx').on('restatements').columns(['ticker', 'fetched_at']).execute();

  await db.schema
    .createTable('restatement_bars')
    .addColumn('restatement_id', 'bigint', (c) => c.notNull().references('restatements.id').onDelete('cascade'))
    .addColumn('bar_date', 'date', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull().check(sql`field in ${BAR_FIELDS}`))
    .addColumn('change', 'text', (c) => c.notNull().check(sql`change in ${CHANGES}`))
    .addColumn('old_value', 'double precision')
    .addColumn('new_value', 'double precision')
    .addPrimaryKeyConstraint('restatement_bars_pkey', ['restatement_id', 'bar_date', 'field'])
    // An added bar has no old value, a removed one no new value.
    .addCheckConstraint(
      'restatement_bars_side_check',
      sql`(change <> 'added' or old_value is null) and (change <> 'removed' or new_value is null)`,
    )
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('restatement_bars').execute();
  await db.schema.dropTable('restatements').execute();
}

export const migration0002Restatements: Migration = { up, down };
