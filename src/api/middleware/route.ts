/**
 * The route a request is counted and logged under: the pattern an endpoint was declared with
 * (`/v1/tickers/:ticker`), never the raw path, so the metrics' label values stay as few as the endpoints (a
 * label per path would grow without bound as clients probe paths) and log lines group by endpoint.
 */
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/** The label of a request no endpoint matches (any method and path no route declares). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Middlewares are registered for every method (`app.use` registers them as `ALL`); endpoints for one. */
const MIDDLEWARE_METHOD = 'ALL';

/**
 * Read after `await next()`. The endpoint that answered when one did; when a middleware answered first (a 401, a
 * 429) the endpoint the request was for, so refusals are seen per endpoint; `unmatched` when none matches.
 * An endpoint must be declared with its method (`app.get`, `openapi(createRoute(...))`) to be told apart from a
 * middleware: one declared with `app.all` counts as unmatched.
 */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex];
  if (answered !== undefined && answered.method !== MIDDLEWARE_METHOD) return answered.path;
  const endpoint = routes.findLast((route) => route.method !== MIDDLEWARE_METHOD);
  return endpoint?.path ?? UNMATCHED_ROUTE;
}
