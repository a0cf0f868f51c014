import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { requestId } from './request-id.js';
import type { ApiEnv } from './types.js';

function app() {
  const ids = ['generated-1', 'generated-2'];
  const app = new Hono<ApiEnv>();
  app.use(requestId({ generate: () => ids.shift() ?? 'exhausted' }));
  app.get('/seen', (c) => c.text(c.get('requestId') ?? 'none'));
  // A Response built by hand carries none of the context's headers: the id must still be on it.
  app.get('/raw', () => new Response('raw'));
  return app;
}

describe('requestId', () => {
  it('generates an id when the request has none, sets it on the context and the response', async () => {
    const response = await app().request('/seen');
    expect(response.headers.get('X-Request-Id')).toBe('generated-1');
    expect(await response.text()).toBe('generated-1');
  });

  it("keeps a caller's valid id", async () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const response = await app().request('/seen', { headers: { 'X-Request-Id': id } });
    expect(response.headers.get('X-Request-Id')).toBe(id);
    expect(await response.text()).toBe(id);
  });

  it('replaces an id that is too long or could forge a log line or a header', async () => {
    for (const bad of ['x'.repeat(129), 'a b', 'a"b', 'id\\u000ainjected', '<script>', '']) {
      const response = await app().request('/seen', { headers: { 'X-Request-Id': bad } });
      expect(response.headers.get('X-Request-Id')).toBe('generated-1');
    }
  });

  it('puts the id on a response the handler built without the context', async () => {
    const response = await app().request('/raw');
    expect(response.headers.get('X-Request-Id')).toBe('generated-1');
    expect(await response.text()).toBe('raw');
  });
});
