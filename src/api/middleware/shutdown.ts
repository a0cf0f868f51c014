/**
 * Graceful shutdown of the API's @hono/node-server server: stop accepting connections, let the requests in flight
 * finish up to a deadline, then close what is left. A deployment (systemd, Kubernetes) sends SIGTERM before it
 * kills; answering the requests already taken instead of cutting them is what makes a restart invisible.
 *
 * Node's `server.close()` alone is not enough: it stops accepting and closes idle keep-alive connections once,
 * but a connection whose request finishes afterwards stays open (kept alive for the next request) until its
 * keep-alive timeout, and could be sent a new request meanwhile. So responses started during shutdown say
 * `Connection: close`, and connections that went idle are closed as they do.
 */
import type { ServerType } from '@hono/node-server';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface ShutdownOptions {
  /** How long the requests in flight may take to finish; then their connections are closed. */
  deadlineMs: number;
}

export interface ShutdownResult {
  /** True when requests were still in flight at the deadline and their connections were cut. */
  forced: boolean;
}

/** How often connections that finished their request are looked for and closed. */
const IDLE_SWEEP_MS = 20;

function httpServer(server: ServerType): Server {
  const candidate = server as Partial<Server>;
  if (typeof candidate.closeIdleConnections !== 'function' || typeof candidate.closeAllConnections !== 'function') {
    throw new Error('graceful shutdown supports an HTTP/1.1 server (node:http or node:https), not HTTP/2');
  }
  return server as Server;
}

/** The handle of a shutdown in progress: `force()` cuts the requests in flight now (a second signal). */
export interface Shutdown {
  done: Promise<ShutdownResult>;
  force(): void;
}

/** The server as node:http's, once its shutdown is known to be possible with these options. */
function checked(server: ServerType, options: ShutdownOptions): Server {
  const http = httpServer(server);
  if (!Number.isFinite(options.deadlineMs) || options.deadlineMs < 0) {
    throw new Error(`shutdown deadline must be milliseconds >= 0, got ${options.deadlineMs}`);
  }
  return http;
}

/** Starts shutting `server` down now. */
export function startShutdown(server: ServerType, options: ShutdownOptions): Shutdown {
  const http = checked(server, options);
  let forced = false;
  const force = (): void => {
    forced = true;
    http.closeAllConnections();
  };
  // Prepended: it runs before the app's own listener, while the response's headers can still be set.
  const closeAfterResponse = (_request: IncomingMessage, response: ServerResponse): void => {
    response.setHeader('Connection', 'close');
  };
  http.prependListener('request', closeAfterResponse);
  const sweep = setInterval(() => http.closeIdleConnections(), IDLE_SWEEP_MS);
  const deadline = setTimeout(force, options.deadlineMs);
  const done = new Promise<ShutdownResult>((resolve, reject) => {
    http.close((error) => {
      clearInterval(sweep);
      clearTimeout(deadline);
      http.off('request', closeAfterResponse);
      if (error !== undefined) reject(new Error(`closing the API server failed: ${error.message}`, { cause: error }));
      else resolve({ forced });
    });
  });
  return { done, force };
}

/** Shuts `server` down now; resolves once every connection is closed. */
export function gracefulShutdown(server: ServerType, options: ShutdownOptions): Promise<ShutdownResult> {
  return startShutdown(server, options).done;
}

/** What `shutdownOnSignals` listens on: `process` by default, an EventEmitter in tests. */
export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

export interface SignalShutdownOptions extends ShutdownOptions {
  source?: SignalSource;
  /** Told of each signal (the serve command prints what it is doing); the second one cuts the requests at once. */
  onSignal?: (signal: 'SIGTERM' | 'SIGINT', count: number) => void;
}

/**
 * Waits for SIGTERM or SIGINT, then shuts `server` down gracefully; a second signal cuts the requests still in
 * flight. Resolves once the server is closed, with the signal that started it, so the caller closes the
 * database and the lake after the last request, then exits.
 */
export function shutdownOnSignals(
  server: ServerType,
  options: SignalShutdownOptions,
): Promise<ShutdownResult & { signal: 'SIGTERM' | 'SIGINT' }> {
  const source = options.source ?? process;
  // Checked now rather than at the first signal: a server that cannot be shut down gracefully is a start error.
  checked(server, options);
  return new Promise((resolve, reject) => {
    let shutdown: Shutdown | undefined;
    let count = 0;
    const onSignal = (signal: 'SIGTERM' | 'SIGINT'): void => {
      count += 1;
      options.onSignal?.(signal, count);
      if (shutdown !== undefined) {
        shutdown.force();
        return;
      }
      shutdown = startShutdown(server, options);
      shutdown.done
        .finally(() => {
          source.off('SIGTERM', onTerm);
          source.off('SIGINT', onInt);
        })
        .then((result) => resolve({ ...result, signal }), reject);
    };
    const onTerm = (): void => onSignal('SIGTERM');
    const onInt = (): void => onSignal('SIGINT');
    source.on('SIGTERM', onTerm);
    source.on('SIGINT', onInt);
  });
}
