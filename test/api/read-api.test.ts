/**
 * The read API (src/api/) on a real server (127.0.0.1, a free port) over a lake made by two daily runs of sample
 * data: each endpoint answers what the CLI's `get`, `versions`, `lineage`, `ls` and `sql` print with `--json` for
 * the same lake; the OpenAPI document describes every route and its schemas are the ones requests are held to;
 * ETags, 304, caching and gzip; and no request, however its key or path is written, gets a byte from outside
 * the lake or a 500.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../src/api/app.js';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { resolveConfig } from '../../src/config.js';
import { parseKey } from '../../src/lake/keys.js';
import { runCli } from '../support/cli.js';
import { httpRequest, type RawAnswer } from '../support/http.js';
import { withNow } from '../support/env.js';

/** The guards as served, their request log kept out of the test's output (test/api/guards.test.ts reads it). */
const QUIET = { log: () => undefined, rateLimit: false as const };

const TICKERS = ['NVDA', '^GSPC'];
const KINDS = ['raw', 'indicators', 'percentiles', 'features'];
const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';
/** A file beside the lake (in the home, outside `<home>/lake`): no answer may ever carry it. */
const OUTSIDE_MARKER = 'OUTSIDE-THE-LAKE-7f3a9c';

const enc = encodeURIComponent;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the read API over a lake of two daily runs', () => {
  let home: string;
  let server: ApiServer;

  const cli = async (...args: string[]): Promise<string> => {
    const result = await runCli(...args, '--home', home);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const cliJson = async (...args: string[]): Promise<unknown> => JSON.parse(await cli(...args, '--json'));
  const get = (path: string, headers: Record<string, string> = {}) => httpRequest(server.url, path, { headers });
  const getJson = async (path: string): Promise<unknown> => {
    const answer = await get(path);
    expect(answer.status, `${path}: ${answer.text()}`).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    return answer.json();
  };
  const sql = (query: string, path = '/v1/sql', headers: Record<string, string> = {}) =>
    httpRequest(server.url, path, { method: 'POST', body: JSON.stringify({ query }), headers });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-api-'));
    for (const day of [DAY_1, DAY_2]) {
      const run = await withNow(day, () => runCli('run', '--home', home, '--tickers', TICKERS.join(','), '--json'));
      expect(run.code, run.stderr).toBe(0);
    }
    await writeFile(join(home, 'outside.json'), JSON.stringify({ marker: OUTSIDE_MARKER }));
    server = await startApiServer({ config: resolveConfig({ home }), host: '127.0.0.1', port: 0, guards: QUIET });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('latest, by date, by version, versions, objects and lineage answer what the CLI prints with --json', async () => {
    let compared = 0;
    for (const ticker of TICKERS) {
      for (const kind of KINDS) {
        const base = `/v1/${kind}/${enc(ticker)}`;
        expect(await getJson(`${base}/latest`)).toEqual(await cliJson('get', kind, ticker));
        expect(await getJson(`${base}/dates/2026-12-01`)).toEqual(
          await cliJson('get', kind, ticker, '--date', '2026-12-01'),
        );
        const versions = (await cliJson('versions', kind, ticker)) as { key: string; version_id: string }[];
        expect(versions).toHaveLength(2);
        expect(await getJson(`${base}/versions`)).toEqual(versions);
        expect(await getJson(`${base}/versions?date=2026-12-02`)).toEqual(
          await cliJson('versions', kind, ticker, '--date', '2026-12-02'),
        );
        const oldest = versions[1]!;
        const stamp = oldest.key.split('/').pop()!.replace('.json', '');
        const byVersion = await cliJson('get', kind, ticker, '--version', stamp);
        expect((byVersion as { key: string }).key).toBe(oldest.key);
        expect(await getJson(`${base}/versions/${stamp}`)).toEqual(byVersion);
        expect(await getJson(`${base}/versions/${enc(oldest.version_id)}`)).toEqual(
          await cliJson('get', kind, ticker, '--version', oldest.version_id),
        );
        expect(await getJson(`/v1/objects?key=${enc(oldest.key)}&version_id=${enc(oldest.version_id)}`)).toEqual(
          byVersion,
        );
        expect(await getJson(`/v1/objects?key=${enc(oldest.key)}`)).toEqual(byVersion);
        // Both ways: a result names its raw snapshot; a raw snapshot lists its three results.
        const lineage = (await cliJson('lineage', oldest.key)) as { sources: unknown[]; derived: unknown[] };
        expect(kind === 'raw' ? lineage.derived : lineage.sources).toHaveLength(kind === 'raw' ? 3 : 1);
        expect(await getJson(`/v1/lineage?key=${enc(oldest.key)}`)).toEqual(lineage);
        compared += 9;
      }
    }
    expect(compared).toBe(72);
  }, 300_000);

  it('tickers: every ticker of the lake with the kinds it has, as its keys say (`ls`)', async () => {
    const keys = (await cliJson('ls')) as string[];
    const kinds = new Map<string, Set<string>>();
    for (const key of keys.filter((k) => /^(raw|processed)\//.test(k))) {
      const parsed = parseKey(key);
      kinds.set(parsed.ticker, (kinds.get(parsed.ticker) ?? new Set()).add(parsed.kind));
    }
    const answer = (await getJson('/v1/tickers')) as { tickers: { ticker: string; kinds: string[] }[] };
    expect(answer.tickers.map((t) => [t.ticker, t.kinds])).toEqual(
      [...kinds.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ticker, set]) => [ticker, [...set].sort()]),
    );
    expect(answer.tickers.map((t) => t.ticker)).toEqual(['NVDA', '^GSPC']);
    // The first N by symbol, with all their kinds, as the whole list has them (the page's first view).
    expect(await getJson('/v1/tickers?limit=1')).toEqual({ tickers: answer.tickers.slice(0, 1) });
    expect(await getJson('/v1/tickers?limit=5')).toEqual(answer);
    // This server runs no job: a request for a run is refused, saying how to get one.
    const run = await httpRequest(server.url, '/v1/runs', { method: 'POST', body: '{}' });
    expect(run.status).toBe(403);
    expect((run.json() as { detail: string }).detail).toContain('marketlake serve --schedule');
    const csv = await get('/v1/tickers?format=csv');
    expect(csv.text()).toBe(
      'ticker,key_segment,kinds\r\nNVDA,NVDA,features indicators percentiles raw\r\n^GSPC,_5EGSPC,features indicators percentiles raw\r\n',
    );
  });

  it("CSV: a raw snapshot's bars and the versions, as the JSON says; 406 for a result's object", async () => {
    const raw = (await cliJson('get', 'raw', 'NVDA')) as { body: { bars: Record<string, number | string | null>[] } };
    const columns = ['date', 'open', 'high', 'low', 'close', 'adj_close', 'volume'];
    const lines = raw.body.bars.map((bar) => columns.map((column) => String(bar[column] ?? '')).join(','));
    const csv = await get('/v1/raw/NVDA/latest', { Accept: 'text/csv, application/json;q=0.5' });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers.vary).toContain('Accept');
    expect(csv.text()).toBe([columns.join(','), ...lines].map((line) => `${line}\r\n`).join(''));
    const versions = (await cliJson('versions', 'raw', 'NVDA')) as Record<string, string>[];
    expect((await get('/v1/raw/NVDA/versions?format=csv')).text()).toBe(
      [
        'key,version_id,date,computed_at,computation_version',
        ...versions.map((v) => `${v.key},${v.version_id},${v.date},${v.computed_at},`),
      ]
        .map((line) => `${line}\r\n`)
        .join(''),
    );
    const refused = await get('/v1/indicators/NVDA/latest?format=csv');
    expect(refused.status).toBe(406);
    expect(refused.headers['content-type']).toBe('application/problem+json');
  });

  it('POST /v1/sql answers what `marketlake sql` prints with --json and --csv, confined the same way', async () => {
    const query = 'SELECT ticker, as_of, rsi_14, object_key FROM indicators ORDER BY ticker, as_of';
    const json = await sql(query);
    expect(json.status, json.text()).toBe(200);
    const expected = await cli('sql', query, '--json');
    expect(json.text()).toBe(expected);
    expect((JSON.parse(expected) as unknown[]).length).toBe(4);
    const csv = await sql(query, '/v1/sql', { Accept: 'text/csv' });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text()).toBe(await cli('sql', query, '--csv'));
    expect((await sql(query, '/v1/sql?format=csv')).text()).toBe(csv.text());

    for (const refused of [
      'DROP TABLE prices',
      "COPY (SELECT 1) TO '/tmp/x.csv'",
      "SELECT * FROM read_text('/etc/passwd')",
      `SELECT * FROM read_text('${join(home, 'outside.json')}')`,
      'SELECT 1; SELECT 2',
    ]) {
      const answer = await sql(refused);
      expect(answer.status, refused).toBe(400);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.text()).not.toContain(OUTSIDE_MARKER);
      expect(answer.text()).not.toContain('root:');
    }
    const tooMany = await httpRequest(server.url, '/v1/sql', {
      method: 'POST',
      body: JSON.stringify({ query: 'SELECT * FROM range(10)', max_rows: 3 }),
    });
    expect(tooMany.status).toBe(422);
  }, 120_000);

  it('with SQL turned off, POST /v1/sql is a 403 problem', async () => {
    const { app, close } = createApiApp({ config: resolveConfig({ home }), sql: { enabled: false }, guards: QUIET });
    try {
      const answer = await app.request('/v1/sql', {
        method: 'POST',
        body: JSON.stringify({ query: 'SELECT 1' }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(answer.status).toBe(403);
      expect(((await answer.json()) as { type: string }).type).toBe('/problems/sql-disabled');
    } finally {
      await close();
    }
  });

  describe('the OpenAPI document', () => {
    /** For every route of the document, requests that break its schemas (none for the two probes). */
    const VIOLATIONS: Record<string, { method?: string; path: string; body?: string }[]> = {
      '/healthz': [],
      '/readyz': [],
      '/v1/tickers': [{ path: '/v1/tickers?format=xml' }, { path: '/v1/tickers?limit=0' }],
      '/v1/{kind}/{ticker}/latest': [
        { path: '/v1/prices/NVDA/latest' },
        { path: '/v1/raw/NV%24A/latest' },
        { path: '/v1/raw/NVDA/latest?format=pdf' },
        { path: '/v1/raw/NVDA/latest?as_known_at=2026-12-01' },
      ],
      '/v1/{kind}/{ticker}/dates/{date}': [
        { path: '/v1/raw/NVDA/dates/2026-13-01' },
        { path: '/v1/raw/NVDA/dates/yesterday' },
      ],
      '/v1/{kind}/{ticker}/versions/{version}': [{ path: `/v1/indicators/${'A'.repeat(40)}/versions/x` }],
      '/v1/{kind}/{ticker}/versions': [{ path: '/v1/raw/NVDA/versions?date=2026-02-30' }],
      '/v1/objects': [
        { path: '/v1/objects' },
        { path: '/v1/objects?key=processed/prices/NVDA/2026-12-01/20261201_220000.json' },
        { path: '/v1/objects?key=raw/sample/NVDA/2026-12-01/20261201_220000.json&version_id=' },
      ],
      '/v1/lineage': [{ path: '/v1/lineage' }, { path: '/v1/lineage?key=NVDA' }],
      '/v1/prices/{ticker}': [
        { path: '/v1/prices/NV%24A' },
        { path: '/v1/prices/NVDA?from=2026-13-01' },
        { path: '/v1/prices/NVDA?from=2026-12-02&to=2026-12-01' },
        { path: '/v1/prices/NVDA?as_known_at=soon' },
        { path: '/v1/prices/NVDA?format=xml' },
      ],
      '/v1/indicators/{ticker}/series': [
        { path: '/v1/indicators/NVDA/series?date=x' },
        { path: '/v1/indicators/NVDA/series?date=2026-12-01&version=20261201_220000' },
        { path: '/v1/indicators/NVDA/series?version=' },
      ],
      '/v1/stale': [{ path: '/v1/stale?computation_version=0.1' }, { path: '/v1/stale?ticker=a%2Fb' }],
      '/v1/diff': [{ path: '/v1/diff?from=1.0' }, { path: '/v1/diff?from=1.0&to=2.0&date=x' }],
      '/v1/runs': [
        { path: '/v1/runs?limit=-1' },
        { method: 'POST', path: '/v1/runs', body: '{"tickers": []}' },
        { method: 'POST', path: '/v1/runs', body: '{"tickers": ["NV$A"]}' },
        { method: 'POST', path: '/v1/runs', body: '{"other": 1}' },
      ],
      '/v1/runs/{run_id}': [{ path: '/v1/runs/%2F..%2Fx' }],
      '/v1/quality': [{ path: '/v1/quality?failed=1' }, { path: '/v1/quality?date=x' }],
      '/v1/quality/{ticker}/history': [{ path: '/v1/quality/a%2Fb/history' }],
      '/v1/sql': [
        { method: 'POST', path: '/v1/sql', body: '{}' },
        { method: 'POST', path: '/v1/sql', body: '{"query": ""}' },
        { method: 'POST', path: '/v1/sql', body: '{"query": "SELECT 1", "max_rows": 0}' },
        { method: 'POST', path: '/v1/sql', body: '{"query": "SELECT 1", "other": 1}' },
        { method: 'POST', path: '/v1/sql', body: '{"query": ' },
      ],
    };

    it('lists every route, and a request that breaks a route schema is a 400 problem document', async () => {
      const doc = (await getJson('/openapi.json')) as { openapi: string; paths: Record<string, object> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(VIOLATIONS).sort());
      for (const [route, requests] of Object.entries(VIOLATIONS)) {
        for (const request of requests) {
          const answer = await httpRequest(server.url, request.path, {
            method: request.method ?? 'GET',
            ...(request.body === undefined ? {} : { body: request.body }),
          });
          expect(answer.status, `${route}: ${request.path} ${request.body ?? ''}`).toBe(400);
          expect(answer.headers['content-type']).toBe('application/problem+json');
          const problem = answer.json() as Record<string, unknown>;
          expect(Object.keys(problem).sort()).toEqual(['detail', 'status', 'title', 'type']);
          expect(problem.status).toBe(400);
          expect(JSON.stringify(problem)).not.toMatch(/ at .*\.(ts|js):\d+/);
        }
      }
    });

    it("every JSON answer matches its route's documented schema", async () => {
      const doc = (await getJson('/openapi.json')) as Record<string, unknown>;
      const ajv = new Ajv2020({ strict: false });
      ajv.addSchema({ ...doc, $id: 'openapi.json' });
      const schemaOf = (path: string, method: string, status: number) =>
        ajv.getSchema(
          `openapi.json#/paths/${path.replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1json/schema`,
        )!;
      const nvda = (await getJson('/v1/indicators/NVDA/versions')) as { key: string; version_id: string }[];
      const checks: [string, string, string, number][] = [
        ['/healthz', 'get', '/healthz', 200],
        ['/readyz', 'get', '/readyz', 200],
        ['/v1/tickers', 'get', '/v1/tickers', 200],
        ['/v1/{kind}/{ticker}/latest', 'get', '/v1/raw/NVDA/latest', 200],
        ['/v1/{kind}/{ticker}/latest', 'get', '/v1/raw/MSFT/latest', 404],
        ['/v1/{kind}/{ticker}/dates/{date}', 'get', '/v1/features/NVDA/dates/2026-12-02', 200],
        ['/v1/{kind}/{ticker}/versions/{version}', 'get', `/v1/indicators/NVDA/versions/${nvda[0]!.version_id}`, 200],
        ['/v1/{kind}/{ticker}/versions', 'get', '/v1/indicators/NVDA/versions', 200],
        ['/v1/objects', 'get', `/v1/objects?key=${enc(nvda[0]!.key)}`, 200],
        ['/v1/lineage', 'get', `/v1/lineage?key=${enc(nvda[0]!.key)}`, 200],
        ['/v1/lineage', 'get', '/v1/lineage?key=x', 400],
        ['/v1/prices/{ticker}', 'get', '/v1/prices/%5EGSPC?from=2026-11-01', 200],
        ['/v1/prices/{ticker}', 'get', '/v1/prices/MSFT', 404],
        ['/v1/indicators/{ticker}/series', 'get', '/v1/indicators/NVDA/series', 200],
        ['/v1/indicators/{ticker}/series', 'get', `/v1/indicators/NVDA/series?version=${nvda[1]!.version_id}`, 200],
      ];
      for (const [route, method, path, status] of checks) {
        const answer = await get(path);
        expect(answer.status, path).toBe(status);
        const schema =
          status === 200
            ? schemaOf(route, method, status)
            : ajv.getSchema(
                `openapi.json#/paths/${route.replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1problem+json/schema`,
              )!;
        expect(schema(answer.json()), `${path}: ${JSON.stringify(schema.errors)}`).toBe(true);
      }
      const rows = await sql('SELECT 1 AS one');
      expect(schemaOf('/v1/sql', 'post', 200)(rows.json())).toBe(true);
    });
  });

  describe('caching', () => {
    it('every answer has a strong ETag, the sha256 of its body, and If-None-Match gives 304 without a body', async () => {
      for (const path of ['/v1/indicators/NVDA/latest', '/v1/tickers', '/readyz', '/v1/raw/MSFT/latest']) {
        const first = await get(path, { 'Accept-Encoding': 'identity' });
        expect(first.headers.etag, path).toBe(`"${sha256(first.body)}"`);
        const again = await get(path, { 'If-None-Match': first.headers.etag as string });
        // Only a success is answered 304 (RFC 9110: If-None-Match on an error has nothing to validate).
        expect(again.status, path).toBe(first.status === 200 ? 304 : first.status);
        if (first.status === 200) {
          expect(again.body.length).toBe(0);
          expect(again.headers.etag).toBe(first.headers.etag);
          expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
          expect((await get(path, { 'If-None-Match': `"other", W/${first.headers.etag}` })).status).toBe(304);
          expect((await get(path, { 'If-None-Match': '"other"' })).status).toBe(200);
        }
      }
    });

    it('immutable only for an object asked by version; no-cache for the rest', async () => {
      const versions = (await getJson('/v1/raw/NVDA/versions')) as { key: string; version_id: string }[];
      const stamp = versions[0]!.key.split('/').pop()!.replace('.json', '');
      const immutable = [
        `/v1/raw/NVDA/versions/${stamp}`,
        `/v1/raw/NVDA/versions/${versions[0]!.version_id}`,
        `/v1/objects?key=${enc(versions[0]!.key)}&version_id=${enc(versions[0]!.version_id)}`,
      ];
      const revalidated = [
        '/v1/raw/NVDA/latest',
        '/v1/raw/NVDA/dates/2026-12-02',
        '/v1/raw/NVDA/versions',
        `/v1/objects?key=${enc(versions[0]!.key)}`,
        `/v1/lineage?key=${enc(versions[0]!.key)}`,
        '/v1/tickers',
        '/v1/raw/NVDA/versions/20200101_000000',
        '/v1/raw/NVDA/versions/20200101_000000?format=xml',
      ];
      for (const path of immutable) {
        const answer = await get(path);
        expect(answer.status, path).toBe(200);
        expect(answer.headers['cache-control'], path).toBe('public, max-age=31536000, immutable');
      }
      for (const path of revalidated) expect((await get(path)).headers['cache-control'], path).toBe('no-cache');
      expect((await sql('SELECT 1')).headers['cache-control']).toBe('no-cache');
    });

    it('gzip when the client accepts it: the same bytes, an ETag of their own that also validates', async () => {
      const path = '/v1/raw/NVDA/latest';
      const plain = await get(path, { 'Accept-Encoding': 'identity' });
      expect(plain.headers['content-encoding']).toBeUndefined();
      const zipped = await get(path, { 'Accept-Encoding': 'gzip, deflate;q=0.5' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toContain('Accept-Encoding');
      expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
      const tag = zipped.headers.etag as string;
      expect(tag).toBe(`"${sha256(plain.body)}-gzip"`);
      const revalidated = await get(path, { 'Accept-Encoding': 'gzip', 'If-None-Match': tag });
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers.etag).toBe(tag);
    });
  });

  describe('keys and paths never reach outside the lake', () => {
    const expectRefused = (answer: RawAnswer, what: string) => {
      expect([400, 404], `${what}: ${answer.status} ${answer.text()}`).toContain(answer.status);
      expect(answer.headers['content-type'], what).toBe('application/problem+json');
      expect(answer.text(), what).not.toContain(OUTSIDE_MARKER);
      expect(answer.text(), what).not.toContain('root:');
    };

    it('traversals in keys, tickers, dates and versions, plain, encoded or absolute, are 400 or 404', async () => {
      const keys = [
        '../outside.json',
        '../../../../etc/passwd',
        '/etc/passwd',
        `${home}/outside.json`,
        'raw/sample/NVDA/2026-12-01/../../../../outside.json',
        'raw/sample/../../outside.json',
        'raw/sample/NVDA/2026-12-01/20261201_220000.json/../../../../../outside.json',
        'raw/sample/..%2F..%2Foutside.json',
        'raw/sample/NVDA/2026-12-01/20261201_220000.json%00',
        'processed/indicators/..%2f..%2f..%2foutside/2026-12-01/20261201_220000.json',
        'raw/sample/_2E_2E/2026-12-01/20261201_220000.json',
      ];
      for (const key of keys) {
        for (const route of ['/v1/objects', '/v1/lineage']) {
          expectRefused(await get(`${route}?key=${enc(key)}`), `${route} ${key}`);
          expectRefused(await get(`${route}?key=${key}`), `${route} raw ${key}`);
        }
      }
      const paths = [
        '/v1/raw/../../outside.json',
        '/v1/raw/..%2F..%2Foutside.json/latest',
        '/v1/raw/%2e%2e/latest',
        '/v1/raw/NVDA/dates/..%2F..%2F..%2Foutside.json',
        '/v1/indicators/NVDA/versions/..%2F..%2F..%2F..%2Foutside.json',
        '/v1/indicators/NVDA/versions/%2Fetc%2Fpasswd',
        '/v1/objects/../../outside.json',
        '//etc/passwd',
        `/v1/objects?key=${enc('raw/sample/NVDA/2026-12-01/20261201_220000.json')}&version_id=..%2F..%2Foutside.json`,
      ];
      for (const path of paths) expectRefused(await get(path), path);
    });

    it('unknown tickers, keys and versions are 404 problem documents', async () => {
      for (const path of [
        '/v1/indicators/MSFT/latest',
        '/v1/indicators/MSFT/versions',
        '/v1/indicators/NVDA/dates/2020-01-01',
        '/v1/indicators/NVDA/versions/20200101_000000',
        `/v1/objects?key=${enc('processed/indicators/NVDA/2026-12-02/20261202_230000.json')}`,
        `/v1/lineage?key=${enc('raw/sample/MSFT/2026-12-02/20261202_220000.json')}`,
        '/v2/tickers',
      ]) {
        const answer = await get(path);
        expect(answer.status, path).toBe(404);
        const problem = answer.json() as { detail: string };
        // Where the lake lives on the server is not the client's business.
        expect(problem.detail, path).not.toContain(home);
      }
    });

    it('arbitrary keys, tickers, versions and paths: never a 500, never a byte from outside', async () => {
      const segment = fc.oneof(
        fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', 'NVDA', 'raw', 'sample', '2026-12-01', 'outside.json'),
        fc.string({ maxLength: 12 }),
      );
      const path = fc.array(segment, { maxLength: 7 }).map((parts) => parts.join('/'));
      await fc.assert(
        fc.asyncProperty(path, fc.constantFrom('key', 'ticker', 'version', 'path'), async (text, where) => {
          const target =
            where === 'key'
              ? `/v1/objects?key=${enc(text)}`
              : where === 'ticker'
                ? `/v1/raw/${enc(text)}/latest`
                : where === 'version'
                  ? `/v1/raw/NVDA/versions/${enc(text)}`
                  : `/v1/${text.replace(/[^\x21-\x7e]/g, '_')}`;
          const answer = await get(target);
          expect(answer.status, target).toBeLessThan(500);
          expect(answer.text(), target).not.toContain(OUTSIDE_MARKER);
        }),
        { numRuns: 150 },
      );
    }, 120_000);
  });
});
