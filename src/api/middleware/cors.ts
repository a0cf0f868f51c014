/**
 * CORS with an explicit allow-list (hono/cors): a browser page from another origin may call the API only when its
 * origin is listed; none is by default, so the API serves its own page (same origin) and scripts on any other
 * site get nothing. A wildcard is refused: with bearer tokens in browsers, "any origin" would let any page a user
 * visits spend the user's token.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { checkedOrigin } from '../origin.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import type { ApiEnv } from './types.js';

export interface CorsAllowListOptions {
  /** Allowed origins, each `scheme://host[:port]` exactly as a browser sends it in `Origin`. */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. */
  maxAgeSeconds?: number;
}

/** Headers a page's script may read: the rate limit, the request id (to report a problem) and the ETag. */
const EXPOSED_HEADERS = [
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  REQUEST_ID_HEADER,
  'ETag',
];

export function corsAllowList(options: CorsAllowListOptions): MiddlewareHandler<ApiEnv> {
  const allowed = new Set(options.origins.map(checkedOrigin));
  return cors({
    // A function rather than the list: hono/cors answers an unlisted origin with none (no Allow-Origin header).
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', REQUEST_ID_HEADER, 'If-None-Match'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: options.maxAgeSeconds ?? 600,
  });
}
