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
});
