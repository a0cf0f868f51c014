/**
 * Errors as RFC 9457 problem documents (`application/problem+json`: type, title, status, detail). The detail is
 * the error's message for what a client can act on (a bad key, an unknown ticker, a refused query), redacted of
 * every known secret (src/secrets.ts); anything else is a bug, answered with a fixed sentence and logged with
 * its stack, which never reaches the client.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { UserError } from '../errors.js';
import { UndecodableBodyError } from '../lake/compression.js';
import { LakeObjectNotFoundError } from '../lake/data-lake.js';
import { InvalidKeyError } from '../lake/keys.js';
import { InvalidTickerError } from '../market/ticker.js';
import { redact } from '../secrets.js';
import { SqlError } from '../sql/sql-error.js';
import { CorruptObjectError, InvalidObjectKeyError, ObjectNotFoundError, ObjectStoreError } from '../storage/errors.js';
import { DataDirectoryInUseError } from '../warehouse/pglite/lock.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The `type` URIs: relative references (RFC 9457 section 3.1.1) naming marketlake's kinds of problem. */
const TYPE_BASE = '/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** A problem the API answers on purpose (validation, an unknown object, a turned-off endpoint). */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    detail: string,
    /** Headers the answer carries (Retry-After for a busy database). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export function problemResponse(c: Context, problem: ApiProblem): Response {
  const body: Problem = {
    type: TYPE_BASE + problem.slug,
    title: problem.title,
    status: problem.status,
    detail: redact(problem.message),
  };
  return c.body(JSON.stringify(body), problem.status, { ...problem.headers, 'Content-Type': PROBLEM_CONTENT_TYPE });
}

/** What a thrown error means to a client; `undefined` for a bug (the caller logs it and answers 500). */
export function problemOf(error: unknown): ApiProblem | undefined {
  if (error instanceof ApiProblem) return error;
  if (
    error instanceof InvalidKeyError ||
    error instanceof InvalidTickerError ||
    error instanceof InvalidObjectKeyError
  ) {
    return new ApiProblem(400, 'invalid-request', 'Invalid request', error.message);
  }
  if (error instanceof LakeObjectNotFoundError || error instanceof ObjectNotFoundError) {
    return new ApiProblem(404, 'not-found', 'Not found', error.message);
  }
  if (error instanceof SqlError) {
    // A query the client can fix is its request's fault; one stopped at a limit was valid but too big for this server.
    return error.reason === 'time-limit' || error.reason === 'row-limit'
      ? new ApiProblem(422, 'query-limit', 'Query beyond the limits', error.message)
      : new ApiProblem(400, 'query-refused', 'Query refused', error.message);
  }
  if (error instanceof DataDirectoryInUseError) {
    // Only a read the lake alone cannot answer opens the embedded database: a run holds it for its duration.
    return new ApiProblem(
      503,
      'database-busy',
      'Database busy',
      'this read needs the embedded database, which a run holds now; try again once the run is over',
      { 'Retry-After': '30' },
    );
  }
  if (error instanceof CorruptObjectError) {
    // Not "unavailable": asking again will not help. The detail names the key, never the server's file path.
    return new ApiProblem(500, 'lake-error', 'Lake error', `the object ${error.key} is damaged: ${error.reason}`);
  }
  if (error instanceof ObjectStoreError && !(error instanceof UndecodableBodyError)) {
    // The store's message says where the lake is (a folder, an endpoint) and what the system said: for the log
    // (a 503 is logged), not for a client.
    const what = error.key === undefined ? '' : ` reading ${error.key}`;
    return new ApiProblem(503, 'lake-unavailable', 'Lake unavailable', `the lake failed${what}; see the server's log`);
  }
  if (error instanceof UserError) {
    // The lake holds something the reader cannot take (a damaged or undecodable object, a foreign document): not
    // the request's fault.
    return new ApiProblem(500, 'lake-error', 'Lake error', error.message);
  }
  return undefined;
}

/** The answer to a bug: a fixed sentence, never the error's message or stack. */
export const INTERNAL_PROBLEM = new ApiProblem(
  500,
  'internal-error',
  'Internal error',
  'the server failed to answer this request; its log says why',
);
