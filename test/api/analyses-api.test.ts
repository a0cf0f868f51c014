/**
 * The read API's answers that need the database (src/api/routes: stale, diff, runs, quality, prices), on a real
 * server over a lake made by two daily runs and a reprocess of NVDA under 2.0: each answers what the CLI prints
 * with `--json` for the same lake, and a bad or unknown parameter is a 400 or 404 problem document.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { resolveConfig } from '../../src/config.js';
import { runCli } from '../support/cli.js';
import { httpRequest } from '../support/http.js';
import { withNow } from '../support/env.js';

const QUIET = { log: () => undefined, rateLimit: false as const };
const TICKERS = ['NVDA', '^GSPC'];
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];
const enc = encodeURIComponent;

describe('the read API over the database: stale, diff, runs', () => {
  let home: string;
  let server: ApiServer;
  /** What `run --json` and `reprocess --json` printed, in the order they ran. */
  const printed: { run_id: string; status: string }[] = [];

  const cliJson = async (...args: string[]): Promise<unknown> => {
    const result = await runCli(...args, '--home', home, '--json');
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return JSON.parse(result.stdout);
  };
  const get = (path: string) => httpRequest(server.url, path);
  const getJson = async (path: string): Promise<unknown> => {
    const answer = await get(path);
    expect(answer.status, `${path}: ${answer.text()}`).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    return answer.json();
  };
  const expectProblem = async (path: string, status: number) => {
    const answer = await get(path);
    expect(answer.status, `${path}: ${answer.text()}`).toBe(status);
    expect(answer.headers['content-type'], path).toBe('application/problem+json');
    return answer.json() as { detail: string };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-api-db-'));
    for (const day of DAYS) {
      printed.push((await withNow(day, () => cliJson('run', '--tickers', TICKERS.join(',')))) as never);
    }
    printed.push(
      (await withNow(DAYS[1]!, () =>
        cliJson('reprocess', '--computation-version', '2.0', '--tickers', 'NVDA'),
      )) as never,
    );
    server = await startApiServer({ config: resolveConfig({ home }), host: '127.0.0.1', port: 0, guards: QUIET });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('GET /v1/stale answers what `stale --json` prints, for each version and ticker filter', async () => {
    const under2 = (await cliJson('stale', '--computation-version', '2.0')) as { ticker: string }[];
    // ^GSPC's results are all 1.0's, stale under 2.0 (and none is under 1.0).
    expect(under2.filter((r) => r.ticker === '^GSPC').length).toBeGreaterThan(0);
    expect(await cliJson('stale', '--computation-version', '1.0')).toEqual([]);
    expect(await getJson('/v1/stale?computation_version=2.0')).toEqual(under2);
    expect(await getJson('/v1/stale')).toEqual(await cliJson('stale'));
    expect(await getJson(`/v1/stale?computation_version=2.0&ticker=${enc('^gspc,NVDA')}`)).toEqual(
      await cliJson('stale', '--computation-version', '2.0', '--ticker', '^GSPC,NVDA'),
    );
    expect(await getJson('/v1/stale?computation_version=2.0&ticker=NVDA')).toEqual(
      under2.filter((r) => r.ticker === 'NVDA'),
    );
    await expectProblem('/v1/stale?computation_version=9.9', 400);
    await expectProblem('/v1/stale?ticker=NV%24A', 400);
    await expectProblem('/v1/stale?ticker=', 400);
  });

  it('GET /v1/diff answers what `diff --json` prints', async () => {
    const report = (await cliJson('diff', '--from', '1.0', '--to', '2.0')) as { pairs: { indicators: number } };
    expect(report.pairs.indicators).toBeGreaterThan(0);
    expect(await getJson('/v1/diff?from=1.0&to=2.0')).toEqual(report);
    expect(await getJson('/v1/diff?from=1.0&to=2.0&tickers=nvda&date=2026-12-02')).toEqual(
      await cliJson('diff', '--from', '1.0', '--to', '2.0', '--tickers', 'NVDA', '--date', '2026-12-02'),
    );
    expect(await getJson('/v1/diff?from=2.0&to=1.0&tickers=%5EGSPC')).toEqual(
      await cliJson('diff', '--from', '2.0', '--to', '1.0', '--tickers', '^GSPC'),
    );
    for (const path of [
      '/v1/diff',
      '/v1/diff?from=1.0',
      '/v1/diff?from=1.0&to=1.0',
      '/v1/diff?from=1.0&to=3.0',
      '/v1/diff?from=1.0&to=2.0&date=2026-02-30',
      '/v1/diff?from=1.0&to=2.0&tickers=a%2Fb',
    ]) {
      await expectProblem(path, 400);
    }
  });

  it('GET /v1/runs lists the runs newest first with their summaries; /v1/runs/{id} answers one; unknown: 404', async () => {
    const { runs } = (await getJson('/v1/runs')) as { runs: Record<string, unknown>[] };
    expect(runs.map((r) => r.run_id)).toEqual(printed.map((p) => p.run_id).reverse());
    expect(runs.map((r) => [r.kind, r.status])).toEqual([
      ['reprocess', printed[2]!.status],
      ['run', printed[1]!.status],
      ['run', printed[0]!.status],
    ]);
    expect(runs.map((r) => r.computation_version)).toEqual(['2.0', '1.0', '1.0']);
    expect(runs[0]!.tickers).toEqual(['NVDA']);
    for (const [index, run] of runs.entries()) {
      expect(run.summary).toEqual(printed[printed.length - 1 - index]);
      expect(Date.parse(run.finished_at as string)).toBeGreaterThanOrEqual(Date.parse(run.started_at as string));
      expect(await getJson(`/v1/runs/${run.run_id as string}`)).toEqual(run);
    }
    expect(await getJson('/v1/runs?limit=1')).toEqual({ runs: runs.slice(0, 1) });
    const unknown = await expectProblem('/v1/runs/00000000-0000-0000-0000-000000000000', 404);
    expect(unknown.detail).toContain('00000000-0000-0000-0000-000000000000');
    for (const path of ['/v1/runs?limit=0', '/v1/runs?limit=x', '/v1/runs?limit=100000', '/v1/runs/a%20b']) {
      await expectProblem(path, 400);
    }
  });

  it('GET /v1/quality answers the rows of the `quality` table (`sql --json`), filtered; history per ticker', async () => {
    const columns =
      'ticker, market, check_id, severity, passed, observed, expected, details, as_of, raw_key, ' +
      'raw_version_id, raw_sha256, policy, computation_version, quality_key, run_id, run_date';
    const order = 'ORDER BY run_date, run_id, ticker, check_id';
    const viaSql = async (where: string) =>
      (await cliJson('sql', `SELECT ${columns}, checked_at FROM quality ${where} ${order}`)) as Record<
        string,
        unknown
      >[];
    const verdicts = async (path: string) => {
      const { verdicts: rows } = (await getJson(path)) as { verdicts: Record<string, unknown>[] };
      return rows;
    };
    const all = await viaSql('');
    // Each daily run stored its verdicts on both tickers (a reprocess stores none).
    expect(new Set(all.map((r) => r.run_id)).size).toBe(2);
    expect(new Set(all.map((r) => r.ticker))).toEqual(new Set(TICKERS));
    const answered = await verdicts('/v1/quality');
    const withoutTime = (rows: Record<string, unknown>[]) => rows.map(({ checked_at: _, ...row }) => row);
    expect(withoutTime(answered)).toEqual(withoutTime(all));
    // The instant the run checked, as ISO 8601 (as the quality object says it; DuckDB adds milliseconds).
    expect(answered.map((r) => Date.parse(r.checked_at as string))).toEqual(
      all.map((r) => Date.parse(r.checked_at as string)),
    );
    const runId = all[0]!.run_id as string;
    expect(withoutTime(await verdicts(`/v1/quality?ticker=${enc('^gspc')}&date=2026-12-02`))).toEqual(
      withoutTime(await viaSql("WHERE ticker = '^GSPC' AND run_date = DATE '2026-12-02'")),
    );
    expect(withoutTime(await verdicts(`/v1/quality?run_id=${runId}`))).toEqual(
      withoutTime(await viaSql(`WHERE run_id = '${runId}'`)),
    );
    expect(withoutTime(await verdicts('/v1/quality?failed=true'))).toEqual(
      withoutTime(await viaSql('WHERE NOT passed')),
    );
    expect(withoutTime(await verdicts('/v1/quality/nvda/history'))).toEqual(
      withoutTime(await viaSql("WHERE ticker = 'NVDA'")),
    );
    expect(await verdicts('/v1/quality?date=2020-01-01')).toEqual([]);
    const csv = await get('/v1/quality?format=csv&ticker=NVDA');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text().split('\r\n')[0]).toBe(
      'ticker,market,check_id,severity,passed,observed,expected,details,as_of,raw_key,raw_version_id,raw_sha256,' +
        'policy,checked_at,computation_version,quality_key,run_id,run_date',
    );
    for (const path of [
      '/v1/quality?ticker=a%2Fb',
      '/v1/quality?date=2026-13-01',
      '/v1/quality?failed=yes',
      '/v1/quality?run_id=..%2Fx',
      '/v1/quality/a%2Fb/history',
    ]) {
      await expectProblem(path, 400);
    }
  });

  it('/metrics: runs by status and the outbox depth, read at the scrape; none of them while a run holds the home', async () => {
    const { runs } = (await getJson('/v1/runs')) as { runs: { status: string }[] };
    const metrics = (await get('/metrics')).text();
    const okRuns = runs.filter((r) => r.status === 'ok').length;
    expect(okRuns).toBeGreaterThan(0);
    expect(metrics).toContain(`marketlake_runs{status="ok"} ${okRuns}\n`);
    expect(metrics).toContain('marketlake_runs{status="running"} 0\n');
    expect(metrics).toContain('marketlake_outbox_depth 0\n');
    expect(metrics).toContain('marketlake_last_run_lake_errors 0\n');
    // No read has failed on the lake: the counter is declared with no series yet.
    expect(metrics).toContain('# TYPE marketlake_lake_errors_total counter\n');
    expect(metrics).not.toMatch(/^marketlake_lake_errors_total\{/m);

    // A run holds the embedded home: the database reads are 503 with Retry-After, the gauges have no sample.
    const { openRuntime } = await import('../../src/runtime.js');
    const held = await openRuntime(resolveConfig({ home }));
    try {
      for (const path of ['/v1/runs', '/v1/stale', '/v1/diff?from=1.0&to=2.0']) {
        const answer = await get(path);
        expect(answer.status, path).toBe(503);
        expect(answer.headers['retry-after'], path).toBe('30');
      }
      const busy = (await get('/metrics')).text();
      expect(busy).not.toMatch(/^marketlake_runs\{/m);
      expect(busy).not.toMatch(/^marketlake_outbox_depth /m);
      expect(busy).not.toMatch(/^marketlake_last_run_lake_errors /m);
      expect(busy).not.toContain('marketlake_metrics_collect_errors_total{');
      // The quality verdicts come from the lake: they answer meanwhile.
      expect((await get('/v1/quality')).status).toBe(200);
    } finally {
      await held.close();
    }
    expect((await get('/v1/runs')).status).toBe(200);
  });

  it('?as_known_at= on latest and dates answers what `get --as-known-at` prints; before anything: 404', async () => {
    const between = '2026-12-02T12:00:00Z';
    for (const kind of ['raw', 'indicators', 'features']) {
      const then = (await cliJson('get', kind, 'NVDA', '--as-known-at', between)) as { key: string };
      // Between the two runs, the first run's object was the latest.
      expect(then.key).toContain('/2026-12-01/');
      expect(await getJson(`/v1/${kind}/NVDA/latest?as_known_at=${enc(between)}`)).toEqual(then);
      expect(
        await getJson(`/v1/${kind}/nvda/dates/2026-12-01?as_known_at=${enc('2026-12-03T09:00:00+09:00')}`),
      ).toEqual(
        await cliJson('get', kind, 'NVDA', '--date', '2026-12-01', '--as-known-at', '2026-12-03T09:00:00+09:00'),
      );
    }
    const none = await expectProblem(`/v1/raw/NVDA/latest?as_known_at=${enc('2020-01-01T00:00:00Z')}`, 404);
    expect(none.detail).not.toContain(home);
    await expectProblem('/v1/raw/NVDA/latest?as_known_at=2026-12-02', 400);
    await expectProblem('/v1/raw/NVDA/dates/2026-12-01?as_known_at=soon', 400);
    // Six CLI processes and six openings of the embedded database: minutes on a loaded 2-core machine.
  }, 180_000);
});
