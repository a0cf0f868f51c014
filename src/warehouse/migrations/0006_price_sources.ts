/**
 * Incremental price writes (issue 12): per symbol, the raw snapshot whose bars `daily_prices` was last brought up
 * to date with. When a run's previous snapshot is that one, the run sends only the bars that differ from it;
 * otherwise (no row, or another snapshot: its prices were never written, e.g. a run killed after the raw write)
 * it sends every bar and the table keeps what did not change.
 *
 * Additive: a new table; empty means "send every bar", as before. Frozen once released.
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('price_sources')
    .addColumn('symbol', 'text', (column) => column.primaryKey())
    .addColumn('raw_key', 'text', (column) => column.notNull())
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('price_sources').execute();
}

export const migration0006PriceSources: Migration = { up, down };
