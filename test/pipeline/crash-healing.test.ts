/**
 * Crashes heal themselves (issue 10, item 5), with real processes: `marketlake run` killed with SIGKILL mid-run,
 * or stopped with SIGINT / SIGTERM, and what the next command finds. The kills land mid-run by construction: the
 * test waits for the run's first objects in the lake (or, on PostgreSQL, for its commit to be blocked on a lock)
 * and the universe is far larger than what is done by then. No date is assumed: the child runs on today's clock
 * and every expected key comes from the lake or the output.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryFileName } from '../../src/storage/fs/temp-files.js';
import { openWarehouse } from '../../src/warehouse/database.js';
import { runCli, startCli, type StartedCli } from '../support/cli.js';
import { createTestWarehouse, testPostgresUrl, type TestWarehouse } from '../support/databases.js';
import { describeWithoutService } from '../support/services.js';

/** A PostgreSQL-only suite, skipped loudly (or failing under MARKETLAKE_REQUIRE_SERVICES=1) without a server. */
function describeOnPostgres(title: string, body: () => void): void {
  if (postgresProblem === undefined) describe(title, body);
  else
    describeWithoutService(
      title,
      'a reachable PostgreSQL',
      postgresProblem,
      ['Start PostgreSQL or point MARKETLAKE_TEST_POSTGRES_URL at one.'],
      body,
    );
}

const postgresProblem = await (async (): Promise<string | undefined> => {
  const client = new pg.Client({ connectionString: testPostgresUrl(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    return `PostgreSQL is not reachable (${(error as Error).message})`;
  }
})();

/** 200 synthetic tickers: at one at a time, several seconds of work after the first ones are written. */
const UNIVERSE = Array.from({ length: 200 }, (_, i) => `T${String(i).padStart(4, '0')}`);
const RUN_TIMEOUT_MS = 120_000;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function waitFor(what: string, started: StartedCli, condition: () => Promise<boolean>): Promise<void> {
  let exited = false;
  void started.result.then(() => (exited = true));
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  while (!(await condition())) {
    if (exited) throw new Error(`the run ended before ${what}: ${JSON.stringify(await started.result)}`);
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; the run so far: ${JSON.stringify({ stdout: started.stdout(), stderr: started.stderr() })}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runStatuses(home: string, databaseUrl?: string): Promise<string[]> {
  const warehouse = await openWarehouse({ home, ...(databaseUrl ? { databaseUrl } : {}) });
  try {
    const rows = await warehouse.db.selectFrom('computation_runs').select('status').orderBy('started_at').execute();
    return rows.map((row) => row.status);
  } finally {
    await warehouse.close();
  }
}

describe('crash healing on the embedded default (real processes)', () => {
  let home: string;
  let universe: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-heal-'));
    universe = join(home, 'universe.txt');
    await writeFile(universe, UNIVERSE.join('\n'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it(
    'after kill -9 mid-run, the next run marks the run aborted, and verify passes with no temporary file left',
    { timeout: 4 * RUN_TIMEOUT_MS },
    async () => {
      const started = startCli(['run', '--home', home, '--universe', universe, '--concurrency', '1', '--json']);
      await waitFor(
        'the first raw snapshots',
        started,
        async () => (await filesUnder(join(home, 'lake', 'raw'))).length >= 2,
      );
      started.child.kill('SIGKILL');
      expect((await started.result).signal).toBe('SIGKILL');
      // What a put killed mid-write leaves in .tmp/ (named for its writer, the killed process).
      const leftover = temporaryFileName('killedput').replace(`.${process.pid}.`, `.${started.child.pid}.`);
      await writeFile(join(home, 'lake', '.tmp', leftover), 'partial');
      expect(await runStatuses(home)).toEqual(['running']);

      const next = await runCli('run', '--home', home, '--tickers', 'NVDA', '--json');
      expect(next.code, next.stderr).toBe(0);
      const summary = JSON.parse(next.stdout) as { runs_aborted: { kind: string }[] };
      expect(summary.runs_aborted).toEqual([
        expect.objectContaining({ kind: 'run', reason: expect.stringMatching(/home lock/) }),
      ]);
      expect(await runStatuses(home)).toEqual(['aborted', 'ok']);
      const verify = await runCli('verify', '--home', home, '--json');
      expect(verify.code, verify.stdout).toBe(0);
      expect(await readdir(join(home, 'lake', '.tmp'))).toEqual([]);
    },
  );

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s mid-run: in-flight tickers finish, none start, the run is recorded interrupted, the lock released, exit %i',
    { timeout: 3 * RUN_TIMEOUT_MS },
    async (signal, exitCode) => {
      const started = startCli(['run', '--home', home, '--universe', universe, '--concurrency', '1', '--json']);
      await waitFor(
        'the first raw snapshot',
        started,
        async () => (await filesUnder(join(home, 'lake', 'raw'))).length >= 1,
      );
      started.child.kill(signal);
      const result = await started.result;

      expect(result.code, result.stderr).toBe(exitCode);
      expect(result.stderr).toMatch(
        new RegExp(
          `interrupted by ${signal}: \\d+ ticker\\(s\\) finished, [1-9]\\d* not started; recorded as interrupted`,
        ),
      );
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
      const summary = JSON.parse(result.stdout) as {
        status: string;
        interrupted_by: string;
        tickers_ok: string[];
        tickers_not_started: string[];
      };
      expect(summary).toMatchObject({ status: 'interrupted', interrupted_by: signal });
      expect(summary.tickers_ok.length).toBeGreaterThanOrEqual(1);
      expect(summary.tickers_ok.length + summary.tickers_not_started.length).toBe(UNIVERSE.length);
      expect(existsSync(join(home, 'marketlake.lock'))).toBe(false);
      expect(await runStatuses(home)).toEqual(['interrupted']);
      // Every ticker that finished is complete in the lake and the database; nothing else was started.
      const verify = await runCli('verify', '--home', home, '--json');
      expect(verify.code, verify.stdout).toBe(0);
      const tickersInLake = new Set(
        (await filesUnder(join(home, 'lake', 'raw'))).map((path) => path.split('/').at(-3)),
      );
      expect([...tickersInLake].sort()).toEqual([...summary.tickers_ok].sort());
    },
  );

  it(
    'SIGINT mid-reprocess: the reprocess is recorded interrupted and exits 130, the lake stays verifiable',
    { timeout: 4 * RUN_TIMEOUT_MS },
    async () => {
      const tickers = UNIVERSE.slice(0, 60);
      const first = await runCli('run', '--home', home, '--tickers', tickers.join(','), '--json');
      expect(first.code, first.stderr).toBe(0);
      const processedBefore = (await filesUnder(join(home, 'lake', 'processed'))).length;

      const started = startCli([
        'reprocess',
        '--home',
        home,
        '--computation-version',
        '2.0',
        '--concurrency',
        '1',
        '--json',
      ]);
      await waitFor(
        'the first reprocessed objects',
        started,
        async () => (await filesUnder(join(home, 'lake', 'processed'))).length > processedBefore,
      );
      started.child.kill('SIGINT');
      const result = await started.result;

      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toMatch(
        /reprocess \S+ interrupted by SIGINT: \d+ ticker\(s\) finished, [1-9]\d* not started/,
      );
      const summary = JSON.parse(result.stdout) as { status: string; tickers: string[]; tickers_not_started: string[] };
      expect(summary.status).toBe('interrupted');
      expect(summary.tickers.length + summary.tickers_not_started.length).toBe(tickers.length);
      expect(await runStatuses(home)).toEqual(['ok', 'interrupted']);
      const verify = await runCli('verify', '--home', home, '--json');
      expect(verify.code, verify.stdout).toBe(0);
    },
  );
});

describeOnPostgres('crash healing with PostgreSQL (real processes)', () => {
  let database: TestWarehouse;
  let home: string;
  beforeEach(async () => {
    database = await createTestWarehouse('postgres');
    home = await mkdtemp(join(tmpdir(), 'marketlake-heal-pg-'));
  });
  afterEach(async () => {
    await database.dispose();
    await rm(home, { recursive: true, force: true });
  });

  it(
    'a raw snapshot written before its commit when the process was killed is catalogued by `lake retry`',
    { timeout: 3 * RUN_TIMEOUT_MS },
    async () => {
      const databaseUrl = database.databaseUrl!;
      const lake = pathToFileURL(join(home, 'lake')).href;
      const flags = ['--home', home, '--lake', lake, '--database', databaseUrl];
      // Hold the prices table so that the run's commit (which writes prices) waits after its raw object is written.
      const blocker = new pg.Client({ connectionString: databaseUrl });
      // pg_stat_activity is a snapshot per transaction: the blocker, inside its own, would never see the wait.
      const watcher = new pg.Client({ connectionString: databaseUrl });
      await blocker.connect();
      await watcher.connect();
      try {
        await blocker.query('begin');
        await blocker.query('lock table daily_prices in exclusive mode');
        const started = startCli(['run', ...flags, '--tickers', 'NVDA,AAPL', '--concurrency', '1', '--json']);
        await waitFor('the commit to wait on the lock', started, async () => {
          const waiting = await watcher.query(
            `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          );
          return (waiting.rows[0] as { n: number }).n > 0;
        });
        started.child.kill('SIGKILL');
        expect((await started.result).signal).toBe('SIGKILL');
        // The dead client's statement must never commit (the server would find the socket closed only later).
        await blocker.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
        await blocker.query('rollback');
      } finally {
        await blocker.end();
        await watcher.end();
      }

      const [orphan] = await filesUnder(join(home, 'lake', 'raw'));
      expect(orphan).toBeDefined();
      const before = await runCli('verify', ...flags, '--json');
      expect(before.code).toBe(1);
      const uncatalogued = (
        JSON.parse(before.stdout) as { uncatalogued_objects: { key: string }[] }
      ).uncatalogued_objects.map((o) => o.key);
      expect(uncatalogued).toHaveLength(1);
      // The first job, in the order of the tickers' keys (not the order given).
      expect(uncatalogued[0]).toMatch(/^raw\/sample\/AAPL\//);

      const retry = await runCli('lake', 'retry', ...flags, '--json');
      expect(retry.code, retry.stderr + retry.stdout).toBe(0);
      expect((JSON.parse(retry.stdout) as { runs_aborted: unknown[] }).runs_aborted).toEqual([
        expect.objectContaining({ kind: 'run', reason: expect.stringMatching(/is gone/), catalogued: uncatalogued }),
      ]);
      const after = await runCli('verify', ...flags, '--json');
      expect(after.code, after.stdout).toBe(0);
      expect(await runStatuses(home, databaseUrl)).toEqual(['aborted']);
    },
  );
});
