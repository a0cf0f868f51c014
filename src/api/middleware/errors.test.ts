import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecretsForTesting, rememberSecret } from '../../secrets.js';
import { INTERNAL_ERROR_DETAIL, installErrorHandlers, validationProblemHook } from './errors.js';
import type { ApiEnv } from './types.js';

class UnknownTicker extends Error {}

function app(lines: string[]) {
  const app = new Hono<ApiEnv>();
  app.use(async (c, next) => {
    c.set('requestId', 'req-7');
    await next();
  });
  installErrorHandlers(app, {
    sink: (line) => lines.push(line),
    date: () => new Date(Date.UTC(2026, 0, 2)),
    classify: (error) =>
      error instanceof UnknownTicker
        ? { status: 404, fields: { detail: `Unknown ticker ${error.message}` } }
        : undefined,
  });
  app.get('/bug/:id', () => {
    throw new Error('connect to postgres://app:hunter2-secret@db:5432/x failed');
  });
  app.get('/refused', () => {
    throw new HTTPException(403, { message: 'This endpoint is turned off' });
  });
  app.get('/hono-response', () => {
    throw new HTTPException(401, { res: new Response('Unauthorized', { headers: { 'WWW-Authenticate': 'Basic' } }) });
  });
  app.post('/upload', bodyLimit({ maxSize: 4 }), (c) => c.text('ok'));
  app.get('/ticker/:ticker', (c) => {
    throw new UnknownTicker(c.req.param('ticker'));
  });
  return app;
}

describe('the error handlers', () => {
  afterEach(() => forgetSecretsForTesting());

  it('answers a bug with a generic 500 problem quoting the request id, and logs the error redacted', async () => {
    rememberSecret('hunter2-secret');
    const lines: string[] = [];
    const response = await app(lines).request('/bug/42?token=abc');
    expect(response.status).toBe(500);
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: INTERNAL_ERROR_DETAIL,
      request_id: 'req-7',
    });
    expect(text).not.toMatch(/postgres|hunter2|at |\.ts/);
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]);
    expect(logged).toMatchObject({
      time: '2026-01-02T00:00:00.000Z',
      level: 'error',
      request_id: 'req-7',
      method: 'GET',
      route: '/bug/:id',
      path: '/bug/42?token=***',
      error: 'Error: connect to postgres://app:***@db:5432/x failed',
    });
    expect(logged.stack).toContain('errors.test.ts');
    expect(lines[0]).not.toContain('hunter2');
  });

  it('keeps the status and message of an HTTPException, and the headers of its response', async () => {
    const lines: string[] = [];
    const server = app(lines);
    const refused = await server.request('/refused');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'This endpoint is turned off',
      request_id: 'req-7',
    });
    const withResponse = await server.request('/hono-response');
    expect(withResponse.status).toBe(401);
    expect(withResponse.headers.get('WWW-Authenticate')).toBe('Basic');
    expect(withResponse.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await withResponse.json()).toMatchObject({ status: 401, detail: 'Unauthorized' });
    // Hono's own body limit throws one with a plain-text response: it becomes a problem too.
    const tooLarge = await server.request('/upload', { method: 'POST', body: 'too large' });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ title: 'Content Too Large', status: 413 });
    expect(lines).toEqual([]);
  });

  it("maps the application's own errors through classify", async () => {
    const response = await app([]).request('/ticker/NOPE');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, detail: 'Unknown ticker NOPE', request_id: 'req-7' });
  });

  it('answers an unknown path with a 404 problem that does not quote the path', async () => {
    const response = await app([]).request('/%3Cscript%3E');
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No endpoint answers GET at this path.',
      request_id: 'req-7',
    });
    expect(text).not.toContain('script');
  });

  it('answers a request that fails its route schema with a 400 problem listing each issue', async () => {
    const api = new OpenAPIHono<ApiEnv>({ defaultHook: validationProblemHook });
    api.openapi(
      createRoute({
        method: 'get',
        path: '/v1/prices/{ticker}',
        request: {
          params: z.object({ ticker: z.string().regex(/^[A-Z]+$/) }),
          query: z.object({ limit: z.coerce.number().int().max(100) }),
        },
        responses: { 200: { description: 'prices', content: { 'application/json': { schema: z.object({}) } } } },
      }),
      (c) => c.json({}, 200),
    );
    const response = await api.request('/v1/prices/AAPL?limit=500');
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ title: 'Bad Request', status: 400, detail: "The request's query is not valid." });
    expect(body.errors).toEqual([{ in: 'query', path: 'limit', message: expect.stringContaining('100') }]);
    expect((await api.request('/v1/prices/AAPL?limit=5')).status).toBe(200);
  });
});
