/**
 * The fixed cost of a database round trip on a backend, to explain a run that makes many small statements:
 * a trivial statement, a one-row primary-key select, a one-row insert, an empty transaction and a transaction
 * with one update, each timed sequentially (median-free: the mean of `n` back-to-back calls, plus process CPU).
 * Runs against the given (fresh) warehouse and leaves its own rows in computation_runs.
 */
import { sql } from 'kysely';
import type { Warehouse } from '../../src/warehouse/database.js';
import { msSince, now } from './common.js';

export interface OverheadRow {
  what: string;
  msPerOp: number;
  cpuMsPerOp: number;
}

export async function measureStatementOverhead(warehouse: Warehouse, n = 500): Promise<OverheadRow[]> {
  const db = warehouse.db;
  const rows: OverheadRow[] = [];
  const prefix = `overhead-${Date.now().toString(36)}-`;
  const time = async (what: string, op: (i: number) => Promise<unknown>): Promise<void> => {
    for (let i = 0; i < 20; i++) await op(n + i); // warm-up (ids past the timed ones)
    const cpu0 = process.cpuUsage();
    const t0 = now();
    for (let i = 0; i < n; i++) await op(i);
    const ms = msSince(t0);
    const cpu = process.cpuUsage(cpu0);
    rows.push({ what, msPerOp: ms / n, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / n });
  };
  await time('select 1', () => sql`select 1`.execute(db));
  await time('select one row by primary key (lake_objects)', (i) =>
    db.selectFrom('lake_objects').selectAll().where('key', '=', `${prefix}${i}`).execute(),
  );
  await time('insert one row, autocommit (computation_runs)', (i) =>
    db
      .insertInto('computation_runs')
      .values({
        run_id: `${prefix}${i}`,
        kind: 'run',
        computation_version: '1.0',
        source: 'sample',
        tickers: '[]',
        status: 'running',
        finished_at: null,
        summary: null,
      })
      .execute(),
  );
  await time('empty transaction (BEGIN; COMMIT)', () => db.transaction().execute(async () => undefined));
  await time('transaction with one update', (i) =>
    db
      .transaction()
      .execute((trx) =>
        trx.updateTable('computation_runs').set({ source: 'sample2' }).where('run_id', '=', `${prefix}${i}`).execute(),
      ),
  );
  await db.deleteFrom('computation_runs').where('run_id', 'like', `${prefix}%`).execute();
  return rows;
}
