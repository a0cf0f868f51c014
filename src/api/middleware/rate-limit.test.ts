import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit, type RateLimitOptions } from './rate-limit.js';
import type { ApiEnv } from './types.js';

function app(options: Partial<RateLimitOptions> & { clock: { ms: number } }) {
  const app = new Hono<ApiEnv>();
  // Stands in for bearerAuth: the token identity comes from a test header.
  app.use(async (c, next) => {
    const identity = c.req.header('X-Test-Identity');
    if (identity !== undefined) c.set('tokenIdentity', identity);
    await next();
  });
  app.use(rateLimit({ limit: 2, windowMs: 60_000, now: () => options.clock.ms, ...options }));
  app.get('/v1/x', (c) => c.text('ok'));
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  // Hono's default handler prints the error; the errors module's handler is tested on its own.
  app.onError((_error, c) => c.text('failed', 500));
  return app;
}

function headersOf(response: Response) {
  return {
    status: response.status,
    limit: response.headers.get('RateLimit-Limit'),
    remaining: response.headers.get('RateLimit-Remaining'),
    reset: response.headers.get('RateLimit-Reset'),
    retryAfter: response.headers.get('Retry-After'),
  };
}

describe('rateLimit', () => {
  it('counts requests per window, with the RateLimit headers on every response, and 429 past the limit', async () => {
    // 15 s into a minute window: 45 s until it resets.
    const clock = { ms: 1_700_000_000_000 - (1_700_000_000_000 % 60_000) + 15_000 };
    const server = app({ clock });
    const request = () => server.request('/v1/x', { headers: { 'X-Test-Identity': 'token-1' } });
    expect(headersOf(await request())).toEqual({
      status: 200,
      limit: '2',
      remaining: '1',
      reset: '45',
      retryAfter: null,
    });
    clock.ms += 4_500;
    expect(headersOf(await request())).toEqual({
      status: 200,
      limit: '2',
      remaining: '0',
      reset: '41',
      retryAfter: null,
    });
    const refused = await request();
    expect(headersOf(refused)).toEqual({ status: 429, limit: '2', remaining: '0', reset: '41', retryAfter: '41' });
    expect(refused.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await refused.json()).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'At most 2 requests per 60 s; try again in 41 s.',
    });
    // The next window starts afresh.
    clock.ms += 41_000;
    expect(headersOf(await request())).toEqual({
      status: 200,
      limit: '2',
      remaining: '1',
      reset: '60',
      retryAfter: null,
    });
  });

  it('counts each token apart, and without a token each client address', async () => {
    const clock = { ms: 0 };
    const server = app({ clock, limit: 1 });
    expect((await server.request('/v1/x', { headers: { 'X-Test-Identity': 'a' } })).status).toBe(200);
    expect((await server.request('/v1/x', { headers: { 'X-Test-Identity': 'a' } })).status).toBe(429);
    expect((await server.request('/v1/x', { headers: { 'X-Test-Identity': 'b' } })).status).toBe(200);
    // app.request() has no socket: anonymous requests share the "unknown" address, apart from the tokens.
    expect((await server.request('/v1/x')).status).toBe(200);
    expect((await server.request('/v1/x')).status).toBe(429);
  });

  it('puts the headers on an error response too, and leaves the exempt paths alone', async () => {
    const clock = { ms: 0 };
    const server = app({ clock, limit: 1 });
    expect(headersOf(await server.request('/boom'))).toMatchObject({ status: 500, limit: '1', remaining: '0' });
    for (let i = 0; i < 3; i += 1) {
      expect(headersOf(await server.request('/healthz'))).toMatchObject({ status: 200, limit: null });
    }
  });

  it('uses an injected key', async () => {
    const clock = { ms: 0 };
    const server = app({ clock, limit: 1, keyOf: (c) => c.req.header('X-Tenant') ?? 'none' });
    expect((await server.request('/v1/x', { headers: { 'X-Tenant': 't1' } })).status).toBe(200);
    expect((await server.request('/v1/x', { headers: { 'X-Tenant': 't2' } })).status).toBe(200);
    expect((await server.request('/v1/x', { headers: { 'X-Tenant': 't1' } })).status).toBe(429);
  });

  it('refuses a limit or window that cannot be meant', () => {
    expect(() => rateLimit({ limit: 0, windowMs: 60_000 })).toThrow('rate limit must be a whole number >= 1, got 0');
    expect(() => rateLimit({ limit: 10, windowMs: 10 })).toThrow('window must be whole milliseconds >= 1000, got 10');
  });
});
