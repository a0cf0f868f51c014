import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecretsForTesting, rememberSecret } from '../../secrets.js';
import { loggedTarget, requestLog } from './logging.js';
import type { ApiEnv } from './types.js';

function app(lines: string[]) {
  let ms = 1000;
  const app = new Hono<ApiEnv>();
  app.use(async (c, next) => {
    c.set('requestId', 'req-1');
    await next();
  });
  // Each reading of the clock moves it 12.5 ms: a request lasts exactly that.
  app.use(
    requestLog({
      sink: (line) => lines.push(line),
      now: () => (ms += 12.5),
      date: () => new Date(Date.UTC(2026, 0, 2)),
    }),
  );
  app.get('/v1/tickers/:ticker', (c) => {
    c.set('tokenIdentity', 'token-2');
    return c.json({ ticker: c.req.param('ticker') });
  });
  app.get('/v1/refused', () => {
    throw new HTTPException(403, { message: 'no' });
  });
  app.onError((error, c) => c.text('failed', error instanceof HTTPException ? error.status : 500));
  return app;
}

describe('requestLog', () => {
  afterEach(() => forgetSecretsForTesting());

  it('writes one JSON line per request with the route pattern, status, duration and token identity', async () => {
    const lines: string[] = [];
    await app(lines).request('/v1/tickers/AAPL?as_known_at=2026-01-01');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      time: '2026-01-02T00:00:00.000Z',
      level: 'info',
      request_id: 'req-1',
      method: 'GET',
      route: '/v1/tickers/:ticker',
      path: '/v1/tickers/AAPL?as_known_at=2026-01-01',
      status: 200,
      duration_ms: 12.5,
      token: 'token-2',
    });
  });

  it('logs refusals and unknown paths too, at warn level, with no token when none was accepted', async () => {
    const lines: string[] = [];
    const server = app(lines);
    await server.request('/v1/refused');
    await server.request('/nowhere');
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: 'warn', route: '/v1/refused', status: 403, token: null },
      { level: 'warn', route: 'unmatched', path: '/nowhere', status: 404, token: null },
    ]);
  });

  it('never logs an Authorization header, masks query values named like credentials, and redacts secrets', async () => {
    rememberSecret('hunter2-database-password');
    const lines: string[] = [];
    await app(lines).request(
      '/v1/tickers/hunter2-database-password?api_key=V-k1&token=V-t1&password=V-p1&Secret=V-s1&x-amz-signature=V-sig&ticker=MSFT',
      { headers: { Authorization: 'Bearer super-secret-bearer-token' } },
    );
    const line = lines[0];
    for (const leaked of ['hunter2', 'super-secret', 'V-']) expect(line).not.toContain(leaked);
    expect(JSON.parse(line).path).toBe(
      '/v1/tickers/***?api_key=***&token=***&password=***&Secret=***&x-amz-signature=***&ticker=MSFT',
    );
  });

  it('keeps a log line a line: a long path is cut, and JSON escapes what could break it', () => {
    expect(loggedTarget(`http://h/${'a'.repeat(3000)}`)).toBe(`/${'a'.repeat(2047)}...`);
    expect(JSON.stringify(loggedTarget('http://h/a%0Ab'))).toBe('"/a%0Ab"');
  });
});
