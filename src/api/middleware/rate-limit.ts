/**
 * A rate limit per token, or per client address when authentication is off: a fixed window in memory (one server
 * process serves the API, so memory is where the counts belong; a second process would need a shared store).
 * A fixed window rather than a token bucket because its state is exactly what the RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`) report:
 * requests left until the window ends, and when it ends. Its known weakness, up to twice the limit across a window
 * boundary, is acceptable for protecting a read API from a runaway client.
 *
 * The clock is injected so tests step through windows without waiting.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { exemptPathMatcher } from './exempt-paths.js';
import { problem } from './problem.js';
import type { ApiEnv } from './types.js';

export interface RateLimitOptions {
  /** Requests allowed per key in one window. */
  limit: number;
  /** The window's length in milliseconds. */
  windowMs: number;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
  /** The key a request is counted under; by default its token identity, else its client address. */
  keyOf?: (c: Context<ApiEnv>) => string;
  /**
   * Paths not counted (no RateLimit headers on them; exact, or a prefix as `/assets/*`): the health checks by
   * default, polled by an orchestrator.
   */
  exemptPaths?: readonly string[];
}

interface WindowCount {
  window: number;
  count: number;
}

/**
 * The client's address from @hono/node-server's bindings (`c.env.incoming`). `X-Forwarded-For` is not trusted:
 * any client can send it, and would then pick its own rate-limit key.
 */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

function defaultKey(c: Context<ApiEnv>): string {
  const identity = c.get('tokenIdentity');
  return identity === undefined ? `address:${clientAddress(c)}` : `token:${identity}`;
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<ApiEnv> {
  const { limit, windowMs } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`rate limit must be a whole number >= 1, got ${limit}`);
  if (!Number.isInteger(windowMs) || windowMs < 1000) {
    throw new Error(`rate limit window must be whole milliseconds >= 1000, got ${windowMs}`);
  }
  const now = options.now ?? Date.now;
  const keyOf = options.keyOf ?? defaultKey;
  const exempt = exemptPathMatcher(options.exemptPaths ?? ['/healthz', '/readyz']);
  const counts = new Map<string, WindowCount>();
  let sweptWindow = Number.NEGATIVE_INFINITY;

  return async function rateLimitMiddleware(c, next) {
    if (exempt(c.req.path)) return next();
    const time = now();
    // Windows are aligned to the clock, so every key's window ends at the same time and one sweep per window
    // drops the keys of clients that went quiet (memory stays bounded by the clients of one window).
    const window = Math.floor(time / windowMs);
    if (window !== sweptWindow) {
      for (const [key, entry] of counts) if (entry.window !== window) counts.delete(key);
      sweptWindow = window;
    }
    const key = keyOf(c);
    const entry = counts.get(key) ?? { window, count: 0 };
    entry.count += 1;
    counts.set(key, entry);

    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - time) / 1000));
    const headers: Record<string, string> = {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(Math.max(0, limit - entry.count)),
      'RateLimit-Reset': String(resetSeconds),
    };
    if (entry.count > limit) {
      return problem(
        c,
        429,
        { detail: `At most ${limit} requests per ${windowMs / 1000} s; try again in ${resetSeconds} s.` },
        { ...headers, 'Retry-After': String(resetSeconds) },
      );
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
    // Again after the handler where missing: an error response or a hand-built Response must carry them too
    // (checked first: setting a header on a finished response copies the response).
    for (const [name, value] of Object.entries(headers)) if (c.res.headers.get(name) !== value) c.header(name, value);
  };
}
