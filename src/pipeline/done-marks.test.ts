import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnDatabases, makeOutboxEntry } from '../../test/support/databases.js';
import {
  catalogRowFor,
  type CompletedOutboxEntry,
  countPendingOutbox,
  enqueueOutbox,
  getOutboxEntry,
  listPendingOutbox,
  markOutboxEntriesDone,
} from '../warehouse/outbox.js';
import { countStatements } from '../../test/support/statements.js';
import { BatchedDoneMarks } from './done-marks.js';
import { getCatalogObject } from '../warehouse/lake-objects.js';
import type { Database } from '../warehouse/schema.js';

describeOnDatabases('batched done marks', (ctx) => {
  /** Enqueues the three processed entries of `ticker` and returns them as the lake would have taken them. */
  async function takenGroup(db: Kysely<Database>, ticker: string): Promise<CompletedOutboxEntry[]> {
    const inputs = (['indicators', 'percentiles', 'features'] as const).map((kind) =>
      makeOutboxEntry(kind, ticker, '2026-11-26', '20261126_213000'),
    );
    const ids = await enqueueOutbox(db, inputs);
    return inputs.map((input, i) => ({
      id: ids[i],
      written: catalogRowFor(input, { key: input.key, versionId: `v-${i}` }),
      plannedKey: input.key,
    }));
  }

  function countingDatabase() {
    const counter = countStatements();
    return { db: ctx.warehouse().db.withPlugin(counter.plugin), statements: counter.labels };
  }

  it('marks the groups of several tickers in one statement, a batch as soon as it is full, the rest on close', async () => {
    const { db, statements } = countingDatabase();
    const groups = await Promise.all(
      ['NVDA', 'AAPL', 'MSFT', 'D05.SI', '7974.T'].map((ticker) => takenGroup(db, ticker)),
    );
    statements.length = 0;
    const marks = new BatchedDoneMarks((entries) => markOutboxEntriesDone(db, entries), {
      maxEntries: 6,
      maxDelayMs: 60_000,
    });
    await marks.record(groups[0]);
    expect(statements).toEqual([]);
    await marks.record(groups[1]); // 6 entries: this batch goes now
    await marks.record(groups[2]);
    await marks.record(groups[3]); // the second batch
    await marks.record(groups[4]);
    expect(await marks.close()).toEqual([]);
    expect(statements.filter((label) => label.includes('update lake_outbox'))).toHaveLength(3);
    expect(await countPendingOutbox(db)).toBe(0);
    expect((await getCatalogObject(db, groups[4][2].written.key))?.versionId).toBe('v-2');
    await expect(marks.record(groups[0])).rejects.toThrow('record() after close()');
  });

  it('marks a batch that is not full once its first group has waited maxDelayMs', async () => {
    const { db } = ctx.warehouse();
    const group = await takenGroup(db, 'NVDA');
    const marks = new BatchedDoneMarks((entries) => markOutboxEntriesDone(db, entries), {
      maxEntries: 24,
      maxDelayMs: 20,
    });
    await marks.record(group);
    expect(await countPendingOutbox(db)).toBe(3);
    await expect.poll(() => countPendingOutbox(db), { timeout: 5_000, interval: 20 }).toBe(0);
    expect(await marks.close()).toEqual([]);
  });

  it('when a batch fails, marks its groups one by one and returns only the group that cannot be marked', async () => {
    const { db } = ctx.warehouse();
    const good = await takenGroup(db, 'NVDA');
    const bad = await takenGroup(db, 'AAPL');
    const alsoGood = await takenGroup(db, 'MSFT');
    // AAPL's first entry is done already (a concurrent drain, say): its group cannot be marked as a whole.
    await markOutboxEntriesDone(db, [bad[0]]);
    const marks = new BatchedDoneMarks((entries) => markOutboxEntriesDone(db, entries), { maxEntries: 100 });
    for (const group of [good, bad, alsoGood]) await marks.record(group);
    const unmarked = await marks.close();
    expect(unmarked.map((group) => group.entries)).toEqual([bad]);
    expect(String(unmarked[0].error)).toMatch(new RegExp(`outbox entry ${bad[0].id}: it was done at`));
    // The good groups are done and catalogued; the rest of the bad one stays pending, all or nothing.
    expect((await listPendingOutbox(db, 10)).map((entry) => entry.id)).toEqual([bad[1].id, bad[2].id]);
    for (const entry of [...good, ...alsoGood])
      expect((await getOutboxEntry(db, entry.id))?.doneAt).toBeInstanceOf(Date);
  });
});
