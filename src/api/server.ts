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
  /**
   * Stops the daily job's schedule and its run in progress, if the server runs it (the run ends interrupted by
   * `reason`, default SIGTERM, while requests are still answered), then stops accepting connections, ends the idle
   * ones, waits for the requests in flight and closes the database.
   */
  close(reason?: string): Promise<void>;
  /** When the server's schedule runs the daily job next (ISO 8601); null without a schedule. */
  nextRun: string | null;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const api = createApiApp(options);
  try {
    await api.open();
  } catch (error) {
    // Not started: let go of whatever the opening got to (the schedule's timer is not made until start()).
    await api.close();
    throw error;
  }
  const server = createAdaptorServer({ fetch: api.app.fetch });
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is taken' : error.message;
      reject(new UserError(`cannot listen on ${quote(`${options.host}:${options.port}`)}: ${why}`, { cause: error }));
    };
    // Not listening: what the app holds (a database it owns) is let go before the refusal is said.
    const closeAndRefuse = (error: NodeJS.ErrnoException) => {
      // The refusal is said whether or not the closing succeeds; a failed closing is said beside it.
      api.close().then(
        () => refuse(error),
        (closing: unknown) => {
          process.stderr.write(`marketlake serve: closing after the failed listen: ${String(closing)}\n`);
          refuse(error);
        },
      );
    };
    server.once('error', closeAndRefuse);
    server.listen(options.port, options.host, () => {
      server.off('error', closeAndRefuse);
      resolve();
    });
  });
  // The schedule starts once requests can be answered (a run it starts can be followed at once).
  api.runs?.start();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    nextRun: api.runs?.nextRun() ?? null,
    close: (reason?: string) =>
      (closing ??= (async () => {
        // The run first, while requests are answered: whoever follows it sees it end `interrupted`.
        await api.stopRuns(reason);
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // Keep-alive connections with no request in flight would hold close() open until they time out.
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
        await api.close();
      })()),
  };
}
