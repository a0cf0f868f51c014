/**
 * The API's cross-cutting pieces, each a Hono middleware (or app-level handler) usable alone, and
 * `applyMiddleware`, which mounts them all on an app in the order below. The order matters; from the outside in:
 *
 *  1. request id: first, so everything after it (the log line, every problem body, the
 *     error log) can quote the id, including responses a later middleware refuses with.
 *  2. request log and 3. metrics: outside everything that can answer or fail, so each sees every request's final
 *     status (a 401, a 429, a 413, a 404, a 500) and its whole duration.
 *  4. errors (`app.onError`, `app.notFound`): app-level, not in the chain. Hono catches an error where it is
 *     thrown and turns it into the response at that point, so the middlewares above see a response, never an
 *     exception, and every refusal below is a problem document.
 *  5. CORS: before authentication, because a browser's preflight (OPTIONS) never carries the token and must be
 *     answered without one, and so that a 401 or 429 carries the CORS headers a page needs to read it.
 *  6. authentication: before the rate limit, which keys on the token identity it sets.
 *  7. rate limit: before the work, so a client over its limit costs a map lookup; after authentication, so an
 *     unauthenticated flood is refused by the (cheap) token check, not counted against a real token.
 *  8. time limit, then 9. body size limit: innermost, so they bound the handler's work (and the reading of the
 *     body, which the body limit does for a chunked body: a slow upload counts against the time) and never a
 *     request refused anyway. The time limit sets the AbortSignal handlers pass to their work.
 *
 * Routes are declared after `applyMiddleware` (Hono runs middlewares and handlers in registration order); the
 * `/metrics` route it adds sits behind authentication and the limits like any other.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { bearerAuth, DEFAULT_EXEMPT_PATHS, type NamedToken } from './auth.js';
import { corsAllowList } from './cors.js';
import { type ClassifiedError, installErrorHandlers } from './errors.js';
import { bodySizeLimit, timeLimit } from './limits.js';
import { type LogSink, requestLog, stderrSink, writeLog } from './logging.js';
import { httpMetrics, metricsEndpoint } from './metrics.js';
import { type GaugeOptions, Registry } from './prometheus.js';
import { rateLimit } from './rate-limit.js';
import { requestId } from './request-id.js';
import type { ApiEnv } from './types.js';

export { bearerAuth, DEFAULT_EXEMPT_PATHS, type BearerAuthOptions, type NamedToken } from './auth.js';
export { corsAllowList, type CorsAllowListOptions } from './cors.js';
export { exemptPathMatcher, type PathMatcher } from './exempt-paths.js';
export {
  INTERNAL_ERROR_DETAIL,
  installErrorHandlers,
  problemErrorHandler,
  problemNotFound,
  validationProblemHook,
  type ClassifiedError,
  type ErrorHandlingOptions,
  type ValidationResult,
} from './errors.js';
export { bodySizeLimit, timeLimit, type BodySizeLimitOptions, type TimeLimitOptions } from './limits.js';
export { loggedTarget, requestLog, stderrSink, writeLog, type LogSink, type RequestLogOptions } from './logging.js';
export { httpMetrics, metricsEndpoint, type HttpMetricsOptions } from './metrics.js';
export {
  Counter,
  DEFAULT_BUCKETS,
  EXPOSITION_CONTENT_TYPE,
  Gauge,
  Histogram,
  Registry,
  type GaugeOptions,
  type HistogramOptions,
  type Labels,
  type Sample,
} from './prometheus.js';
export { PROBLEM_CONTENT_TYPE, problem, problemResponse, statusTitle, type ProblemFields } from './problem.js';
export { clientAddress, rateLimit, type RateLimitOptions } from './rate-limit.js';
export { isValidRequestId, REQUEST_ID_HEADER, requestId, type RequestIdOptions } from './request-id.js';
export { routeOf, UNMATCHED_ROUTE } from './route.js';
export {
  gracefulShutdown,
  shutdownOnSignals,
  startShutdown,
  type Shutdown,
  type ShutdownOptions,
  type ShutdownResult,
  type SignalShutdownOptions,
  type SignalSource,
} from './shutdown.js';
export { signalOf, type ApiEnv, type ApiVariables } from './types.js';

export interface ApiMiddlewareOptions {
  /** Accepted bearer tokens (`MARKETLAKE_API_TOKENS` or the tokens file); none: authentication is off. */
  tokens?: readonly (string | NamedToken)[];
  /** Paths served without a token and not rate limited (exact, or a prefix: `/assets/*`); default: health checks. */
  exemptPaths?: readonly string[];
  /** Origins whose pages may call the API from a browser; none by default. */
  corsOrigins?: readonly string[];
  /** Requests per token (or client address) per window; `false` turns the limit off. 600 a minute by default. */
  rateLimit?: { limit: number; windowMs: number } | false;
  /** The largest request body, in bytes; 1 MiB by default (a SQL statement, a JSON query). */
  maxBodyBytes?: number;
  /** The time a request may take, in ms; 30 s by default. */
  timeLimitMs?: number;
  timeLimitStatus?: 503 | 504;
  /** Where the metrics are served; `false`: not served (the registry is still returned). */
  metricsPath?: string | false;
  /** The application's gauges, read at each scrape (runs, outbox depth, lake errors). */
  gauges?: readonly GaugeOptions[];
  /** Maps the application's errors to a status (an unknown ticker to 404); others are 500s. */
  classifyError?: (error: Error) => ClassifiedError | undefined;
  /** Where the JSON log lines go; stderr by default. */
  log?: LogSink;
  /** Clocks, for tests: a monotonic one for durations, the wall clock for log times and the rate limit. */
  clock?: { monotonicMs?: () => number; date?: () => Date; epochMs?: () => number };
  generateRequestId?: () => string;
}

export const DEFAULT_RATE_LIMIT = { limit: 600, windowMs: 60_000 };
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_TIME_LIMIT_MS = 30_000;

export interface AppliedMiddleware {
  /** The metrics registry: the application may add its own counters and histograms to it. */
  registry: Registry;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any app: its schema and base path are its own
export function applyMiddleware<E extends ApiEnv>(app: Hono<E, any, any>, options: ApiMiddlewareOptions = {}) {
  const sink = options.log ?? stderrSink;
  const date = options.clock?.date;
  const exemptPaths = options.exemptPaths ?? DEFAULT_EXEMPT_PATHS;
  const registry = new Registry({
    // A gauge that cannot be read (the database is down) leaves that gauge out of the scrape, and says so here.
    onCollectError: (metric, error) =>
      writeLog(sink, {
        time: (date?.() ?? new Date()).toISOString(),
        level: 'error',
        message: `reading the metric ${metric} failed`,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
  });
  for (const gauge of options.gauges ?? []) registry.gauge(gauge);
  // The app's Env extends ApiEnv, so a middleware written for ApiEnv fits it; Hono's types cannot see that.
  const use = (middleware: MiddlewareHandler<ApiEnv>) => app.use(middleware as unknown as MiddlewareHandler<E>);

  use(requestId({ generate: options.generateRequestId }));
  use(requestLog({ sink, now: options.clock?.monotonicMs, date }));
  use(httpMetrics({ registry, now: options.clock?.monotonicMs }));
  installErrorHandlers(app, { sink, date, classify: options.classifyError });
  use(corsAllowList({ origins: options.corsOrigins ?? [] }));
  use(bearerAuth({ tokens: options.tokens ?? [], exemptPaths }));
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit !== false) use(rateLimit({ ...limit, exemptPaths, now: options.clock?.epochMs }));
  use(timeLimit({ ms: options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS, status: options.timeLimitStatus }));
  use(bodySizeLimit({ maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }));
  const metricsPath = options.metricsPath ?? '/metrics';
  if (metricsPath !== false) app.get(metricsPath, metricsEndpoint(registry) as unknown as MiddlewareHandler<E>);
  return { registry } satisfies AppliedMiddleware;
}
