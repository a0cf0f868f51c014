/**
 * The guards as `marketlake serve` mounts them in front of the read API (src/api/app.ts, src/api/middleware/):
 * bearer tokens, the rate limit and its headers, CORS, the request log and /metrics, over a real server on
 * loopback and a lake made by a real daily run. Each middleware has its own tests beside it; this suite proves
 * they guard the API's own routes, in the order the design gives.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { resolveConfig } from '../../src/config.js';
import { runCli } from '../support/cli.js';
import { httpRequest } from '../support/http.js';

const TOKEN = 'guards-test-token-0123456789abcdef';
const ORIGIN = 'https://reports.example.com';
const LIMIT = 5;

describe('the API behind its guards', () => {
  let home: string;
  let server: ApiServer;
  const logLines: string[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-api-guards-'));
    process.env.MARKETLAKE_NOW = '2026-12-01T22:00:00Z';
    try {
      const run = await runCli('run', '--home', home, '--tickers', 'NVDA', '--json');
      expect(run.code, run.stderr).toBe(0);
    } finally {
      delete process.env.MARKETLAKE_NOW;
    }
    server = await startApiServer({
      config: resolveConfig({ home }),
      host: '127.0.0.1',
      port: 0,
      guards: {
        tokens: [TOKEN],
        corsOrigins: [ORIGIN],
        rateLimit: { limit: LIMIT, windowMs: 60_000 },
        log: (line) => logLines.push(line),
      },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) => httpRequest(server.url, path, { headers });
  const bearer = { Authorization: `Bearer ${TOKEN}` };

  it('refuses a read without a token or with a wrong one, as a problem document; health and page stay open', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789abcdef' },
      { Authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const answer = await get('/v1/indicators/NVDA/latest', headers);
      expect(answer.status).toBe(401);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.headers['www-authenticate']).toContain('Bearer');
    }
    expect((await get('/healthz')).status).toBe(200);
    // The web page and its files hold no lake data: a browser loads them without a token.
    expect((await get('/')).status).toBe(200);
    expect((await get('/assets/page.js')).status).toBe(200);
    const answer = await get('/v1/indicators/NVDA/latest', bearer);
    expect(answer.status).toBe(200);
    expect((answer.json() as { body: { ticker: string } }).body.ticker).toBe('NVDA');
  });

  it('answers a listed origin with CORS headers and an unlisted one without', async () => {
    const listed = await get('/v1/tickers', { ...bearer, Origin: ORIGIN });
    expect(listed.headers['access-control-allow-origin']).toBe(ORIGIN);
    const unlisted = await get('/v1/tickers', { ...bearer, Origin: 'https://elsewhere.example.com' });
    expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('counts requests per token: RateLimit headers on each answer, then 429 with Retry-After', async () => {
    // The earlier tests of this file used part of the window; read what is left from the headers.
    const first = await get('/v1/tickers', bearer);
    expect(first.headers['ratelimit-limit']).toBe(String(LIMIT));
    let remaining = Number(first.headers['ratelimit-remaining']);
    expect(remaining).toBeLessThan(LIMIT);
    while (remaining > 0) {
      const answer = await get('/v1/tickers', bearer);
      expect(answer.status).toBe(200);
      expect(Number(answer.headers['ratelimit-remaining'])).toBe(remaining - 1);
      remaining -= 1;
    }
    const refused = await get('/v1/tickers', bearer);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The health checks are not counted: a load balancer's probes never lock the API out.
    expect((await get('/readyz')).status).toBe(200);
  });

  it('logs one JSON line a request, with the route pattern and the token name, never the token', async () => {
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const read = lines.find((line) => line.route === '/v1/:kind/:ticker/latest' && line.status === 200);
    expect(read).toMatchObject({ method: 'GET', token: expect.stringMatching(/^token-/) });
    expect(lines.some((line) => line.status === 401)).toBe(true);
    expect(lines.some((line) => line.status === 429)).toBe(true);
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });

  it('serves Prometheus metrics by route and status, behind the token like any read', async () => {
    // A fresh server: the rate-limit window of the one above is spent.
    const fresh = await startApiServer({
      config: resolveConfig({ home }),
      host: '127.0.0.1',
      port: 0,
      guards: { tokens: [TOKEN], log: () => undefined },
    });
    try {
      const read = await httpRequest(fresh.url, '/v1/indicators/NVDA/latest', { headers: bearer });
      expect(read.status).toBe(200);
      expect((await httpRequest(fresh.url, '/metrics')).status).toBe(401);
      const metrics = await httpRequest(fresh.url, '/metrics', { headers: bearer });
      expect(metrics.status).toBe(200);
      expect(metrics.headers['content-type']).toContain('text/plain; version=0.0.4');
      expect(metrics.text()).toMatch(
        /^marketlake_http_requests_total\{method="GET",route="\/v1\/:kind\/:ticker\/latest",status="200"\} 1$/m,
      );
      expect(metrics.text()).toMatch(/^marketlake_http_request_duration_seconds_bucket\{.*le="\+Inf"\} 1$/m);
    } finally {
      await fresh.close();
    }
  });
});
