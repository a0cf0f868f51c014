/**
 * Which paths a guard leaves alone (authentication, rate limit): exact paths (`/healthz`), or every path under a
 * prefix when an entry ends in `/*` (`/assets/*` for a page's static files). Compared with `c.req.path`, the
 * percent-decoded path Hono's router matches, so what is exempt is exactly the endpoint the router picks (a
 * `/assets/%2e%2e/v1/x` is exempt but routes to no `/v1` endpoint: routers do not resolve dot segments).
 */
export type PathMatcher = (path: string) => boolean;

export function exemptPathMatcher(entries: readonly string[]): PathMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of entries) {
    if (!entry.startsWith('/')) throw new Error(`exempt path ${JSON.stringify(entry)} must start with /`);
    if (entry.endsWith('/*')) prefixes.push(entry.slice(0, -1));
    else if (entry.includes('*')) throw new Error(`exempt path ${JSON.stringify(entry)}: * only as a final /*`);
    else exact.add(entry);
  }
  return (path) => exact.has(path) || prefixes.some((prefix) => path.startsWith(prefix));
}
