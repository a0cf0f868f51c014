import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../database.js';
import { LOCK_FILE_NAME, acquireDataDirectoryLock } from './lock.js';
import { PGliteWorkerClient, PGliteWorkerError, workerExecArgv } from './pglite-worker-client.js';
import { PGLITE_SHARED_BUFFERS } from './pglite-options.js';
import { PGLITE_WORKER_ENV, pgliteDataDirectory, pgliteRunsInWorker } from './pglite.js';

const DATABASE_MODULE = pathToFileURL(join(import.meta.dirname, '..', 'database.ts')).href;
const RUNS_MODULE = pathToFileURL(join(import.meta.dirname, '..', 'runs.ts')).href;

/**
 * A statement that finishes only once the file `name` appears in the data directory (or fails after 20 s). The
 * test's main thread writes that file from a timer: if PGlite blocked the main thread, the timer could not run.
 */
function waitForFileStatement(name: string): string {
  return `do $$
    declare deadline timestamptz := clock_timestamp() + interval '20 seconds';
    begin
      while (pg_stat_file('${name}', true)).size is null loop
        if clock_timestamp() > deadline then raise exception 'the file ${name} did not appear within 20 s'; end if;
      end loop;
    end $$`;
}

describe('PGlite mode', () => {
  it('runs in a worker thread unless MARKETLAKE_PGLITE_WORKER is 0', () => {
    expect(pgliteRunsInWorker({})).toBe(true);
    expect(pgliteRunsInWorker({ MARKETLAKE_PGLITE_WORKER: '1' })).toBe(true);
    expect(pgliteRunsInWorker({ MARKETLAKE_PGLITE_WORKER: '0' })).toBe(false);
    expect(() => pgliteRunsInWorker({ MARKETLAKE_PGLITE_WORKER: 'no' })).toThrow(
      'MARKETLAKE_PGLITE_WORKER must be 0 (PGlite in-process) or 1 (in a worker thread, the default), not "no"',
    );
  });

  it("passes the parent's Node options on to the worker, except --input-type and the process-wide ones", () => {
    expect(workerExecArgv(['--import', 'tsx', '--input-type=module', '-e', 'code'])).toEqual([
      '--import',
      'tsx',
      '-e',
      'code',
    ]);
    expect(workerExecArgv(['--input-type', 'module', '--cpu-prof'])).toEqual(['--cpu-prof']);
    expect(workerExecArgv(['--expose-gc', '--import', 'tsx', '--expose_gc'])).toEqual(['--import', 'tsx']);
    expect(
      workerExecArgv(['--max-old-space-size=4096', '--max_semi_space_size', '64', '--title', 'x', '--cpu-prof']),
    ).toEqual(['--cpu-prof']);
  });
});

describe('PGlite in a worker thread', () => {
  let home: string;
  let dataDir: string;
  beforeAll(async () => {
    // Created and migrated once; the tests below reopen it (creating a PGlite database takes seconds).
    home = mkdtempSync(join(tmpdir(), 'marketlake-pglite-'));
    dataDir = pgliteDataDirectory(home);
    await (await openWarehouse({ home })).close();
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  describe('through the warehouse', () => {
    let warehouse: Warehouse;
    beforeAll(async () => {
      warehouse = await openWarehouse({ home });
    });
    afterAll(() => warehouse.close());

    it('passes PostgreSQL errors on with their message and fields, and stays usable', async () => {
      const { db } = warehouse;
      const syntax = await sql`selec 1`.execute(db).catch((error: unknown) => error);
      expect(syntax).toBeInstanceOf(Error);
      expect(syntax).toMatchObject({ message: 'syntax error at or near "selec"', code: '42601', severity: 'ERROR' });
      expect((syntax as Error).stack).toContain('in the PGlite worker thread');

      await sql`create temporary table worker_test (id int primary key)`.execute(db);
      await sql`insert into worker_test values (${1})`.execute(db);
      const duplicate = await sql`insert into worker_test values (${1})`.execute(db).catch((error: unknown) => error);
      expect(duplicate).toMatchObject({
        message: 'duplicate key value violates unique constraint "worker_test_pkey"',
        code: '23505',
        constraint: 'worker_test_pkey',
        table: 'worker_test',
        detail: 'Key (id)=(1) already exists.',
        params: [1],
      });

      // A failed transaction rolls back and the connection goes on.
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`insert into worker_test values (2)`.execute(trx);
          await sql`insert into worker_test values (1)`.execute(trx);
        }),
      ).rejects.toThrow('duplicate key value');
      const { rows } = await sql<{ id: number }>`select id from worker_test order by id`.execute(db);
      expect(rows).toEqual([{ id: 1 }]);
    });

    it('keeps the main thread free while a query runs', async () => {
      const marker = `marker-${process.pid}`;
      // Written 50 ms after the statement starts, by a timer on this thread.
      const timer = setTimeout(() => writeFileSync(join(dataDir, marker), 'go'), 50);
      try {
        await sql.raw(waitForFileStatement(marker)).execute(warehouse.db);
      } finally {
        clearTimeout(timer);
        rmSync(join(dataDir, marker), { force: true });
      }
    });
  });

  describe('the client', () => {
    it('runs statements in the order they were sent, also when sent without waiting', async () => {
      const client = await PGliteWorkerClient.start(dataDir);
      try {
        await client.query('create temporary table sent (seq serial primary key, value int)');
        await Promise.all(
          Array.from({ length: 50 }, (_, i) => client.query('insert into sent (value) values ($1)', [i])),
        );
        const { rows } = await client.query('select value from sent order by seq');
        expect(rows).toEqual(Array.from({ length: 50 }, (_, i) => ({ value: i })));
      } finally {
        await client.close();
      }
    });

    it('rejects pending and later queries once the thread has died', async () => {
      const client = await PGliteWorkerClient.start(dataDir);
      const pending = client.query(waitForFileStatement('never-written'));
      await client.workerForTesting.terminate(); // Stands in for a crash: PGlite aborting, an uncaught error.
      const unexpectedly =
        /^the PGlite worker for .+ stopped unexpectedly \(exit code 1\); reopen the warehouse to continue$/;
      await expect(pending).rejects.toThrow(unexpectedly);
      await expect(pending).rejects.toBeInstanceOf(PGliteWorkerError);
      await expect(client.query('select 1')).rejects.toThrow(unexpectedly);
      await client.close(); // The failure has been reported already; nothing is left to close.
    });

    it('reports a death nobody saw when closing', async () => {
      const client = await PGliteWorkerClient.start(dataDir);
      await client.workerForTesting.terminate();
      await expect(client.close()).rejects.toThrow(/stopped unexpectedly/);
    });

    it('close() closes PGlite, ends the thread and refuses later queries', async () => {
      const client = await PGliteWorkerClient.start(dataDir);
      let exited = false;
      client.workerForTesting.once('exit', () => (exited = true));
      await client.query('select 1');
      await client.close();
      expect(exited).toBe(true);
      await client.close(); // idempotent
      await expect(client.query('select 1')).rejects.toThrow(`the PGlite database in ${dataDir} is closed`);
    });
  });

  it('fails to open a data directory PGlite cannot read, with the reason, and releases the lock', async () => {
    const badHome = mkdtempSync(join(tmpdir(), 'marketlake-pglite-bad-'));
    try {
      mkdirSync(pgliteDataDirectory(badHome));
      writeFileSync(join(pgliteDataDirectory(badHome), 'PG_VERSION'), 'not a version\n');
      const error = await openWarehouse({ home: badHome }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(PGliteWorkerError);
      expect((error as Error).message).toBe(
        `cannot open the PGlite database in ${pgliteDataDirectory(badHome)}: PGlite failed to initialize properly`,
      );
      expect(existsSync(join(badHome, LOCK_FILE_NAME))).toBe(false);
      acquireDataDirectoryLock(badHome).release();
    } finally {
      rmSync(badHome, { recursive: true, force: true });
    }
  });

  it(`opens with a ${PGLITE_SHARED_BUFFERS} buffer pool and a bounded WAL, in a worker thread or not`, async () => {
    const saved = process.env[PGLITE_WORKER_ENV];
    try {
      for (const mode of ['1', '0']) {
        process.env[PGLITE_WORKER_ENV] = mode;
        const warehouse = await openWarehouse({ home });
        try {
          const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(warehouse.db);
          expect(rows, `${PGLITE_WORKER_ENV}=${mode}`).toEqual([{ shared_buffers: PGLITE_SHARED_BUFFERS }]);
          // Not PostgreSQL's 1GB / 80MB: pg_wal would otherwise outgrow the data (see pglite-options.js).
          const wal = await sql<{ setting: string }>`
            select setting || unit as setting from pg_settings where name in ('max_wal_size', 'min_wal_size')
            order by name`.execute(warehouse.db);
          expect(wal.rows.map((row) => row.setting)).toEqual(['64MB', '32MB']);
        } finally {
          await warehouse.close();
        }
      }
    } finally {
      if (saved === undefined) delete process.env[PGLITE_WORKER_ENV];
      else process.env[PGLITE_WORKER_ENV] = saved;
    }
  });

  describe('in another process', () => {
    /** Runs `code` (an ES module; TypeScript imports through tsx) and resolves with its exit code and output. */
    function runNode(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        env: { ...process.env, DATABASE_MODULE, RUNS_MODULE, WAREHOUSE_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // A child kept alive by a forgotten handle would hang here: the test's timeout reports it.
      return new Promise((resolve) => child.once('close', (exitCode) => resolve({ code: exitCode, stdout, stderr })));
    }

    it('exits once the warehouse is closed: the thread holds the process no longer', async () => {
      const result = await runNode(`
        const { openWarehouse } = await import(process.env.DATABASE_MODULE);
        const { startRun } = await import(process.env.RUNS_MODULE);
        const warehouse = await openWarehouse({ home: process.env.WAREHOUSE_HOME });
        await startRun(warehouse.db, { runId: 'exit-test', kind: 'run', computationVersion: '1.0', source: 'sample', tickers: ['NVDA'] });
        await warehouse.close();
        console.log('closed');
      `);
      expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'closed\n' });
    });

    it('exits too when the warehouse is left open while idle, like in-process PGlite', async () => {
      const result = await runNode(`
        const { openWarehouse } = await import(process.env.DATABASE_MODULE);
        const { getRun } = await import(process.env.RUNS_MODULE);
        const warehouse = await openWarehouse({ home: process.env.WAREHOUSE_HOME });
        console.log((await getRun(warehouse.db, 'exit-test'))?.tickers.join(','));
      `);
      expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'NVDA\n' });
      expect(existsSync(join(home, LOCK_FILE_NAME))).toBe(false); // Released on exit by the main thread.
    });
  });
});
