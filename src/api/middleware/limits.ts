/**
 * Limits on what one request may cost: the size of its body and the time it may take. Both answer with a problem
 * document, and the time limit also stops the work: the handler gets an AbortSignal (`c.var.signal`, or
 * `signalOf(c)`) that is aborted when the time is up or the client goes away, to pass to whatever it awaits
 * (a database query, a lake read). Without that, a timed-out request would keep the database busy for nobody.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { problem } from './problem.js';
import type { ApiEnv } from './types.js';

export interface BodySizeLimitOptions {
  maxBytes: number;
}

/**
 * 413 for a body over `maxBytes`: refused from `Content-Length` before reading, or (a chunked body) as soon as
 * the bytes read pass the limit, so an oversized body is never held whole in memory.
 */
export function bodySizeLimit(options: BodySizeLimitOptions): MiddlewareHandler<ApiEnv> {
  const { maxBytes } = options;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) {
    throw new Error(`body size limit must be whole bytes >= 0, got ${maxBytes}`);
  }
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => problem(c, 413, { detail: `The request body is larger than the ${maxBytes} bytes allowed.` }),
  });
}

export interface TimeLimitOptions {
  /** The time a request may take, from this middleware on (the handler's work and the reading of its body). */
  ms: number;
  /**
   * 503 by default: the server itself ran out of time for the request, it is no gateway waiting on an upstream
   * (504); a client may retry later.
   */
  status?: 503 | 504;
}

export function timeLimit(options: TimeLimitOptions): MiddlewareHandler<ApiEnv> {
  const { ms } = options;
  const status = options.status ?? 503;
  if (!Number.isInteger(ms) || ms < 1) throw new Error(`time limit must be whole milliseconds >= 1, got ${ms}`);
  return async function timeLimitMiddleware(c, next) {
    const controller = new AbortController();
    // The request's own signal is aborted by @hono/node-server when the client closes the connection.
    c.set('signal', AbortSignal.any([controller.signal, c.req.raw.signal]));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), ms);
    });
    try {
      // A handler that throws an Error after the deadline still reaches the app's onError (Hono catches it where
      // it is thrown), so a bug is logged even then; its response is not used.
      const outcome = await Promise.race([next().then(() => 'answered' as const), expired]);
      if (outcome === 'answered') return;
    } finally {
      clearTimeout(timer);
    }
    // Aborted on the next turn of the event loop, once this response has been handed to the server: aborting
    // now would make the handler fail at once, and its error response could race this one for the context.
    setImmediate(() => controller.abort(new DOMException(`The time limit of ${ms} ms was reached`, 'TimeoutError')));
    return problem(c, status, { detail: `The request took longer than the ${ms} ms allowed and was stopped.` });
  };
}
