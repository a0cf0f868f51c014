import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWarehouse, makeBars, type TestWarehouse } from '../../test/support/databases.js';
import { reclaimDeadRows } from './maintenance.js';
import { upsertPrices } from './prices.js';

const raw = (day: number) => ({
  key: `raw/sample/NVDA/2024-03-0${day}/2024030${day}_210000.json`,
  versionId: null,
  fetchedAt: new Date(`2024-03-0${day}T21:00:00Z`),
});

// PGlite only: PostgreSQL's autovacuum does this in its own time, and the function leaves it alone there.
describe('reclaimDeadRows [pglite]', () => {
  let home: TestWarehouse;
  beforeAll(async () => {
    home = await createTestWarehouse('pglite');
  });
  afterAll(async () => home.dispose());

  const tableBytes = async () =>
    Number(
      (await sql<{ n: string }>`select pg_relation_size('daily_prices') as n`.execute(home.warehouse.db)).rows[0].n,
    );

  it('makes the space of rewritten rows reusable (single-user PGlite has no autovacuum)', async () => {
    const { db } = home.warehouse;
    const bars = makeBars(4000, '2010-01-01');
    const shifted = (by: number) => bars.map((bar) => ({ ...bar, close: bar.close + by }));
    await upsertPrices(db, 'NVDA', bars, raw(1));
    await upsertPrices(db, 'NVDA', shifted(1), raw(2)); // every row rewritten: one dead version each
    await reclaimDeadRows(home.warehouse, { pricesRewritten: true });
    const before = await tableBytes();
    await upsertPrices(db, 'NVDA', shifted(2), raw(3));
    // The new versions went into the space VACUUM freed: the table did not grow.
    expect(await tableBytes()).toBe(before);
  });

  it('keeps pg_wal near max_wal_size while the database stays open (PGlite checkpoints only when it closes)', async () => {
    const { db } = home.warehouse;
    const walBytes = async () =>
      Number((await sql<{ n: string }>`select sum(size) as n from pg_ls_waldir()`.execute(db)).rows[0].n);
    await sql`create table wal_filler (id int, pad text)`.execute(db);
    // About 160 MB of WAL, far past the 64MB max_wal_size.
    for (let i = 0; i < 5; i++) {
      await sql`insert into wal_filler select g, repeat('x', 200) from generate_series(1, 100000) g`.execute(db);
    }
    expect(await walBytes()).toBeGreaterThan(128 * 2 ** 20);
    await reclaimDeadRows(home.warehouse, { pricesRewritten: false });
    expect(await walBytes()).toBeLessThanOrEqual(96 * 2 ** 20);
    await sql`drop table wal_filler`.execute(db);
  });
});
