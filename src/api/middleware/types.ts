/**
 * What the middlewares of src/api/middleware/ put on a request's context, for the middlewares after them and for
 * the route handlers (`c.get('requestId')`, `c.var.signal`). Each is optional in the type because each middleware
 * is usable alone: a reader handles the value being absent when the middleware that sets it is not mounted.
 */
import type { Context } from 'hono';

export type ApiVariables = {
  /** Set by `requestId()`: the id quoted in the `X-Request-Id` header, the logs and every problem body. */
  requestId?: string;
  /**
   * Set by `bearerAuth()` on an authenticated request: a name for the token (its configured name or `token-N`,
   * its position in the list), never the token itself. The rate limiter keys on it; the logs show it.
   */
  tokenIdentity?: string;
  /**
   * Set by `timeLimit()`: aborted when the request's time is up or its client went away. Handlers pass it to
   * their slow work (a query, a lake read) so that work stops instead of running for nobody.
   */
  signal?: AbortSignal;
};

/** The Hono environment of an app using these middlewares: `new OpenAPIHono<ApiEnv>()`. */
export type ApiEnv = { Variables: ApiVariables };

/**
 * The abort signal of a request: the time limit's when `timeLimit()` is mounted, else the request's own (aborted by
 * @hono/node-server when the client closes the connection).
 */
export function signalOf(c: Context<ApiEnv>): AbortSignal {
  return c.get('signal') ?? c.req.raw.signal;
}
