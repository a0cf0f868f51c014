/**
 * `/metrics` counts the requests the lake failed (`marketlake_lake_errors_total`, by problem): here a damaged
 * object in an embedded home's lake folder (truncated, as a full disk or a bad copy leaves it), which the API
 * answers 500 `lake-error` while every other read goes on. A busy embedded database (503) is expected, not logged.
 */
import { readdir, rm, truncate, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiApp, createApiApp } from '../../src/api/app.js';
import { resolveConfig } from '../../src/config.js';
import { runCli } from '../support/cli.js';
import { withEnv } from '../support/env.js';

describe('the lake errors counter', () => {
  let home: string;
  let api: ApiApp;
  const logged: unknown[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-api-lake-errors-'));
    const run = await withEnv({ MARKETLAKE_NOW: '2026-12-01T22:00:00Z' }, () =>
      runCli('run', '--home', home, '--tickers', 'NVDA', '--json'),
    );
    expect(run.code, run.stderr).toBe(0);
    api = createApiApp({
      config: resolveConfig({ home }),
      guards: { log: () => {} },
      logError: (error) => logged.push(error),
    });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('counts a read that meets a damaged object, and nothing for the reads that succeed', async () => {
    const metricsText = async () => (await api.app.request('/metrics')).text();
    expect((await api.app.request('/v1/indicators/NVDA/latest')).status).toBe(200);
    expect(await metricsText()).not.toMatch(/^marketlake_lake_errors_total\{/m);

    const files = (await readdir(join(home, 'lake'), { recursive: true })).filter(
      (file) => file.startsWith(join('processed', 'indicators')) && file.endsWith('.json!'),
    );
    expect(files).toHaveLength(1);
    await truncate(join(home, 'lake', files[0]!), 40);

    const damaged = await api.app.request('/v1/indicators/NVDA/latest');
    expect(damaged.status).toBe(500);
    const problem = (await damaged.json()) as { type: string; detail: string };
    expect(problem.type).toBe('/problems/lake-error');
    // The key and what is wrong, never where the server keeps the file.
    expect(problem.detail).toMatch(
      /^the object processed\/indicators\/NVDA\/2026-12-01\/\S+ is damaged: no header line$/,
    );
    expect(problem.detail).not.toContain(home);
    expect((await api.app.request('/v1/raw/NVDA/latest')).status).toBe(200);
    expect(await metricsText()).toMatch(/^marketlake_lake_errors_total\{problem="lake-error"\} 1$/m);
    // A damaged object is a failure to look into: logged with its stack.
    expect(logged).toHaveLength(1);
  });

  it('does not log a busy embedded database (503 while a run holds the home) as an error', async () => {
    const before = logged.length;
    const { openRuntime } = await import('../../src/runtime.js');
    const held = await openRuntime(resolveConfig({ home }));
    try {
      const busy = await api.app.request('/v1/runs');
      expect(busy.status).toBe(503);
      expect(((await busy.json()) as { type: string }).type).toBe('/problems/database-busy');
    } finally {
      await held.close();
    }
    expect(logged).toHaveLength(before);
  });
});
