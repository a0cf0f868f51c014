/**
 * `marketlake sql`, through the built CLI (`bin/marketlake.js`; `npm run build` first) as a user runs it: on an
 * embedded home written by two daily runs and `tables rebuild`, the answers are those the lake's JSON objects give
 * (read with `get` and `versions`, not hard-coded), in every output format; the confinement holds (no file outside
 * the tables, no COPY), the limits stop a query with exit 1 and nothing on stdout, and bad flags exit 2 before
 * anything runs. Athena runs against the replay server; an S3 lake on the test S3 server shows the local copy
 * fetched once, reused, and never stale.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaReplayServer, fixture } from '../../src/sql/testing/athena-replay-server.js';
import type { CliResult } from '../support/cli.js';
import { describeOnRgw } from '../support/rgw.js';

const BIN = fileURLToPath(new URL('../../bin/marketlake.js', import.meta.url));
const TICKERS = ['NVDA', 'AAPL', 'MSFT', 'D05.SI'];
const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';
const DAY_3 = '2026-12-03T22:00:00Z';

/** Runs the built CLI as a separate process (stdout and stderr apart, the exit code as the shell sees it). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function ok(result: Promise<CliResult>, what: string): Promise<CliResult> {
  const done = await result;
  expect(done.code, `${what}: ${done.stderr}`).toBe(0);
  return done;
}

type Row = Record<string, unknown>;

interface Stored {
  key: string;
  version_id: string;
  metadata: Record<string, string>;
  body: Record<string, unknown>;
}

/** Every stored version of `kind` for `ticker`, oldest first, read from the lake with `versions` and `get`. */
async function storedObjects(home: string[], kind: string, ticker: string): Promise<Stored[]> {
  const versions = JSON.parse((await ok(cli(['versions', kind, ticker, ...home, '--json']), 'versions')).stdout) as {
    version_id: string;
  }[];
  const objects: Stored[] = [];
  for (const version of versions.reverse()) {
    const got = await ok(cli(['get', kind, ticker, '--version', version.version_id, ...home, '--json']), 'get');
    objects.push(JSON.parse(got.stdout) as Stored);
  }
  return objects;
}

describe('marketlake sql on an embedded home (built CLI)', () => {
  let scratch: string;
  let home: string[];
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'marketlake-sql-cli-'));
    home = ['--home', join(scratch, 'home')];
    for (const now of [DAY_1, DAY_2]) {
      await ok(cli(['run', ...home, '--tickers', TICKERS.join(','), '--json'], { MARKETLAKE_NOW: now }), 'run');
    }
    await ok(cli(['tables', 'rebuild', ...home]), 'tables rebuild');
  }, 180_000);
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  const sql = (query: string, ...flags: string[]) => cli(['sql', query, ...home, ...flags]);
  const sqlJson = async (query: string, ...flags: string[]) =>
    JSON.parse((await ok(sql(query, '--json', ...flags), query)).stdout) as Row[];

  it('screens the indicators: the rows of the lake under a threshold, in text, JSON and CSV', async () => {
    const stored = (await Promise.all(TICKERS.map((t) => storedObjects(home, 'indicators', t)))).flat();
    const all = stored.map((o) => ({
      ticker: o.body.ticker as string,
      as_of: o.body.as_of as string,
      rsi_14: (o.body.values as Record<string, number>).rsi_14,
    }));
    expect(all).toHaveLength(2 * TICKERS.length);
    // A threshold between the values, so the screen selects some rows and leaves out others.
    const sorted = all.map((r) => r.rsi_14).sort((a, b) => a - b);
    const threshold = (sorted[3] + sorted[4]) / 2;
    const expected = all
      .filter((r) => r.rsi_14 < threshold)
      .sort((a, b) => a.ticker.localeCompare(b.ticker) || a.as_of.localeCompare(b.as_of));
    expect(expected).toHaveLength(4);
    const query =
      `SELECT ticker, as_of, rsi_14 FROM indicators_latest WHERE rsi_14 < ${threshold} ` +
      'ORDER BY ticker COLLATE "C", as_of';

    const json = await sql(query, '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(expected);
    // stderr says at most how many table files were copied from the lake; the result is on stdout alone.
    expect(json.stderr).toMatch(/^(marketlake: fetched \d+ table file\(s\) from the lake \(\d+ reused .*\)\n)?$/);

    const csv = await ok(sql(query, '--csv'), 'csv');
    expect(csv.stdout).toBe(
      'ticker,as_of,rsi_14\r\n' + expected.map((r) => `${r.ticker},${r.as_of},${r.rsi_14}\r\n`).join(''),
    );
    expect(csv.stderr).toBe('');

    const text = await ok(sql(query), 'text');
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ticker\s+as_of\s+rsi_14$/);
    expect(lines[1]).toMatch(/^-+ {2}-+ {2}-+$/);
    expect(lines.slice(2, -1).map((line) => line.split(/\s+/))).toEqual(
      expected.map((r) => [r.ticker, r.as_of, String(r.rsi_14)]),
    );
    expect(lines.at(-1)).toBe(`(${expected.length} rows)`);
  });

  it('writes --parquet FILE, which DuckDB reads back as the same rows; stdout stays empty', async () => {
    const file = join(scratch, 'screen.parquet');
    const query = "SELECT ticker, as_of, rsi_14 FROM indicators_latest WHERE ticker <> 'NVDA' ORDER BY 1, 2";
    const expected = await sqlJson(query);
    const written = await ok(sql(query, '--parquet', file), 'parquet');
    expect(written.stdout).toBe('');
    expect(written.stderr).toContain(`wrote ${expected.length} row(s)`);
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll(
        `SELECT ticker, strftime(as_of, '%Y-%m-%d') AS as_of, rsi_14 FROM read_parquet('${file}') ORDER BY 1, 2`,
      );
      expect(reader.getRowObjectsJson()).toEqual(expected);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
    expect(expected).toHaveLength(2 * (TICKERS.length - 1));
  });

  it("gives a ticker's price history with the lineage of each bar: the snapshot that first held it", async () => {
    const [day1, day2] = await storedObjects(home, 'raw', 'NVDA');
    expect([day1.key, day2.key]).toEqual([
      'raw/sample/NVDA/2026-12-01/20261201_220000.json',
      'raw/sample/NVDA/2026-12-02/20261202_220000.json',
    ]);
    // Each date's bar as first reported: day 1's snapshot for the dates it held, day 2's for the new ones.
    const firstHeld = new Map<string, { close: number; raw: Stored }>();
    for (const raw of [day1, day2]) {
      for (const bar of raw.body.bars as { date: string; close: number }[]) {
        if (!firstHeld.has(bar.date)) firstHeld.set(bar.date, { close: bar.close, raw });
      }
    }
    const rows = await sqlJson(
      'SELECT date, close, raw_key, raw_version_id, raw_sha256, known_from, known_until FROM price_history ' +
        "WHERE ticker = 'NVDA' ORDER BY date",
    );
    expect(rows).toEqual(
      [...firstHeld.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([date, { close, raw }]) => ({
          date,
          close,
          raw_key: raw.key,
          raw_version_id: raw.version_id,
          raw_sha256: raw.metadata.content_sha256,
          known_from: raw.metadata.fetched_at,
          known_until: null,
        })),
    );
    expect(rows.filter((row) => row.raw_key === day2.key).length).toBeGreaterThan(0);
    expect(rows.filter((row) => row.raw_key === day1.key).length).toBeGreaterThan(400);
  });

  it('reads no file outside the tables: /etc/passwd fails with exit 1 and nothing on stdout', async () => {
    for (const query of [
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM read_text('/etc/passwd')",
      "SELECT * FROM '/etc/passwd'",
      "SELECT * FROM read_parquet('/etc/passwd')",
    ]) {
      const result = await sql(query);
      expect(result.code, query).toBe(1);
      expect(result.stdout, query).toBe('');
      expect(result.stderr, query).toMatch(/^marketlake: query failed: /m);
      expect(result.stderr, query).not.toContain('root:');
    }
  });

  it('refuses COPY ... TO (exit 1), and writes nothing', async () => {
    const target = join(scratch, 'copied.csv');
    const result = await sql(`COPY (SELECT * FROM prices) TO '${target}'`);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^marketlake: query refused: only a single SELECT/m);
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  it('stops a cross join at --timeout 1 (exit 1, nothing on stdout)', async () => {
    const started = Date.now();
    const result = await sql(
      'SELECT sum(a.close * b.close * c.close) FROM prices a, prices b, prices c',
      '--timeout',
      '1',
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('query stopped: it ran longer than the time limit of 1 s');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses a result over --max-rows whole (exit 1), and gives one at the limit', async () => {
    const count = (await sqlJson("SELECT count(*) AS n FROM prices_latest WHERE ticker = 'AAPL'"))[0].n as number;
    const query = "SELECT date, close FROM prices_latest WHERE ticker = 'AAPL'";
    const over = await sql(query, '--max-rows', String(count - 1));
    expect(over.code).toBe(1);
    expect(over.stdout).toBe('');
    expect(over.stderr).toContain(`more than ${count - 1} rows`);
    expect(await sqlJson(query, '--max-rows', String(count))).toHaveLength(count);
  });

  it('names a missing lake (exit 1) and creates nothing there', async () => {
    const nowhere = join(scratch, 'not-a-home');
    const result = await cli(['sql', 'SELECT count(*) FROM prices', '--home', nowhere]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`there is no lake at "${join(nowhere, 'lake')}"`);
    await expect(stat(nowhere)).rejects.toThrow(/ENOENT/);
  });

  it('exits 2 on bad flags, before reading anything', async () => {
    const cases: [string[], RegExp][] = [
      [['--engine', 'athena'], /--engine athena needs --workgroup and --database/],
      [['--engine', 'athena', '--workgroup', 'w'], /--engine athena needs --database/],
      [['--engine', 'athena', '--workgroup', 'w', '--database', 'd', '--parquet', 'x.parquet'], /--parquet works/],
      [['--workgroup', 'w'], /--workgroup: for --engine athena only/],
      [['--json', '--csv'], /--json and --csv cannot be combined/],
      [['--engine', 'spark'], /argument 'spark' is invalid/],
      [['--timeout', '0'], /--timeout <seconds>' argument '0' is invalid/],
      [['--max-rows', '-3'], /--max-rows <n>' argument '-3' is invalid/],
    ];
    // A home that does not exist: a command that went on to read would create or fail on it.
    const nowhere = join(scratch, 'no-such-home');
    for (const [flags, message] of cases) {
      const result = await cli(['sql', 'SELECT 1', '--home', nowhere, ...flags]);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stdout, flags.join(' ')).toBe('');
      expect(result.stderr, flags.join(' ')).toMatch(message);
    }
    await expect(stat(nowhere)).rejects.toThrow(/ENOENT/);
  });
});

describe('marketlake sql --engine athena (replay server)', () => {
  let server: AthenaReplayServer | undefined;
  afterAll(async () => server?.close());

  const athenaEnv = (endpoint: string): NodeJS.ProcessEnv => ({
    AWS_ENDPOINT_URL_ATHENA: endpoint,
    AWS_ENDPOINT_URL: '',
    AWS_ACCESS_KEY_ID: 'replay-access-key',
    AWS_SECRET_ACCESS_KEY: 'replay-secret-key',
    AWS_REGION: 'us-east-1',
    AWS_PROFILE: '',
  });
  const athena = (query: string, endpoint: string, ...flags: string[]) =>
    cli(['sql', query, '--engine', 'athena', '--workgroup', 'marketlake', '--database', 'lake', ...flags], {
      ...athenaEnv(endpoint),
    });

  it('prints the rows as JSON and the query id and bytes scanned on stderr; sends the workgroup and database', async () => {
    server = await AthenaReplayServer.start({
      StartQueryExecution: [fixture('start-query-execution')],
      GetQueryExecution: [fixture('get-query-execution-running'), fixture('get-query-execution-succeeded')],
      GetQueryResults: [fixture('get-query-results-page-1'), fixture('get-query-results-page-2')],
    });
    const query = 'SELECT ticker, close, volume FROM prices_latest ORDER BY ticker';
    const result = await athena(query, server.endpoint, '--json', '--output-location', 's3://results/sql/');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { ticker: 'AAPL', close: 238.47, volume: 51234100 },
      { ticker: 'MSFT', close: 431.2, volume: 20877300 },
      { ticker: 'NVDA', close: 142.03, volume: '9007199254740993' },
    ]);
    expect(result.stderr).toContain('athena query a7b3c2d1-5e6f-4a8b-9c0d-1e2f3a4b5c6d: 48213677 bytes scanned');
    const [start] = server.requestsFor('StartQueryExecution');
    expect(start.body).toMatchObject({
      QueryString: query,
      WorkGroup: 'marketlake',
      QueryExecutionContext: { Database: 'lake', Catalog: 'AwsDataCatalog' },
      ResultConfiguration: { OutputLocation: 's3://results/sql/' },
    });
    await server.close();
    server = undefined;
  });

  it('prints the same aligned text table as the DuckDB engine, numbers to the right', async () => {
    server = await AthenaReplayServer.start({
      StartQueryExecution: [fixture('start-query-execution')],
      GetQueryExecution: [fixture('get-query-execution-succeeded')],
      GetQueryResults: [fixture('get-query-results-page-1'), fixture('get-query-results-page-2')],
    });
    const result = await athena('SELECT 1', server.endpoint);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        'ticker   close            volume',
        '------  ------  ----------------',
        'AAPL    238.47          51234100',
        'MSFT     431.2          20877300',
        'NVDA    142.03  9007199254740993',
        '(3 rows)',
        '',
      ].join('\n'),
    );
    await server.close();
    server = undefined;
  });

  it('a failed query exits 1 with Athena’s reason, and --max-rows over the result exits 1; stdout stays empty', async () => {
    server = await AthenaReplayServer.start({
      StartQueryExecution: [fixture('start-query-execution')],
      GetQueryExecution: [fixture('get-query-execution-failed')],
      StopQueryExecution: [fixture('stop-query-execution')],
    });
    const failed = await athena('SELECT nothing', server.endpoint);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^marketlake: .*a7b3c2d1-5e6f-4a8b-9c0d-1e2f3a4b5c6d.*failed/m);
    await server.close();

    server = await AthenaReplayServer.start({
      StartQueryExecution: [fixture('start-query-execution')],
      GetQueryExecution: [fixture('get-query-execution-succeeded')],
      GetQueryResults: [fixture('get-query-results-page-1'), fixture('get-query-results-page-2')],
    });
    const tooMany = await athena('SELECT 1', server.endpoint, '--max-rows', '2');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stdout).toBe('');
    expect(tooMany.stderr).toContain('--max-rows 2');
    await server.close();
    server = undefined;
  });
});

describe('marketlake sql --engine athena interrupted (replay server)', () => {
  let server: AthenaReplayServer | undefined;
  afterAll(async () => server?.close());

  it('Ctrl-C stops the running query in Athena and exits 130', async () => {
    server = await AthenaReplayServer.start({
      StartQueryExecution: [fixture('start-query-execution')],
      GetQueryExecution: [fixture('get-query-execution-running')],
      StopQueryExecution: [fixture('stop-query-execution')],
    });
    const child = spawn(
      process.execPath,
      [BIN, 'sql', 'SELECT 1', '--engine', 'athena', '--workgroup', 'marketlake', '--database', 'lake'],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_ATHENA: server.endpoint,
          AWS_ENDPOINT_URL: '',
          AWS_ACCESS_KEY_ID: 'replay-access-key',
          AWS_SECRET_ACCESS_KEY: 'replay-secret-key',
          AWS_REGION: 'us-east-1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    while (server.requestsFor('GetQueryExecution').length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stdout).toBe('');
    expect(stderr).toContain('SIGINT: stopping the Athena query');
    expect(server.requestsFor('StopQueryExecution').map((request) => request.body)).toEqual([
      { QueryExecutionId: 'a7b3c2d1-5e6f-4a8b-9c0d-1e2f3a4b5c6d' },
    ]);
  });
});

describeOnRgw('marketlake sql on an S3 lake', (rgw) => {
  let scratch: string;
  let lake: string[];
  /** The home of the runs and rebuilds (its database), and the home that only runs the queries (its copy). */
  let flags: string[];
  let queryFlags: string[];
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'marketlake-sql-s3-'));
    lake = ['--lake', `s3://${rgw.bucket()}/lake`, '--s3-endpoint', rgw.settings.endpoint];
    flags = ['--home', join(scratch, 'home'), ...lake];
    queryFlags = ['--home', join(scratch, 'query-home'), ...lake];
    env = {
      AWS_ACCESS_KEY_ID: rgw.settings.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: rgw.settings.credentials.secretAccessKey,
      AWS_REGION: rgw.settings.region,
    };
    for (const now of [DAY_1, DAY_2]) {
      await ok(cli(['run', ...flags, '--tickers', 'NVDA,AAPL', '--json'], { ...env, MARKETLAKE_NOW: now }), 'run');
    }
    await ok(cli(['tables', 'rebuild', ...flags], env), 'tables rebuild');
  }, 180_000);
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  const query = 'SELECT ticker, as_of FROM indicators_latest ORDER BY ticker, as_of';
  const cacheFiles = async () =>
    (await readdir(join(scratch, 'query-home', 'cache', 'tables'), { recursive: true }))
      .filter((name) => name.endsWith('.parquet'))
      .sort();

  it('fetches the table files on the first query, reuses them on the next, and sees a new file at once', async () => {
    const first = await ok(cli(['sql', query, ...queryFlags, '--json'], env), 'first');
    expect(JSON.parse(first.stdout)).toEqual([
      { ticker: 'AAPL', as_of: '2026-12-01' },
      { ticker: 'AAPL', as_of: '2026-12-02' },
      { ticker: 'NVDA', as_of: '2026-12-01' },
      { ticker: 'NVDA', as_of: '2026-12-02' },
    ]);
    const fetched = /fetched (\d+) table file\(s\) from the lake \(0 reused/.exec(first.stderr);
    expect(fetched, first.stderr).not.toBeNull();
    const copied = (await cacheFiles()).filter((name) => name.includes('indicators'));
    expect(copied).toHaveLength(Number(fetched![1]));

    const second = await ok(cli(['sql', query, ...queryFlags, '--json'], env), 'second');
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).not.toContain('fetched');

    // Another day's run and a rebuild add a table file: the next query fetches it alone and shows its rows.
    await ok(cli(['run', ...flags, '--tickers', 'NVDA,AAPL', '--json'], { ...env, MARKETLAKE_NOW: DAY_3 }), 'run');
    await ok(cli(['tables', 'rebuild', ...flags], env), 'tables rebuild');
    const third = await ok(cli(['sql', query, ...queryFlags, '--json'], env), 'third');
    expect((JSON.parse(third.stdout) as Row[]).filter((row) => row.as_of === '2026-12-03')).toEqual([
      { ticker: 'AAPL', as_of: '2026-12-03' },
      { ticker: 'NVDA', as_of: '2026-12-03' },
    ]);
    const again = /fetched (\d+) table file\(s\) from the lake \((\d+) reused/.exec(third.stderr);
    expect(again, third.stderr).not.toBeNull();
    expect(Number(again![1])).toBeGreaterThan(0);
    expect(Number(again![2])).toBe(copied.length);
  });
});
