import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnDatabases, makeOutboxEntry } from '../../test/support/databases.js';
import {
  claimPendingOutbox,
  countPendingOutbox,
  enqueueOutbox,
  type OutboxEntryInput,
  releaseOutboxClaims,
} from './outbox.js';
import { finishRun, startRun } from './runs.js';

/** Distinct entries (one key each), `count` of them. */
function entries(count: number, runId?: string): OutboxEntryInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ...makeOutboxEntry('indicators', `T${i}`, '2026-11-26', '20261126_213000'),
    ...(runId ? { runId } : {}),
  }));
}

describeOnDatabases('outbox claims', (ctx) => {
  it('a run holds what it enqueues; a drain claims the rest once, oldest first, until released', async () => {
    const { db } = ctx.warehouse();
    const [held] = await enqueueOutbox(db, entries(1, 'run-a'));
    const [b, c] = await enqueueOutbox(db, entries(3).slice(1));

    expect((await claimPendingOutbox(db, 'drain-1', 1)).map((e) => e.id)).toEqual([b]);
    expect((await claimPendingOutbox(db, 'drain-1', 10)).map((e) => e.id)).toEqual([c]);
    // Held by run-a and by drain-1: nothing for another drain, and nothing again for drain-1 (no retry loop).
    expect(await claimPendingOutbox(db, 'drain-2', 10)).toEqual([]);
    expect(await claimPendingOutbox(db, 'drain-1', 10)).toEqual([]);

    await releaseOutboxClaims(db, 'drain-1', [b]);
    expect((await claimPendingOutbox(db, 'drain-2', 10)).map((e) => e.id)).toEqual([b]);
    // The sole writer (embedded database) takes over every hold but its own.
    expect((await claimPendingOutbox(db, 'drain-1', 10, { takeOver: true })).map((e) => e.id)).toEqual([held, b]);
  });

  it('a hold ends when its lease runs out, or when the run holding it has finished', async () => {
    const { db } = ctx.warehouse();
    await startRun(db, {
      runId: 'run-a',
      kind: 'run',
      computationVersion: '1.0',
      source: 'sample',
      tickers: ['T0'],
      startedAt: new Date(),
    });
    const [a] = await enqueueOutbox(db, entries(1, 'run-a'));
    const [b] = await enqueueOutbox(db, entries(2, 'run-gone').slice(1));
    expect(await claimPendingOutbox(db, 'drain', 10)).toEqual([]);

    // run-gone (a process that died, no run row) held b: once the lease has run out, b is free.
    await sql`update lake_outbox set claimed_until = now() - interval '1 second' where id = ${b}`.execute(db);
    expect((await claimPendingOutbox(db, 'drain', 10)).map((e) => e.id)).toEqual([b]);

    // run-a finished (or was marked aborted) without releasing a: it is free at once.
    await finishRun(db, 'run-a', 'partial', {});
    expect((await claimPendingOutbox(db, 'drain', 10)).map((e) => e.id)).toEqual([a]);
  });

  it("counts a run's own pending entries, and those live drains are writing", async () => {
    const { db } = ctx.warehouse();
    await enqueueOutbox(db, entries(2, 'run-a'));
    await enqueueOutbox(db, entries(5).slice(2));
    await claimPendingOutbox(db, 'run-b', 2);
    expect(await countPendingOutbox(db)).toBe(5);
    expect(await countPendingOutbox(db, { heldByLiveDrain: true })).toBe(4);
    expect(await countPendingOutbox(db, { heldByLiveDrain: false })).toBe(1);

    // Released, an entry still counts for its last holder, and is free for anyone.
    await releaseOutboxClaims(db, 'run-a');
    expect(await countPendingOutbox(db, { lastHeldBy: 'run-a' })).toBe(2);
    expect(await countPendingOutbox(db, { lastHeldBy: 'run-b' })).toBe(2);
    expect(await countPendingOutbox(db, { heldByLiveDrain: true })).toBe(2);
  });

  it('concurrent claims never take the same entry (FOR UPDATE SKIP LOCKED), and together take every one', async () => {
    const { db } = ctx.warehouse();
    const ids = await enqueueOutbox(db, entries(120));
    // Eight claimants at once, each claiming pages of 7 until nothing is left (on PostgreSQL, on separate
    // pooled connections, truly at the same time).
    const taken = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const mine: number[] = [];
        for (;;) {
          const page = await claimPendingOutbox(db, `drain-${i}`, 7);
          if (page.length === 0) return mine;
          mine.push(...page.map((e) => e.id));
        }
      }),
    );
    const all = taken.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort((x, y) => x - y)).toEqual(ids);
  });
});
