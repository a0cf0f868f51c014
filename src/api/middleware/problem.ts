/**
 * Error responses as `application/problem+json` (RFC 9457): every refusal of every middleware and handler has the
 * same shape, so a client reads `status`, `title` and `detail` whatever went wrong. The body is redacted
 * (src/secrets.ts): a detail built from an error message could otherwise carry a password a driver echoed.
 */
import type { Context } from 'hono';
import { redactDeep } from '../../secrets.js';
import type { ApiEnv } from './types.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** What `new Headers()` takes (the DOM's `HeadersInit`, not a global in this project's type set). */
export type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** The members of a problem document (RFC 9457 section 3); extension members are allowed beside them. */
export interface ProblemFields {
  /** A URI naming the kind of problem; `about:blank` (the default) says the status's title is all there is. */
  type?: string;
  /** A short summary of the kind of problem; the status's reason phrase by default. */
  title?: string;
  /** What went wrong with this request, for a human. */
  detail?: string;
  /** Extension members (`request_id`, `errors`, ...): snake_case, as the rest of the API's JSON. */
  [extension: string]: unknown;
}

/** The reason phrases of the statuses the API answers with (RFC 9110), the default `title`. */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** A problem response without a context (for code that has none, such as a test or a server-level handler). */
export function problemResponse(status: number, fields: ProblemFields = {}, headers?: HeadersInit): Response {
  const { type, title, detail, ...extensions } = fields;
  const body = redactDeep({
    type: type ?? 'about:blank',
    title: title ?? statusTitle(status),
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extensions,
  });
  const responseHeaders = new Headers(headers);
  responseHeaders.set('Content-Type', PROBLEM_CONTENT_TYPE);
  return new Response(JSON.stringify(body), { status, headers: responseHeaders });
}

/**
 * A problem response for the request of `c`, quoting its request id (`request_id`) when `requestId()` set one, so a
 * user can hand the id to whoever reads the logs.
 */
export function problem(c: Context<ApiEnv>, status: number, fields: ProblemFields = {}, headers?: HeadersInit) {
  const requestId = c.get('requestId');
  return problemResponse(status, requestId === undefined ? fields : { ...fields, request_id: requestId }, headers);
}
