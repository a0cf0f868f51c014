/**
 * `marketlake serve` as a separate process on an embedded home: it holds no lock on the home, so a daily run
 * succeeds while it serves, and its answers (and the CLI's `get`) stay good throughout (reads of the lake folder,
 * no database); it closes on SIGTERM. A public address without tokens is refused before anything is bound.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKENS_VARIABLE } from '../../src/api/bind-policy.js';
import { type CliResult, runCli, spawnCli, startCli, type StartedCli } from '../support/cli.js';
import { httpRequest } from '../support/http.js';
import { withEnv } from '../support/env.js';

const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('marketlake serve on an embedded home', () => {
  let home: string;
  let serve: StartedCli;
  let url: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-serve-'));
    const run = await withEnv({ MARKETLAKE_NOW: DAY_1 }, () =>
      runCli('run', '--home', home, '--tickers', 'NVDA,^GSPC', '--json'),
    );
    expect(run.code, run.stderr).toBe(0);
    serve = startCli(['serve', '--home', home, '--port', '0'], { [API_TOKENS_VARIABLE]: undefined });
    url = await waitFor('the URL', () => /serving the lake at (http:\/\/127\.0\.0\.1:\d+) /.exec(serve.stdout())?.[1]);
  }, 240_000);
  afterAll(async () => {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  it('a daily run succeeds while it serves and `get` reads, and every answer during the run is a good one', async () => {
    const before = (await httpRequest(url, '/v1/indicators/NVDA/latest')).json() as { key: string };
    expect(before.key).toContain('/2026-12-01/');
    const answers: { path: string; status: number }[] = [];
    let running = true;
    const reader = (async () => {
      const paths = [
        '/v1/indicators/NVDA/latest',
        '/v1/raw/%5EGSPC/versions',
        '/v1/tickers',
        '/readyz',
        '/v1/prices/NVDA',
        `/v1/prices/%5EGSPC?as_known_at=${encodeURIComponent(DAY_1)}`,
        '/v1/indicators/NVDA/series',
      ];
      for (let i = 0; running; i++) {
        const path = paths[i % paths.length]!;
        answers.push({ path, status: (await httpRequest(url, path)).status });
      }
    })();
    // The CLI's reads go on too (a process of their own, as a user's would be).
    const gets: CliResult[] = [];
    const cliReader = (async () => {
      while (running) gets.push(await spawnCli(['get', 'indicators', 'NVDA', '--home', home, '--json']));
    })();
    const run = await withEnv({ MARKETLAKE_NOW: DAY_2 }, () =>
      runCli('run', '--home', home, '--tickers', 'NVDA,^GSPC', '--json'),
    );
    running = false;
    await Promise.all([reader, cliReader]);
    expect(gets.length).toBeGreaterThan(0);
    for (const get of gets) expect(get.code, get.stderr).toBe(0);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { status: string }).status).toBe('ok');
    expect(answers.length).toBeGreaterThan(8);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const after = (await httpRequest(url, '/v1/indicators/NVDA/latest')).json() as { key: string };
    expect(after.key).toContain('/2026-12-02/');
  }, 240_000);

  it('SIGTERM closes it: exit 0, and it says so', async () => {
    serve.child.kill('SIGTERM');
    const result = await serve.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('SIGTERM: closing the server');
  }, 60_000);

  it('a public address without tokens is refused before anything is bound, saying what to do', async () => {
    const refused = await withEnv({ [API_TOKENS_VARIABLE]: undefined }, () =>
      runCli('serve', '--home', home, '--host', '0.0.0.0', '--port', '0'),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to listen on "0.0.0.0" without API tokens');
    expect(refused.stdout).toBe('');
    const badToken = await withEnv({ [API_TOKENS_VARIABLE]: 'short' }, () =>
      runCli('serve', '--home', home, '--host', '0.0.0.0', '--port', '0'),
    );
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain(`token 1 of ${API_TOKENS_VARIABLE} is 5 characters long`);
  });

  it('a CORS origin that is no origin is a usage error, before anything is opened', async () => {
    for (const origin of ['*', 'https://reports.example.com/', 'ftp://example.com']) {
      const refused = await runCli('serve', '--home', home, '--port', '0', '--cors-origin', origin);
      expect({ origin, code: refused.code }).toEqual({ origin, code: 2 });
      expect(refused.stderr).toContain('CORS origin');
      expect(refused.stderr).not.toContain('internal error');
      expect(refused.stdout).toBe('');
    }
  });
});
