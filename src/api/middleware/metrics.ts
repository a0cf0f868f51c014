/**
 * Request metrics for Prometheus: a counter of requests and a latency histogram, labelled by the route pattern
 * (never the raw path: one series per endpoint, however many paths clients try), plus the `/metrics` endpoint
 * that renders the registry, the application's scrape-time gauges included.
 */
import type { Handler, MiddlewareHandler } from 'hono';
import { EXPOSITION_CONTENT_TYPE, type Registry } from './prometheus.js';
import { routeOf } from './route.js';
import type { ApiEnv } from './types.js';

export interface HttpMetricsOptions {
  registry: Registry;
  /** A monotonic clock in milliseconds; `performance.now` by default. */
  now?: () => number;
  /** Histogram buckets in seconds; Prometheus's defaults otherwise. */
  buckets?: readonly number[];
}

/** Methods kept as they are in the `method` label; any other (a client may send any token) counts as `other`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler<ApiEnv> {
  const now = options.now ?? (() => performance.now());
  const requests = options.registry.counter({
    name: 'marketlake_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
  });
  const duration = options.registry.histogram({
    name: 'marketlake_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (to its response headers), by method and route pattern.',
    labelNames: ['method', 'route'],
    buckets: options.buckets,
  });
  return async function httpMetricsMiddleware(c, next) {
    const start = now();
    await next();
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'other';
    const route = routeOf(c);
    requests.inc({ method, route, status: String(c.res.status) });
    duration.observe({ method, route }, (now() - start) / 1000);
  };
}

/** The `/metrics` handler: `app.get('/metrics', metricsEndpoint(registry))`. */
export function metricsEndpoint(registry: Registry): Handler<ApiEnv> {
  return async function metrics() {
    return new Response(await registry.render(), { headers: { 'Content-Type': EXPOSITION_CONTENT_TYPE } });
  };
}
