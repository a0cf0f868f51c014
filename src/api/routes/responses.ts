/** The answers every route may give besides its own: the problem documents (src/api/problem.ts). */
import type { z } from '@hono/zod-openapi';
import { PROBLEM_CONTENT_TYPE } from '../problem.js';
import { ProblemSchema } from '../schemas.js';

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

export const PROBLEMS = {
  400: problem('the request does not match this route (a bad ticker, key, date or parameter)'),
  500: problem('the server failed to answer (its log says why); never for a bad request'),
  503: problem('the lake, or the database a read needs, cannot answer now'),
} as const;

export const NOT_FOUND = { 404: problem('no such ticker, object or version in the lake') } as const;

export const NOT_ACCEPTABLE = { 406: problem('the format asked for is not offered for this object') } as const;

export const SQL_PROBLEMS = {
  403: problem('SQL is turned off on this server (serve --no-sql)'),
  422: problem("the query ran into the server's time or row limit (or the request's own)"),
} as const;

export const RUN_PROBLEMS = {
  403: problem(
    'this server does not run the daily job (start it with serve --schedule), or, without API tokens, the request ' +
      'was not addressed to a loopback host',
  ),
  409: problem('a run is in progress: its id is in the detail'),
  415: problem('the request has no JSON body (Content-Type: application/json; {} at least)'),
} as const;

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
