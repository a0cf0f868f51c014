// The payloads are arbitrary JSON the tests read field by field: typed `any` on purpose.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local webhook receivers (node:http on 127.0.0.1, port 0) standing in for Slack and Alertmanager-shaped
 * endpoints. Each records what it is sent and answers as its `mode` says:
 *   ok     Slack's answer (200, `ok`) or a receiver's (200, empty)
 *   500    a server error, with a body that quotes the request's path (as some proxies do: the redaction must
 *          catch it)
 *   429    Too Many Requests with `Retry-After: <retryAfterSeconds>`
 *   slow   holds the request for `delayMs` before answering 200 (beyond the client's timeout)
 * A receiver that is "down" is one that was closed: `downUrl()` gives a URL where nothing listens.
 */
export type ReceiverMode = 'ok' | '500' | '429' | 'slow';

export interface ReceivedRequest {
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: any;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: ReceivedRequest[];
  mode: ReceiverMode;
  retryAfterSeconds: number;
  delayMs: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(kind: 'slack' | 'alertmanager'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const pending = new Set<ServerResponse>();
  const receiver = { requests, mode: 'ok', retryAfterSeconds: 120, delayMs: 2_000 } as WebhookReceiver;
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    requests.push({
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
      body: JSON.parse(text),
    });
    const okBody = kind === 'slack' ? 'ok' : '';
    switch (receiver.mode) {
      case 'ok':
        response.writeHead(200, { 'content-type': 'text/plain' }).end(okBody);
        return;
      case '500':
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error handling ${request.url}`);
        return;
      case '429':
        response
          .writeHead(429, { 'content-type': 'text/plain', 'retry-after': String(receiver.retryAfterSeconds) })
          .end('rate_limited');
        return;
      case 'slow':
        pending.add(response);
        setTimeout(() => {
          pending.delete(response);
          if (!response.destroyed) response.writeHead(200).end(okBody);
        }, receiver.delayMs);
        return;
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.origin = `http://127.0.0.1:${port}`;
  receiver.close = async () => {
    for (const response of pending) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  };
  return receiver;
}

/** A URL on 127.0.0.1 where nothing listens (a port just released): connections are refused. */
export async function downUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
