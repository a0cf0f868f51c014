/**
 * What a client sees when a request fails: a problem document (RFC 9457) and never a stack trace, an error's
 * internals or a secret. A deliberate refusal (`HTTPException`, thrown by Hono's helpers or a handler) keeps its
 * status and message; any other error is a bug or an outage, answered with a generic 500 that quotes the request
 * id, while the error itself (message and stack, redacted) goes to the log, where the id finds it.
 *
 * Hono catches an error where it is thrown (in any middleware or handler) and hands it to the app's `onError`,
 * so these are app-level handlers (`app.onError`, `app.notFound`), not middleware: their place in the middleware
 * order does not matter, and every middleware mounted outside the thrower (logs, metrics) sees the response.
 */
import type { Context, ErrorHandler, Hono, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type LogSink, loggedTarget, stderrSink, writeLog } from './logging.js';
import { PROBLEM_CONTENT_TYPE, problem, type ProblemFields } from './problem.js';
import { routeOf } from './route.js';
import type { ApiEnv } from './types.js';

/** An application's own mapping of an error to a response (an unknown ticker to 404, say). */
export interface ClassifiedError {
  status: number;
  fields?: ProblemFields;
}

export interface ErrorHandlingOptions {
  /** Where the errors behind 500s are logged; stderr by default. */
  sink?: LogSink;
  date?: () => Date;
  /** Maps the application's errors to a status and problem; `undefined` leaves the error a 500. */
  classify?: (error: Error) => ClassifiedError | undefined;
}

export const INTERNAL_ERROR_DETAIL =
  "The server failed to answer this request. The request id identifies it in the server's logs.";

/**
 * The error a handler throws when its work was aborted through the request's signal (the time limit passed, or
 * the client went away): an expected end, not a bug to log with its stack.
 */
function isAbort(error: Error, c: Context<ApiEnv>): boolean {
  const signal = c.get('signal') ?? c.req.raw.signal;
  return signal.aborted && (error === signal.reason || error.name === 'AbortError' || error.name === 'TimeoutError');
}

async function fromHttpException(error: HTTPException, c: Context<ApiEnv>): Promise<Response> {
  const given = error.res;
  // A response already in the API's format (one of these middlewares built it) is passed on as it is.
  if (given?.headers.get('Content-Type') === PROBLEM_CONTENT_TYPE) return given;
  const headers = new Headers(given?.headers);
  headers.delete('Content-Type');
  headers.delete('Content-Length');
  // Hono's own exceptions carry their text in the response when the message is empty (bodyLimit's "Payload Too
  // Large"); neither is a stack or an internal, both were written to be shown.
  const detail = error.message !== '' ? error.message : given === undefined ? '' : await given.text();
  return problem(c, error.status, detail === '' ? {} : { detail }, headers);
}

export function problemErrorHandler(options: ErrorHandlingOptions = {}): ErrorHandler<ApiEnv> {
  const sink = options.sink ?? stderrSink;
  const date = options.date ?? (() => new Date());
  return async function onError(error, c) {
    if (error instanceof HTTPException) return fromHttpException(error, c);
    if (isAbort(error, c)) {
      return problem(c, 503, { detail: 'The request was stopped before it finished (time limit or client gone).' });
    }
    const classified = options.classify?.(error);
    if (classified !== undefined) return problem(c, classified.status, classified.fields ?? {});
    writeLog(sink, {
      time: date().toISOString(),
      level: 'error',
      request_id: c.get('requestId') ?? null,
      method: c.req.method,
      route: routeOf(c),
      path: loggedTarget(c.req.url),
      error: `${error.name}: ${error.message}`,
      stack: error.stack ?? null,
    });
    return problem(c, 500, { detail: INTERNAL_ERROR_DETAIL });
  };
}

/** 404 for a path no route declares. The path is not quoted back: the client knows what it asked for. */
export function problemNotFound(): NotFoundHandler<ApiEnv> {
  return function notFound(c) {
    return problem(c, 404, { detail: `No endpoint answers ${c.req.method} at this path.` });
  };
}

/** Mounts both on `app`. */
export function installErrorHandlers<E extends ApiEnv>(app: Hono<E>, options: ErrorHandlingOptions = {}): void {
  app.onError(problemErrorHandler(options) as unknown as ErrorHandler<E>);
  app.notFound(problemNotFound() as unknown as NotFoundHandler<E>);
}

/** The outcome of a request validation, as @hono/zod-openapi and @hono/zod-validator hand it to a hook. */
export interface ValidationResult {
  success: boolean;
  target: string;
  error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
}

/**
 * The `defaultHook` of an OpenAPIHono app (`new OpenAPIHono({ defaultHook: validationProblemHook })`): a request
 * that fails its route's schema is answered 400 with a problem listing each issue (where, which field, what),
 * instead of the library's default body, so a client sees one error format whatever failed.
 */
export function validationProblemHook(result: ValidationResult, c: Context): Response | undefined {
  if (result.success) return undefined;
  const errors = (result.error?.issues ?? []).map((issue) => ({
    in: result.target,
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return problem(c as Context<ApiEnv>, 400, { detail: `The request's ${result.target} is not valid.`, errors });
}
