/**
 * Space upkeep the embedded database needs and PostgreSQL does by itself. PGlite runs PostgreSQL in single-user
 * mode, where autovacuum never runs: the row versions an update leaves behind (outbox entries marked done, run
 * rows, result rows a run recomputes for the same date) would stay, and the data directory would grow every day
 * with no new data (docs/benchmarks.md, "Everyday cost"). A plain VACUUM makes their space reusable; it takes no
 * lock that matters here (the home is already this process's alone) and is quick on pages that did not change.
 */
import { sql } from 'kysely';
import type { Warehouse } from './database.js';
import type { Database } from './schema.js';

/**
 * The tables whose rows a run updates or deletes (the others only receive inserts). `daily_prices` is not among
 * them: a run rewrites a price row only when the vendor restated the bar, so it is vacuumed only after such a run
 * (its first VACUUM reads every page written since, a quarter of a second for 500 tickers' two years).
 */
const CHURNED_TABLES: readonly (keyof Database)[] = [
  'lake_outbox',
  'computation_runs',
  'daily_indicators',
  'indicator_percentiles',
  'comparative_features',
  'restatements',
  'lake_objects',
  // The quality object's row is marked written after the put.
  'quality_runs',
  // Every run that alerts updates states and marks outbox rows sent (src/alerts).
  'alert_state',
  'alert_outbox',
];

/**
 * VACUUMs the churned tables on PGlite (and `daily_prices` too when `pricesRewritten`: the run recorded
 * restatements), then checkpoints; nothing on PostgreSQL, where autovacuum and the checkpointer do it.
 */
export async function reclaimDeadRows(warehouse: Warehouse, options: { pricesRewritten: boolean }): Promise<void> {
  if (warehouse.kind !== 'pglite') return;
  const tables = options.pricesRewritten ? [...CHURNED_TABLES, 'daily_prices' as const] : CHURNED_TABLES;
  // One statement for all of them (VACUUM takes a list since PostgreSQL 11).
  await sql`vacuum ${sql.join(tables.map((table) => sql.table(table)))}`.execute(warehouse.db);
  // PGlite checkpoints only when it closes, not when the WAL passes max_wal_size: a process that keeps the
  // database open across runs (a bench, a server) would pile up pg_wal. After a checkpoint the old segments are
  // recycled down to the configured size (pglite-options.js).
  await sql`checkpoint`.execute(warehouse.db);
}
