import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createTestWarehouse, describeOnDatabases, describeOnPostgres } from '../../test/support/databases.js';
import { INDICATOR_FIELDS } from '../compute/fields.js';
import { migrateToLatest } from './migrations/index.js';
import { FEATURE_FIELDS, TABLE_NAMES } from './schema.js';

interface ColumnInfo {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
}

describeOnDatabases('warehouse migrations', (ctx) => {
  async function columns(): Promise<Map<string, Map<string, ColumnInfo>>> {
    const { rows } = await sql<ColumnInfo>`
      select table_name, column_name, data_type, is_nullable
      from information_schema.columns where table_schema = current_schema()`.execute(ctx.warehouse().db);
    const byTable = new Map<string, Map<string, ColumnInfo>>();
    for (const row of rows) {
      if (!byTable.has(row.table_name)) byTable.set(row.table_name, new Map());
      byTable.get(row.table_name)!.set(row.column_name, row);
    }
    return byTable;
  }

  it('creates every table of docs/design.md', async () => {
    const tables = await columns();
    for (const table of TABLE_NAMES) expect(tables.has(table), table).toBe(true);
  });

  it('gives daily_indicators one nullable double column per INDICATOR_FIELDS entry, and nothing else', async () => {
    const indicators = (await columns()).get('daily_indicators')!;
    const lineage = [
      'symbol',
      'indicator_date',
      'computation_version',
      'lake_key',
      'source_raw_key',
      'source_raw_version_id',
      'computed_at',
      'quality_failed',
    ];
    expect([...indicators.keys()].filter((c) => !lineage.includes(c)).sort()).toEqual([...INDICATOR_FIELDS].sort());
    for (const field of INDICATOR_FIELDS) {
      expect(indicators.get(field)).toMatchObject({ data_type: 'double precision', is_nullable: 'YES' });
    }
  });

  it('uses date, timestamptz and double precision types as specified', async () => {
    const tables = await columns();
    const type = (table: string, column: string) => tables.get(table)?.get(column)?.data_type;
    expect(type('daily_prices', 'price_date')).toBe('date');
    expect(type('daily_prices', 'fetched_at')).toBe('timestamp with time zone');
    expect(type('daily_prices', 'volume')).toBe('double precision');
    expect(type('indicator_percentiles', 'statistics')).toBe('jsonb');
    expect(type('lake_objects', 'object_date')).toBe('date');
    expect(type('lake_outbox', 'id')).toBe('bigint');
    expect(type('computation_runs', 'tickers')).toBe('jsonb');
    for (const field of FEATURE_FIELDS) expect(type('comparative_features', field)).toBe('double precision');
    expect(type('comparative_features', 'bars')).toBe('integer');
    expect(tables.get('daily_prices')?.get('adj_close')?.is_nullable).toBe('YES');
    expect(tables.get('daily_prices')?.get('close')?.is_nullable).toBe('NO');
    // The quality mark of each result row (migration 0011): null on the clean ones.
    for (const table of ['daily_indicators', 'indicator_percentiles', 'comparative_features']) {
      expect(tables.get(table)?.get('quality_failed'), table).toMatchObject({ data_type: 'text', is_nullable: 'YES' });
    }
  });

  it('is a no-op when run again', async () => {
    expect(await migrateToLatest(ctx.warehouse().db)).toEqual([]);
  });

  it('answers the latest-object query from the index without sorting', async () => {
    const db = ctx.warehouse().db;
    // Tiny tables are cheaper to scan; forbid that so the plan shows whether the index can serve the query.
    const plan = await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain
        select * from lake_objects where kind = 'raw' and ticker = 'NVDA'
        order by object_date desc, key desc limit 1`.execute(trx);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('lake_objects_latest_idx');
    expect(plan).not.toMatch(/\bSort\b/);
  });
});

// A run and a verdict of it, as the migration-0012 tests write them.
const run = (runId: string) => ({
  run_id: runId,
  run_date: '2026-12-04',
  checked_at: new Date('2026-12-04T22:00:00Z'),
  policy: 'block' as const,
  computation_version: '1.0',
  lake_key: `quality/2026-12-04/${runId}.json`,
});
const verdict = (runId: string, ticker: string) => ({
  run_id: runId,
  ticker,
  check_id: 'snapshot.ohlc_consistency',
  market: 'US',
  severity: 'error' as const,
  passed: true,
  observed: JSON.stringify(0),
  expected: JSON.stringify(0),
  details: 'ok',
});
const sqlState = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );

describeOnDatabases('quality_results names its run (migration 0012)', (ctx) => {
  it('refuses verdicts, inserted or moved, that name a run quality_runs does not have', async () => {
    const db = ctx.warehouse().db;
    await db.insertInto('quality_runs').values(run('run-a')).execute();
    // One statement of several rows, one of them an orphan: all of it is refused.
    const mixed = db
      .insertInto('quality_results')
      .values([verdict('run-a', 'NVDA'), verdict('run-missing', 'AAPL')])
      .execute();
    expect(await sqlState(mixed)).toBe('23503');
    expect(await db.selectFrom('quality_results').selectAll().execute()).toEqual([]);

    await db
      .insertInto('quality_results')
      .values([verdict('run-a', 'NVDA'), verdict('run-a', 'AAPL')])
      .execute();
    const moved = db
      .updateTable('quality_results')
      .set({ run_id: 'run-missing' })
      .where('ticker', '=', 'AAPL')
      .execute();
    expect(await sqlState(moved)).toBe('23503');
    const rows = await db.selectFrom('quality_results').select(['run_id', 'ticker']).orderBy('ticker').execute();
    expect(rows).toEqual([
      { run_id: 'run-a', ticker: 'AAPL' },
      { run_id: 'run-a', ticker: 'NVDA' },
    ]);
  });

  it('truncates the verdicts with the runs (the foreign key refused to truncate the runs alone)', async () => {
    const db = ctx.warehouse().db;
    await db.insertInto('quality_runs').values(run('run-a')).execute();
    await db.insertInto('quality_results').values(verdict('run-a', 'NVDA')).execute();
    await sql`truncate quality_runs`.execute(db);
    expect(await db.selectFrom('quality_results').selectAll().execute()).toEqual([]);
  });

  it('deletes the verdicts of deleted runs, and only theirs', async () => {
    const db = ctx.warehouse().db;
    await db
      .insertInto('quality_runs')
      .values([run('run-a'), run('run-b')])
      .execute();
    await db
      .insertInto('quality_results')
      .values([verdict('run-a', 'NVDA'), verdict('run-b', 'NVDA')])
      .execute();
    await db.deleteFrom('quality_runs').where('run_id', '=', 'run-a').execute();
    expect(await db.selectFrom('quality_results').select(['run_id', 'ticker']).execute()).toEqual([
      { run_id: 'run-b', ticker: 'NVDA' },
    ]);
  });
});

describeOnPostgres('quality_results names its run under concurrent transactions (migration 0012)', () => {
  it('makes a delete of the run wait for verdicts being written, then takes them with it: no orphan', async () => {
    const test = await createTestWarehouse('postgres');
    try {
      const db = test.warehouse.db;
      await db.insertInto('quality_runs').values(run('run-a')).execute();
      let commitVerdicts!: () => void;
      let verdictsWritten!: () => void;
      const written = new Promise<void>((resolve) => (verdictsWritten = resolve));
      const writer = db.transaction().execute(async (trx) => {
        await trx.insertInto('quality_results').values(verdict('run-a', 'NVDA')).execute();
        verdictsWritten();
        await new Promise<void>((resolve) => (commitVerdicts = resolve));
      });
      await written;
      const deleter = db.deleteFrom('quality_runs').where('run_id', '=', 'run-a').execute();
      // The delete must wait on the lock the verdicts' check took on the run (as a foreign key's would).
      const waiting = await waitFor(async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query ilike 'delete from%quality_runs%'
        `.execute(db);
        return rows[0].n > 0;
      });
      commitVerdicts();
      await writer;
      await deleter;
      expect(waiting, 'the delete of the run did not wait for the open transaction writing its verdicts').toBe(true);
      expect(await db.selectFrom('quality_results').selectAll().execute()).toEqual([]);
      expect(await db.selectFrom('quality_runs').selectAll().execute()).toEqual([]);
    } finally {
      await test.dispose();
    }
  });
});

/** Polls `condition` every 20 ms, 250 times at most (counted, not clocked: the suite may run under a fake clock). */
async function waitFor(condition: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
