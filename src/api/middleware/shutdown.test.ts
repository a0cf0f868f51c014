import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { EventEmitter } from 'node:events';
import http, { type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gracefulShutdown, shutdownOnSignals } from './shutdown.js';

let servers: Server[] = [];
afterEach(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
});

/** A server with a `/slow` endpoint answering after `slowMs`, and a way to know the request has arrived. */
async function start(slowMs: number) {
  let arrived: () => void = () => undefined;
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  const app = new Hono();
  app.get('/slow', async (c) => {
    arrived();
    await new Promise((resolve) => setTimeout(resolve, slowMs));
    return c.text('finished');
  });
  app.get('/fast', (c) => c.text('fast'));
  const server = await new Promise<Server>((resolve) => {
    const created = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(created as Server));
  });
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { server, port, slowArrived };
}

/** A GET over a keep-alive agent (the connection would stay open after the response unless closed). */
function get(port: number, path: string, agent: http.Agent) {
  return new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body, connection: response.headers.connection }),
        );
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('graceful shutdown over a real socket', () => {
  it('stops accepting, lets the request in flight finish, then closes well before the keep-alive timeout', async () => {
    const { server, port, slowArrived } = await start(300);
    const agent = new http.Agent({ keepAlive: true });
    const inFlight = get(port, '/slow', agent);
    await slowArrived;
    const before = performance.now();
    const closed = gracefulShutdown(server, { deadlineMs: 10_000 });
    // New connections are refused from now on.
    await expect(get(port, '/fast', new http.Agent())).rejects.toThrow(/ECONNREFUSED/);
    // Answered in full. It was taken before the shutdown, so it was answered keep-alive: its idle connection is
    // closed by the shutdown's sweep.
    expect(await inFlight).toEqual({ status: 200, body: 'finished', connection: 'keep-alive' });
    expect(await closed).toEqual({ forced: false });
    // Closed when the request finished (300 ms), not after Node's 5 s keep-alive timeout.
    expect(performance.now() - before).toBeLessThan(3_000);
    expect(server.listening).toBe(false);
    agent.destroy();
  });

  it('answers a request that arrives on an open connection during the shutdown with Connection: close', async () => {
    const { server, port, slowArrived } = await start(200);
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowArrived;
    const closed = gracefulShutdown(server, { deadlineMs: 10_000 });
    // Pipelined on the same connection, after the shutdown began: served, then the connection is closed.
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await closed).toEqual({ forced: false });
    await ended;
    const responses = received.split('HTTP/1.1 ').slice(1);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^200 OK[\s\S]*finished$/);
    expect(responses[1]).toMatch(/^200 OK[\s\S]*connection: close[\s\S]*fast$/i);
  });

  it('cuts a request still running at the deadline', async () => {
    const { server, port, slowArrived } = await start(60_000);
    const inFlight = get(port, '/slow', new http.Agent());
    await slowArrived;
    const before = performance.now();
    expect(await gracefulShutdown(server, { deadlineMs: 200 })).toEqual({ forced: true });
    const elapsed = performance.now() - before;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(5_000);
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('starts on SIGTERM, says which signal, and a second signal cuts the requests in flight', async () => {
    const { server, port, slowArrived } = await start(60_000);
    const source = new EventEmitter();
    const seen: string[] = [];
    const stopped = shutdownOnSignals(server, {
      deadlineMs: 60_000,
      source,
      onSignal: (signal, count) => seen.push(`${signal} ${count}`),
    });
    const inFlight = get(port, '/slow', new http.Agent());
    await slowArrived;
    source.emit('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.listening).toBe(false);
    source.emit('SIGINT');
    expect(await stopped).toEqual({ forced: true, signal: 'SIGTERM' });
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(seen).toEqual(['SIGTERM 1', 'SIGINT 2']);
    expect(source.listenerCount('SIGTERM') + source.listenerCount('SIGINT')).toBe(0);
  });

  it('refuses a deadline that cannot be meant', async () => {
    const { server } = await start(1);
    expect(() => gracefulShutdown(server, { deadlineMs: -1 })).toThrow('shutdown deadline must be milliseconds >= 0');
    expect(() => shutdownOnSignals(server, { deadlineMs: Number.NaN, source: new EventEmitter() })).toThrow(
      'shutdown deadline must be milliseconds >= 0, got NaN',
    );
  });
});
