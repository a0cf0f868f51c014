import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { applyMiddleware, signalOf, validationProblemHook, type ApiEnv, type ApiMiddlewareOptions } from './index.js';

const TOKEN = 'secret-token-0123456789abcdef';
const SCRAPER = 'scraper-token-0123456789abcdef';
const ORIGIN = 'https://dash.example.com';

class UnknownTicker extends Error {}

/** The app as the API's serve command builds it: middlewares first, then the routes (one in a sub-app). */
function app(overrides: Partial<ApiMiddlewareOptions> = {}) {
  const lines: string[] = [];
  let ids = 0;
  let monotonic = 0;
  const state = { outboxDepth: 3 };
  const api = new OpenAPIHono<ApiEnv>({ defaultHook: validationProblemHook });
  applyMiddleware(api, {
    tokens: [TOKEN, { name: 'prometheus', token: SCRAPER }],
    corsOrigins: [ORIGIN],
    rateLimit: { limit: 10, windowMs: 60_000 },
    timeLimitMs: 100,
    maxBodyBytes: 16,
    gauges: [
      {
        name: 'marketlake_outbox_depth',
        help: 'Writes waiting in the outbox.',
        collect: () => [{ value: state.outboxDepth }],
      },
    ],
    classifyError: (error) =>
      error instanceof UnknownTicker ? { status: 404, fields: { detail: error.message } } : undefined,
    log: (line) => lines.push(line),
    clock: { monotonicMs: () => (monotonic += 5), date: () => new Date(Date.UTC(2026, 0, 2)), epochMs: () => 30_000 },
    generateRequestId: () => `req-${(ids += 1)}`,
    ...overrides,
  });
  api.get('/healthz', (c) => c.text('ok'));
  const v1 = new OpenAPIHono<ApiEnv>({ defaultHook: validationProblemHook });
  v1.openapi(
    createRoute({
      method: 'get',
      path: '/tickers/{ticker}',
      request: { params: z.object({ ticker: z.string().regex(/^[A-Z]{1,10}$/) }) },
      responses: {
        200: { description: 'a ticker', content: { 'application/json': { schema: z.object({ ticker: z.string() }) } } },
      },
    }),
    (c) => {
      const { ticker } = c.req.valid('param');
      if (ticker === 'NOPE') throw new UnknownTicker(`Unknown ticker ${ticker}`);
      if (ticker === 'BUG') throw new Error(`internal detail ${TOKEN}`);
      return c.json({ ticker }, 200);
    },
  );
  v1.post('/sql', async (c) => c.text(await c.req.text()));
  v1.get('/slow', async (c) => {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 10_000);
      signalOf(c).addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signalOf(c).reason);
      });
    });
    return c.text('too late');
  });
  api.route('/v1', v1);
  return { api, lines, state, logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const auth = { Authorization: `Bearer ${TOKEN}` };

describe('applyMiddleware', () => {
  it('serves an authorized request with the request id, rate limit and CORS headers, and logs it', async () => {
    const { api, logs } = app();
    const response = await api.request('/v1/tickers/AAPL', { headers: { ...auth, Origin: ORIGIN } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ticker: 'AAPL' });
    expect(response.headers.get('X-Request-Id')).toBe('req-1');
    expect(response.headers.get('RateLimit-Remaining')).toBe('9');
    expect(response.headers.get('RateLimit-Reset')).toBe('30');
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    expect(logs()).toEqual([
      {
        time: '2026-01-02T00:00:00.000Z',
        level: 'info',
        request_id: 'req-1',
        method: 'GET',
        route: '/v1/tickers/:ticker',
        path: '/v1/tickers/AAPL',
        status: 200,
        // The clock moves 5 ms a reading, read by the log and, inside it, by the metrics: 4 readings apart.
        duration_ms: 15,
        token: 'token-1',
      },
    ]);
  });

  it("answers a browser's preflight without a token, and puts CORS headers on a 401 so the page can read it", async () => {
    const { api } = app();
    const preflight = await api.request('/v1/tickers/AAPL', {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    const refused = await api.request('/v1/tickers/AAPL', { headers: { Origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    expect(refused.headers.get('X-Request-Id')).toBe('req-2');
    expect(await refused.json()).toMatchObject({ status: 401, request_id: 'req-2' });
  });

  it('limits each token, and counts refusals by the route they were for', async () => {
    const { api } = app({ rateLimit: { limit: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i += 1) expect((await api.request('/v1/tickers/AAPL', { headers: auth })).status).toBe(200);
    const limited = await api.request('/v1/tickers/AAPL', { headers: auth });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('30');
    await api.request('/v1/tickers/AAPL');
    // Another token has a count of its own.
    const metrics = await (await api.request('/metrics', { headers: { Authorization: `Bearer ${SCRAPER}` } })).text();
    expect(metrics).toContain('# HELP marketlake_outbox_depth Writes waiting in the outbox.\n');
    expect(metrics).toContain(
      'marketlake_http_requests_total{method="GET",route="/v1/tickers/:ticker",status="200"} 3\n',
    );
    expect(metrics).toContain(
      'marketlake_http_requests_total{method="GET",route="/v1/tickers/:ticker",status="429"} 1\n',
    );
    expect(metrics).toContain(
      'marketlake_http_requests_total{method="GET",route="/v1/tickers/:ticker",status="401"} 1\n',
    );
  });

  it('serves the metrics with the application gauges read at scrape time, only with a token', async () => {
    const { api, state } = app();
    expect((await api.request('/metrics')).status).toBe(401);
    state.outboxDepth = 7;
    const response = await api.request('/metrics', { headers: auth });
    expect(response.headers.get('Content-Type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('# TYPE marketlake_outbox_depth gauge\nmarketlake_outbox_depth 7\n');
  });

  it('serves the health checks without a token and without counting them', async () => {
    const { api } = app();
    const response = await api.request('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers.get('RateLimit-Limit')).toBeNull();
  });

  it('answers failures with problems: validation 400, classified 404, a bug 500 without its message, 413, 503', async () => {
    const { api, logs } = app();
    const invalid = await api.request('/v1/tickers/not-a-ticker', { headers: auth });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ status: 400, errors: [{ in: 'param', path: 'ticker' }] });
    const unknown = await api.request('/v1/tickers/NOPE', { headers: auth });
    expect(await unknown.json()).toMatchObject({ status: 404, detail: 'Unknown ticker NOPE', request_id: 'req-2' });
    const bug = await api.request('/v1/tickers/BUG', { headers: auth });
    expect(bug.status).toBe(500);
    expect(await bug.text()).not.toContain('internal detail');
    const large = await api.request('/v1/sql', { method: 'POST', headers: auth, body: 'select 1 from a_long_table' });
    expect(large.status).toBe(413);
    const { api: unlimited } = app({ rateLimit: false });
    const slow = await unlimited.request('/v1/slow', { headers: auth });
    expect(slow.status).toBe(503);
    expect(slow.headers.get('Content-Type')).toBe('application/problem+json');
    const errorLine = logs().find((line) => line.level === 'error' && 'stack' in line);
    expect(errorLine).toMatchObject({ request_id: 'req-3', error: 'Error: internal detail ***' });
    // The token never reaches a log line, not even through the error message that quoted it.
    expect(logs().some((line) => JSON.stringify(line).includes(TOKEN))).toBe(false);
  });

  it('is open when no token is configured', async () => {
    const { api } = app({ tokens: [] });
    expect((await api.request('/v1/tickers/AAPL')).status).toBe(200);
    expect((await api.request('/metrics')).status).toBe(200);
  });
});
