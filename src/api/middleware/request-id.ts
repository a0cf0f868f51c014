/**
 * `X-Request-Id`: every request gets an id, quoted in the response header, the log line and any problem body, so
 * one failing request can be found in the logs. A caller's id (a proxy's or a client's) is kept when it is a
 * plausible id, so one id follows the request across systems; anything else (too long, or with characters that
 * could forge a log line or a header) is replaced by a fresh id rather than refused: an id is a convenience, not
 * something to fail a request over.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './types.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Letters, digits and `-_.:` (UUIDs, ULIDs, trace ids), at most 128 characters. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestIdOptions {
  /** A new id; a random UUID by default (tests inject a fixed one). */
  generate?: () => string;
}

export function isValidRequestId(id: string): boolean {
  return VALID_REQUEST_ID.test(id);
}

export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<ApiEnv> {
  const generate = options.generate ?? randomUUID;
  return async function requestIdMiddleware(c, next) {
    const given = c.req.header(REQUEST_ID_HEADER);
    const id = given !== undefined && isValidRequestId(given) ? given : generate();
    c.set('requestId', id);
    c.header(REQUEST_ID_HEADER, id);
    await next();
    // Set again where missing: a handler may have returned a Response built without the context's headers.
    if (c.res.headers.get(REQUEST_ID_HEADER) !== id) c.header(REQUEST_ID_HEADER, id);
  };
}
