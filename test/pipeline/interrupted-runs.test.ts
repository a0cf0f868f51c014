/**
 * Crash healing in-process (src/pipeline/interrupted-runs.ts): what a run killed mid-way leaves behind, set up
 * exactly (a raw snapshot in the lake that its database statement never catalogued, a row left `running`), and
 * which runs may be taken for dead. test/pipeline/crash-healing.test.ts kills real processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataLake } from '../../src/lake/data-lake.js';
import { storeRaw } from '../../src/lake/testing/store.js';
import { recoverInterruptedRuns, RunHeartbeat } from '../../src/pipeline/interrupted-runs.js';
import { thisProcess, type ProcessIdentity } from '../../src/process-liveness.js';
import { createSource } from '../../src/sources/index.js';
import { verifyLake } from '../../src/verify/index.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';
import { finishRun, getRun, startRun } from '../../src/warehouse/runs.js';
import { getCatalogObject } from '../../src/warehouse/lake-objects.js';

const DAY_MS = 86_400_000;

/** A pid that existed and is gone, as a process killed with SIGKILL leaves it. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describeOnDatabases('interrupted runs', (t) => {
  let testLake: TestLake;
  beforeEach(async () => {
    testLake = await createTestLake(t.warehouse());
  });
  afterEach(async () => {
    await testLake.dispose();
  });

  /** A raw snapshot written to the lake, never catalogued: what a kill between the lake write and the commit leaves. */
  async function orphanRaw(ticker: string, now: Date): Promise<string> {
    const snapshot = await createSource('sample').fetchSnapshot(ticker, {
      start: '2024-11-26',
      end: now.toISOString().slice(0, 10),
      now,
    });
    return (await storeRaw(new DataLake(testLake.store), snapshot)).key;
  }

  async function startDeadRun(
    runId: string,
    tickers: string[],
    owner: ProcessIdentity = { ...thisProcess(), pid: deadPid() },
  ): Promise<void> {
    await startRun(t.warehouse().db, {
      runId,
      kind: 'run',
      computationVersion: '1.0',
      source: 'sample',
      tickers,
      startedAt: TEST_NOW,
      owner,
    });
  }

  it('catalogues the raw snapshots a killed run left uncatalogued, only its own, and marks it aborted', async () => {
    const { db } = t.warehouse();
    await startDeadRun('killed', ['NVDA', 'D05.SI']);
    const left = await orphanRaw('NVDA', TEST_NOW);
    // Outside what the killed run could have written: another ticker, and a date before the run started.
    const otherTicker = await orphanRaw('AAPL', TEST_NOW);
    const before = await orphanRaw('NVDA', new Date(TEST_NOW.getTime() - 2 * DAY_MS));
    expect((await verifyLake({ store: testLake.store, db })).uncatalogued_objects.map((o) => o.key).sort()).toEqual(
      [left, otherTicker, before].sort(),
    );

    const report = await recoverInterruptedRuns({ store: testLake.store, warehouse: t.warehouse() });

    expect(report.errors).toEqual([]);
    expect(report.aborted.map((run) => [run.run_id, run.catalogued])).toEqual([['killed', [left]]]);
    const run = await getRun(db, 'killed');
    expect(run?.status).toBe('aborted');
    expect(run?.finishedAt).not.toBeNull();
    expect(run?.summary).toMatchObject({ status: 'aborted', catalogued: [left] });
    expect(await getCatalogObject(db, left)).toMatchObject({ key: left, kind: 'raw', ticker: 'NVDA' });
    expect(await getCatalogObject(db, otherTicker)).toBeUndefined();
    expect(await getCatalogObject(db, before)).toBeUndefined();
    // A second pass finds nothing more to do.
    expect((await recoverInterruptedRuns({ store: testLake.store, warehouse: t.warehouse() })).aborted).toEqual([]);
  });

  it('the next daily run heals a killed run before its own work, and reports it', async () => {
    await startDeadRun('killed', ['NVDA']);
    const left = await orphanRaw('NVDA', TEST_NOW);
    const summary = await testLake.run({ tickers: ['D05.SI'], clock: () => new Date(TEST_NOW.getTime() + 60_000) });
    expect(summary.status).toBe('ok');
    expect(summary.runs_aborted.map((run) => [run.run_id, run.catalogued])).toEqual([['killed', [left]]]);
    expect((await verifyLake({ store: testLake.store, db: t.warehouse().db })).ok).toBe(true);
    expect((await getRun(t.warehouse().db, summary.run_id))?.status).toBe('ok');
  });

  it('never takes a run of this process for dead', async () => {
    const heartbeat = RunHeartbeat.start(t.warehouse(), 'live-here');
    try {
      await startRun(t.warehouse().db, {
        runId: 'live-here',
        kind: 'run',
        computationVersion: '1.0',
        source: 'sample',
        tickers: ['NVDA'],
        owner: thisProcess(),
      });
      expect(
        (await recoverInterruptedRuns({ store: testLake.store, warehouse: t.warehouse(), leaseMs: 0 })).aborted,
      ).toEqual([]);
      expect((await getRun(t.warehouse().db, 'live-here'))?.status).toBe('running');
    } finally {
      heartbeat.stop();
    }
  });

  it('renews the heartbeat while the run lives', async () => {
    const heartbeat = RunHeartbeat.start(t.warehouse(), 'beating', 20);
    try {
      await startRun(t.warehouse().db, {
        runId: 'beating',
        kind: 'run',
        computationVersion: '1.0',
        source: 'sample',
        tickers: ['NVDA'],
        owner: thisProcess(),
      });
      const first = (await getRun(t.warehouse().db, 'beating'))!.heartbeatAt!;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await getRun(t.warehouse().db, 'beating'))!.heartbeatAt!.getTime()).toBeGreaterThan(first.getTime());
    } finally {
      heartbeat.stop();
    }
  });

  it('a run taken for dead that finishes after all records its real outcome', async () => {
    const { db } = t.warehouse();
    await startDeadRun('paused', ['NVDA']);
    await recoverInterruptedRuns({ store: testLake.store, warehouse: t.warehouse() });
    expect((await getRun(db, 'paused'))?.status).toBe('aborted');
    await finishRun(db, 'paused', 'ok', { status: 'ok' });
    expect((await getRun(db, 'paused'))?.status).toBe('ok');
  });

  // On PostgreSQL other processes run at the same time, legitimately (issue 10, item 8): only provably dead runs
  // are aborted. (On PGlite the home lock proves every run but this process's own dead.)
  if (t.backend === 'postgres') {
    it('on PostgreSQL, leaves the runs of live processes alone: a live pid here, a fresh heartbeat elsewhere', async () => {
      const { db } = t.warehouse();
      const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        await startDeadRun('live-pid', ['NVDA'], { ...thisProcess(), pid: sleeper.pid! });
        await startDeadRun('other-host', ['NVDA'], {
          host: 'another-machine',
          pid: 1,
          bootId: null,
          pidNamespace: null,
        });
        await startDeadRun('other-container', ['NVDA'], { ...thisProcess(), pid: deadPid(), pidNamespace: 'pid:[1]' });
        await startDeadRun('dead-pid', ['NVDA']);
        const report = await recoverInterruptedRuns({ store: testLake.store, warehouse: t.warehouse() });
        expect(report.aborted.map((run) => run.run_id)).toEqual(['dead-pid']);
        for (const id of ['live-pid', 'other-host', 'other-container'])
          expect((await getRun(db, id))?.status).toBe('running');

        // Another machine's run whose heartbeat stopped longer than the lease ago is dead.
        await sql`update computation_runs set heartbeat_at = now() - interval '1 hour' where run_id = 'other-host'`.execute(
          t.warehouse().db,
        );
        const later = await recoverInterruptedRuns({ store: testLake.store, warehouse: t.warehouse() });
        expect(later.aborted.map((run) => [run.run_id, run.reason])).toEqual([
          ['other-host', expect.stringMatching(/^no heartbeat for 36\d\d s/)],
        ]);
        expect((await getRun(db, 'live-pid'))?.status).toBe('running');
      } finally {
        sleeper.kill();
      }
    });
  }
});
