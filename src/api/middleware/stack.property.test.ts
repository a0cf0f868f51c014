/**
 * The middleware stack under arbitrary requests: whatever the path, method, headers and body, a request is
 * answered by an endpoint or refused with a problem document, never with a 500, a stack trace or the token.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { forgetSecretsForTesting } from '../../secrets.js';
import { applyMiddleware, type ApiEnv } from './index.js';

const TOKEN = 'property-token-0123456789abcdef';

function app() {
  const lines: string[] = [];
  const api = new OpenAPIHono<ApiEnv>();
  applyMiddleware(api, {
    tokens: [TOKEN],
    corsOrigins: ['https://dash.example.com'],
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    maxBodyBytes: 64,
    timeLimitMs: 1_000,
    log: (line) => lines.push(line),
  });
  api.get('/healthz', (c) => c.text('ok'));
  api.get('/v1/tickers/:ticker', (c) => c.json({ ticker: c.req.param('ticker') }));
  api.post('/v1/sql', async (c) => c.json({ length: (await c.req.text()).length }));
  return { api, lines };
}

const headerValue = fc.string({ maxLength: 80 }).map((text) => text.replace(/[^\x20-\x7e]/g, ''));

const request = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  path: fc.oneof(
    fc.constantFrom('/healthz', '/metrics', '/v1/tickers/AAPL', '/v1/sql', '/', '/v1/tickers/%ZZ'),
    fc.webPath(),
    fc.string({ maxLength: 60 }).map((text) => `/${encodeURIComponent(text)}`),
  ),
  query: fc.webQueryParameters(),
  authorization: fc.oneof(
    fc.constant(undefined),
    fc.constant(`Bearer ${TOKEN}`),
    headerValue,
    headerValue.map((value) => `Bearer ${value}`),
  ),
  requestId: fc.option(headerValue, { nil: undefined }),
  origin: fc.option(fc.oneof(fc.constant('https://dash.example.com'), headerValue), { nil: undefined }),
  body: fc.option(fc.string({ maxLength: 120 }), { nil: undefined }),
});

describe('the middleware stack under arbitrary requests', () => {
  afterAll(() => forgetSecretsForTesting());

  it('never answers 500, always a problem document on an error, never the token or a stack', async () => {
    const { api, lines } = app();
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const headers: Record<string, string> = {};
        if (input.authorization !== undefined) headers.Authorization = input.authorization;
        if (input.requestId !== undefined) headers['X-Request-Id'] = input.requestId;
        if (input.origin !== undefined) headers.Origin = input.origin;
        const hasBody = input.body !== undefined && !['GET', 'HEAD'].includes(input.method);
        const query = input.query === '' ? '' : `?${input.query}`;
        const response = await api.request(`${input.path}${query}`, {
          method: input.method,
          headers,
          body: hasBody ? input.body : undefined,
        });
        expect(response.status).toBeLessThan(500);
        const text = await response.text();
        if (response.status >= 400 && input.method !== 'HEAD') {
          expect(response.headers.get('Content-Type')).toBe('application/problem+json');
          expect(JSON.parse(text)).toMatchObject({ status: response.status });
        }
        expect(text).not.toContain(TOKEN);
        expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
        expect(response.headers.get('X-Request-Id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      }),
      { numRuns: 300 },
    );
    expect(lines.some((line) => line.includes(TOKEN))).toBe(false);
  });
});
