import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { bodySizeLimit, timeLimit } from './limits.js';
import { signalOf, type ApiEnv } from './types.js';

describe('bodySizeLimit', () => {
  function app() {
    const app = new Hono<ApiEnv>();
    app.use(bodySizeLimit({ maxBytes: 10 }));
    app.post('/v1/sql', async (c) => c.text(`read ${(await c.req.text()).length}`));
    return app;
  }

  it('takes a body up to the limit', async () => {
    const response = await app().request('/v1/sql', { method: 'POST', body: '0123456789' });
    expect(await response.text()).toBe('read 10');
  });

  it('refuses a larger body with 413 as a problem, by its Content-Length or while streaming it', async () => {
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i += 1) controller.enqueue(new TextEncoder().encode('abc'));
        controller.close();
      },
    });
    for (const init of [
      { method: 'POST', body: '01234567890' },
      { method: 'POST', body: streamed, duplex: 'half' },
    ]) {
      const response = await app().request('/v1/sql', init as RequestInit);
      expect(response.status).toBe(413);
      expect(response.headers.get('Content-Type')).toBe('application/problem+json');
      expect(await response.json()).toEqual({
        type: 'about:blank',
        title: 'Content Too Large',
        status: 413,
        detail: 'The request body is larger than the 10 bytes allowed.',
      });
    }
  });
});

describe('timeLimit over a real socket', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running === undefined) return;
    running.closeAllConnections();
    await new Promise((resolve) => running.close(resolve));
  });

  /** A server whose /slow handler waits for its signal and records why it stopped. */
  async function start(limitMs: number, status?: 503 | 504) {
    const seen: { aborted: Promise<string> } = { aborted: Promise.resolve('') };
    const app = new Hono<ApiEnv>();
    app.use(timeLimit({ ms: limitMs, status }));
    app.get('/fast', (c) => c.text('fast'));
    app.get('/slow', async (c) => {
      const signal = signalOf(c);
      seen.aborted = new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve(String((signal.reason as Error).name ?? signal.reason))),
      );
      await seen.aborted;
      return c.text('too late');
    });
    app.onError((error, c) => c.text(`error ${error.message}`, 500));
    const listening = await new Promise<Server>((resolve) => {
      const created = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(created as Server));
    });
    server = listening;
    const { port } = listening.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, seen };
  }

  it('answers a request over its time with a problem, and aborts the handler through its signal', async () => {
    const { url, seen } = await start(150);
    const before = performance.now();
    const response = await fetch(`${url}/slow`);
    const elapsed = performance.now() - before;
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The request took longer than the 150 ms allowed and was stopped.',
    });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(5_000);
    expect(await seen.aborted).toBe('TimeoutError');
    expect(await (await fetch(`${url}/fast`)).text()).toBe('fast');
  });

  it('answers 504 when asked to', async () => {
    const { url } = await start(50, 504);
    const response = await fetch(`${url}/slow`);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ title: 'Gateway Timeout', status: 504 });
  });

  it("aborts the handler's signal when the client goes away before the limit", async () => {
    const { url, seen } = await start(60_000);
    const client = new AbortController();
    const request = fetch(`${url}/slow`, { signal: client.signal });
    // Wait until the handler runs (it has replaced the resolved placeholder with its own promise).
    const placeholder = seen.aborted;
    while (seen.aborted === placeholder) await new Promise((resolve) => setTimeout(resolve, 5));
    client.abort();
    await expect(request).rejects.toThrow();
    expect(await seen.aborted).not.toBe('TimeoutError');
  });

  it('refuses a limit that cannot be meant', () => {
    expect(() => timeLimit({ ms: 0 })).toThrow('time limit must be whole milliseconds >= 1, got 0');
    expect(() => bodySizeLimit({ maxBytes: -1 })).toThrow('body size limit must be whole bytes >= 0, got -1');
  });
});
