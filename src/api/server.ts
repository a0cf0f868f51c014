/**
 * The API on a Node HTTP server (@hono/node-server): listening, the URL it answers at, and closing. What to serve
 * is createApiApp's (app.ts); who may connect, bind-policy.ts's.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { UserError } from '../errors.js';
import { quote } from '../quote.js';
import { type ApiOptions, createApiApp } from './app.js';

export interface ApiServerOptions extends ApiOptions {
  host: string;
  /** 0: any free port (tests). */
  port: number;
}

export interface ApiServer {
  /** `http://host:port` as the server listens (the port chosen when 0 was asked). */
  url: string;
  /** Stops accepting connections, ends the idle ones, waits for the requests in flight, closes the database. */
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const api = createApiApp(options);
  const server = createAdaptorServer({ fetch: api.app.fetch });
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is taken' : error.message;
      reject(new UserError(`cannot listen on ${quote(`${options.host}:${options.port}`)}: ${why}`, { cause: error }));
    };
    server.once('error', refuse);
    server.listen(options.port, options.host, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // Keep-alive connections with no request in flight would hold close() open until they time out.
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
        await api.close();
      })()),
  };
}
