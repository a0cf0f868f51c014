/**
 * `marketlake serve --schedule` on an embedded home: the server owns the database and runs the daily job itself
 * (on `POST /v1/runs` here; the schedule's timer is src/api/served-runs.test.ts's), so every read answers during
 * a run, the ones that need the database included (without --schedule those are 503 while a run holds the home:
 * serve-during-run.test.ts). `marketlake run` on the held home asks the server for the run and reports it; SIGTERM
 * ends the run in progress `interrupted` and lets the home go.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKENS_VARIABLE } from '../../src/api/bind-policy.js';
import { resolveConfig } from '../../src/config.js';
import type { RunSummary } from '../../src/pipeline/daily-run.js';
import { openRuntime } from '../../src/runtime.js';
import { SAMPLE_TICKERS } from '../../src/sources/sample/sample-universe.js';
import { listRuns } from '../../src/warehouse/runs.js';
import { SERVING_FILE_NAME } from '../../src/warehouse/pglite/serving-record.js';
import { type CliResult, runCli, spawnCli, startCli, type StartedCli } from '../support/cli.js';
import { withEnv } from '../support/env.js';
import { httpRequest } from '../support/http.js';

const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';
/**
 * Enough tickers for a run of a few seconds, so that the reads below meet it: the sample universe (51), then again
 * with a class suffix (NVDA-B1, D05-B1.SI, ...), which the sample source generates like the others.
 */
const TICKERS = [1, 2, 3]
  .flatMap((round) =>
    SAMPLE_TICKERS.map((ticker) => (round === 1 ? ticker : ticker.replace(/^([^.]+)/, `$1-B${round}`))),
  )
  .slice(0, 150)
  .join(',');
/** February 30th: a valid schedule that never comes, so that only the requests here start runs. */
const NEVER = '0 0 30 2 *';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface RunDocument {
  run_id: string;
  status: string;
  tickers: string[];
  summary: RunSummary | null;
}

describe('marketlake serve --schedule: the server runs the daily job and owns the embedded database', () => {
  let home: string;
  let serve: StartedCli;
  let url: string;
  const post = (body: string | undefined, headers: Record<string, string> = {}) =>
    httpRequest(url, '/v1/runs', { method: 'POST', ...(body === undefined ? {} : { body }), headers });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-serve-schedule-'));
    const day1 = await withEnv({ MARKETLAKE_NOW: DAY_1 }, () =>
      runCli('run', '--home', home, '--tickers', TICKERS, '--json', '--no-tables'),
    );
    expect(day1.code, day1.stderr).toBe(0);
    serve = startCli(['serve', '--home', home, '--port', '0', '--schedule', NEVER, '--tickers', TICKERS], {
      [API_TOKENS_VARIABLE]: undefined,
      MARKETLAKE_NOW: DAY_2,
    });
    url = await waitFor('the URL', () => /serving the lake at (http:\/\/127\.0\.0\.1:\d+) /.exec(serve.stdout())?.[1]);
    await waitFor('the schedule line', () => (serve.stdout().includes('the daily job runs on') ? true : undefined));
  }, 240_000);
  afterAll(async () => {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  it('says when the job runs, and records where it serves for `run`', () => {
    expect(serve.stdout()).toContain(`the daily job runs on "${NEVER}" (UTC; next never) and on POST ${url}/v1/runs`);
    expect(existsSync(join(home, SERVING_FILE_NAME))).toBe(true);
  });

  it('POST /v1/runs needs a JSON body: a plain form post (no CORS preflight) starts nothing', async () => {
    const form = await post('tickers=NVDA', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.headers['content-type']).toBe('application/problem+json');
    expect((await post(undefined)).status).toBe(415);
    expect((await post('{"tickers":[]}')).status).toBe(400);
    expect((await post('{"tickers":["NVDA"],"range":"1y"}')).status).toBe(400);
    expect((await post('{"tickers":["../etc"]}')).status).toBe(400);
    // Without tokens, only a request addressed to loopback starts a run: another name that resolves here (DNS
    // rebinding from a web page) does not.
    const rebound = await post('{}', { Host: 'evil.example:8080' });
    expect(rebound.status).toBe(403);
    expect((rebound.json() as { type: string }).type).toBe('/problems/forbidden-host');
    const runs = (await httpRequest(url, '/v1/runs')).json() as { runs: RunDocument[] };
    expect(runs.runs.map((run) => run.status)).toEqual(['ok']); // Day 1's, by the CLI.
  });

  it('a run started by a request: every read answers during it (the database ones too), and one run at a time', async () => {
    const started = await post('{}');
    expect(started.status).toBe(202);
    const { run_id: runId, location } = started.json() as { run_id: string; location: string };
    expect(location).toBe(`/v1/runs/${runId}`);
    expect(started.headers.location).toBe(location);
    const again = await post('{}');
    expect(again.status).toBe(409);
    expect((again.json() as { detail: string }).detail).toBe(`run ${runId} is running: one run at a time`);
    // `run` on the held home asks the server, which is busy: refused with the server's word, nothing run. (In
    // this process: a process of its own would take as long to start as the run takes.)
    const busy = await runCli('run', '--home', home, '--tickers', 'NVDA');
    expect(busy.code, busy.stderr).toBe(1);
    expect(busy.stderr).toContain(`\`marketlake serve\` at ${url} answered 409: "run ${runId} is running`);

    const paths = ['/v1/runs', '/v1/stale', '/v1/indicators/NVDA/latest', '/readyz', '/metrics', '/v1/tickers'];
    const answers: { path: string; status: number; during: boolean }[] = [];
    const gets: CliResult[] = [];
    let seenRunning = 0;
    let final: RunDocument | undefined;
    for (let i = 0; final === undefined; i++) {
      const run = (await httpRequest(url, location)).json() as RunDocument;
      if (run.status !== 'running') final = run;
      else seenRunning++;
      const path = paths[i % paths.length]!;
      answers.push({ path, status: (await httpRequest(url, path)).status, during: run.status === 'running' });
      // The CLI's reads answer from the lake folder meanwhile.
      if (i % paths.length === 0) gets.push(await runCli('get', 'indicators', 'NVDA', '--home', home, '--json'));
    }
    expect(gets.length).toBeGreaterThan(0);
    for (const get of gets) expect(get.code, get.stderr).toBe(0);
    // The reads met the run: some were answered while it was running, and none was refused.
    expect(seenRunning).toBeGreaterThan(2);
    expect(answers.filter((answer) => answer.during).map((answer) => answer.path)).toEqual(
      expect.arrayContaining(['/v1/runs', '/v1/stale']),
    );
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(final.status).toBe('ok');
    expect(final.summary?.tickers_failed).toEqual([]);
    expect(final.summary?.tickers_ok).toHaveLength(150);
    const latest = (await httpRequest(url, '/v1/indicators/NVDA/latest')).json() as { key: string };
    expect(latest.key).toContain('/2026-12-02/');
  }, 240_000);

  it('`run` on the held home asks the server for the run and reports it; flags the server would not honour are refused', async () => {
    const run = await spawnCli(['run', '--home', home, '--tickers', 'nvda,AAPL', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.status).toBe('ok');
    expect(summary.tickers_ok.sort()).toEqual(['AAPL', 'NVDA']);
    expect(run.stderr).toContain(`run ${summary.run_id} started in \`marketlake serve\` at ${url}`);
    const recorded = (await httpRequest(url, `/v1/runs/${summary.run_id}`)).json() as RunDocument;
    expect(recorded.tickers).toEqual(['NVDA', 'AAPL']);

    const text = await spawnCli(['run', '--home', home, '--tickers', 'NVDA']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^run [0-9a-f-]{36}: ok in /);
    expect(text.stdout).toContain(`lake:     the lake of \`marketlake serve\` at ${url} (`);
    expect(text.stdout).toContain(`database: held by \`marketlake serve\` at ${url}`);
    // A ticker named twice is run once, as `--tickers` takes it.
    const twice = await post('{"tickers":["nvda","NVDA"]}');
    expect(twice.status).toBe(202);
    const twiceAt = (twice.json() as { location: string }).location;
    const ended = await waitFor('the run to end', async () => {
      const run = (await httpRequest(url, twiceAt)).json() as RunDocument;
      return run.status === 'running' ? undefined : run;
    });
    expect({ status: ended.status, tickers: ended.tickers }).toEqual({ status: 'ok', tickers: ['NVDA'] });

    const refused = await spawnCli(['run', '--home', home, '--range', '1y', '--no-tables']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('(given: --range, --no-tables)');
    // `stale` and `diff` read the server's answer, which is their own --json.
    const stale = await spawnCli(['stale', '--home', home, '--json', '--computation-version', '2.0']);
    expect(stale.code, stale.stderr).toBe(0);
    const staleFromApi = (await httpRequest(url, '/v1/stale?computation_version=2.0')).json() as unknown[];
    expect(staleFromApi.length).toBeGreaterThan(100);
    expect(JSON.parse(stale.stdout)).toEqual(staleFromApi);
    const staleText = await spawnCli(['stale', '--home', home, '--computation-version', '2.0', '--ticker', 'NVDA']);
    expect(staleText.code, staleText.stderr).toBe(0);
    expect(staleText.stdout).toMatch(/\(\d+ stale results; current computation version 2\.0\)\n$/);
    const diff = await spawnCli([
      'diff',
      '--home',
      home,
      '--from',
      '1.0',
      '--to',
      '2.0',
      '--tickers',
      'NVDA',
      '--json',
    ]);
    expect(diff.code, diff.stderr).toBe(0);
    const diffFromApi = (await httpRequest(url, '/v1/diff?from=1.0&to=2.0&tickers=NVDA')).json();
    expect(JSON.parse(diff.stdout)).toEqual(diffFromApi);
    // A command that writes the database is told where the server is.
    const retry = await spawnCli(['lake', 'retry', '--home', home]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain(`is held by \`marketlake serve\` (pid ${serve.child.pid}) at ${url}`);
  }, 240_000);

  it('a second server with --schedule on the held home is refused at once, naming the first', async () => {
    const second = await spawnCli(['serve', '--home', home, '--port', '0', '--schedule', NEVER], {
      [API_TOKENS_VARIABLE]: undefined,
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is held by \`marketlake serve\` (pid ${serve.child.pid}) at ${url}`);
    expect(second.stdout).toBe('');
  }, 120_000);

  it('SIGTERM during a run: the run ends interrupted, the server exits 0 and lets the home go', async () => {
    const started = await post('{}');
    expect(started.status).toBe(202);
    const { run_id: runId } = started.json() as { run_id: string };
    serve.child.kill('SIGTERM');
    const result = await serve.result;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('a run in progress finishes its tickers in flight and ends interrupted');
    expect(existsSync(join(home, SERVING_FILE_NAME))).toBe(false);
    // The home is free again: opened here, where the run is recorded as interrupted.
    const runtime = await openRuntime(resolveConfig({ home }), { readOnly: true });
    try {
      const runs = await listRuns(runtime.warehouse.db, 10);
      const stopped = runs.find((run) => run.runId === runId);
      expect(stopped?.status).toBe('interrupted');
      expect((stopped?.summary as { interrupted_by?: string } | null)?.interrupted_by).toBe('SIGTERM');
    } finally {
      await runtime.close();
    }
  }, 240_000);
});
