/**
 * Structured logs: one JSON object per line, written to an injectable sink (stderr by default, where a service
 * manager or a container runtime collects it). Every record is redacted (src/secrets.ts) before it is written,
 * and the request log never holds what authenticates a request: no header is logged, and query values whose name
 * says token, key, password, secret, signature or auth are masked.
 */
import type { MiddlewareHandler } from 'hono';
import { REDACTED, redactDeep } from '../../secrets.js';
import { routeOf } from './route.js';
import type { ApiEnv } from './types.js';

/** Receives one log line, without its newline. */
export type LogSink = (line: string) => void;

export const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

/** Writes `record` as one redacted JSON line. */
export function writeLog(sink: LogSink, record: Record<string, unknown>): void {
  sink(JSON.stringify(redactDeep(record)));
}

/** Query parameters whose value may authenticate a request (or is a lake key, which the brief keeps out too). */
const SENSITIVE_PARAMETER = /token|key|password|passwd|secret|signature|credential|auth/i;

/** Longer paths are cut: a client can send any length, and a log line should stay a line. */
const MAX_TARGET_LENGTH = 2048;

/** The path and query of `url` with the values of sensitive parameters masked. */
export function loggedTarget(url: string): string {
  const parsed = new URL(url);
  const parameters = [...parsed.searchParams].map(([name, value]): [string, string] => [
    name,
    SENSITIVE_PARAMETER.test(name) ? REDACTED : value,
  ]);
  const query = parameters.length === 0 ? '' : `?${new URLSearchParams(parameters).toString()}`;
  const target = `${parsed.pathname}${query}`;
  return target.length > MAX_TARGET_LENGTH ? `${target.slice(0, MAX_TARGET_LENGTH)}...` : target;
}

export interface RequestLogOptions {
  sink?: LogSink;
  /** A monotonic clock in milliseconds for the duration; `performance.now` by default. */
  now?: () => number;
  /** The wall clock for the `time` field. */
  date?: () => Date;
}

/**
 * One line per request, written once the response is known (whatever answered: an endpoint, a refusal, the error
 * handler): time, level (`error` for a 5xx, `warn` for a 4xx), request id, method, route pattern, path, status,
 * duration_ms and the token identity (`null` without authentication).
 */
export function requestLog(options: RequestLogOptions = {}): MiddlewareHandler<ApiEnv> {
  const sink = options.sink ?? stderrSink;
  const now = options.now ?? (() => performance.now());
  const date = options.date ?? (() => new Date());
  return async function requestLogMiddleware(c, next) {
    const start = now();
    await next();
    const status = c.res.status;
    writeLog(sink, {
      time: date().toISOString(),
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      request_id: c.get('requestId') ?? null,
      method: c.req.method,
      route: routeOf(c),
      path: loggedTarget(c.req.url),
      status,
      duration_ms: Math.round((now() - start) * 1000) / 1000,
      token: c.get('tokenIdentity') ?? null,
    });
  };
}
