import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { API_TOKEN_VARIABLE, checkServedRunFlags, readThroughServer, runThroughServer } from './served-home.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** A stand-in for `serve --schedule` on loopback: answers from `answer`, remembering every request. */
async function fakeServer(answer: (request: Seen, index: number) => { status: number; body: unknown }) {
  const seen: Seen[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      };
      seen.push(entry);
      const { status, body: reply } = answer(entry, seen.length - 1);
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const SUMMARY = { run_id: 'r1', status: 'ok', tickers_ok: ['NVDA'] };

describe('a command on a home that `serve --schedule` holds asks the server', () => {
  it('run: posts the tickers with the token, follows the run until it ends, and returns its summary', async () => {
    const now = new Date().toISOString();
    const { url, seen } = await fakeServer((request, index) =>
      request.method === 'POST'
        ? { status: 202, body: { run_id: 'r1', status: 'running', location: '/v1/runs/r1' } }
        : index < 2
          ? { status: 200, body: { status: 'running', summary: null, heartbeat_at: now } }
          : { status: 200, body: { status: 'ok', summary: SUMMARY, heartbeat_at: now } },
    );
    const summary = await runThroughServer(url, ['NVDA'], { [API_TOKEN_VARIABLE]: ' secret-token-123456 ' });
    expect(summary).toEqual(SUMMARY);
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /v1/runs',
      'GET /v1/runs/r1',
      'GET /v1/runs/r1',
    ]);
    expect(seen[0]!.body).toBe('{"tickers":["NVDA"]}');
    expect(seen.every((request) => request.authorization === 'Bearer secret-token-123456')).toBe(true);
  });

  it("run: the server's own tickers when none are given, and no token header when there is none", async () => {
    const { url, seen } = await fakeServer((request) =>
      request.method === 'POST'
        ? { status: 202, body: { run_id: 'r1' } }
        : { status: 200, body: { status: 'partial', summary: SUMMARY, heartbeat_at: null } },
    );
    await runThroughServer(url, undefined, {});
    expect(seen[0]!.body).toBe('{}');
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it("run: a refusal is said with the server's detail; a 401 says which variable holds the token", async () => {
    const busy = await fakeServer(() => ({ status: 409, body: { detail: 'run r0 is running: one run at a time' } }));
    await expect(runThroughServer(busy.url, undefined, {})).rejects.toThrow(
      `\`marketlake serve\` at ${busy.url} answered 409: "run r0 is running: one run at a time"`,
    );
    const locked = await fakeServer(() => ({ status: 401, body: { detail: 'a bearer token is needed' } }));
    await expect(readThroughServer(locked.url, '/v1/stale', {})).rejects.toThrow(
      `answered 401: "a bearer token is needed": it wants one of its API tokens in ${API_TOKEN_VARIABLE}`,
    );
  });

  it('run: a run whose heartbeat stopped is taken for dead instead of followed forever', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    const { url } = await fakeServer((request) =>
      request.method === 'POST'
        ? { status: 202, body: { run_id: 'r1' } }
        : { status: 200, body: { status: 'running', summary: null, heartbeat_at: old } },
    );
    await expect(runThroughServer(url, undefined, {})).rejects.toThrow(
      /run r1 in the server has given no heartbeat for 6\d\d s: it is taken for dead/,
    );
  });

  it('a server that does not answer is said so, naming it', async () => {
    const { url } = await fakeServer(() => ({ status: 200, body: {} }));
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    await expect(readThroughServer(url, '/v1/stale', {})).rejects.toThrow(
      `\`marketlake serve\` at ${url}, which holds this home, did not answer`,
    );
  });

  it('run: flags the server would not honour are refused, as typed; the tickers, --json and --home are taken', () => {
    expect(() => checkServedRunFlags(['--tickers', '--json', '--home', '--universe'], 'http://h:1')).not.toThrow();
    expect(() => checkServedRunFlags(['--tickers', '--no-tables', '--lake'], 'http://h:1')).toThrow(UsageError);
    expect(() => checkServedRunFlags(['--no-tables', '--lake'], 'http://h:1')).toThrow('(given: --no-tables, --lake)');
  });
});
