/**
 * GET /v1/runs and GET /v1/runs/{run_id}: the recorded runs and reprocesses (`computation_runs`), newest first.
 * The CLI has no listing of runs: the JSON is the table's columns under their own names, times in ISO 8601 UTC,
 * without `owner` (the host and process that ran it: the server's business, not a client's).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ComputationRun } from '../../warehouse/runs.js';
import { RUN_KINDS, RUN_STATUSES } from '../../warehouse/schema.js';
import type { LakeAccess } from '../lake-access.js';
import { ApiProblem } from '../problem.js';
import { jsonContent, NOT_FOUND, PROBLEMS } from './responses.js';

const RunSchema = z
  .object({
    run_id: z.string(),
    kind: z.enum(RUN_KINDS),
    status: z.enum(RUN_STATUSES),
    started_at: z.string().openapi({ format: 'date-time' }),
    finished_at: z.string().nullable().openapi({ format: 'date-time' }),
    heartbeat_at: z.string().nullable().openapi({ format: 'date-time' }),
    computation_version: z.string(),
    source: z.string(),
    tickers: z.array(z.string()),
    summary: z.record(z.string(), z.unknown()).nullable().openapi({
      description: "the run's summary as `run --json` / `reprocess --json` printed it (null while running)",
    }),
  })
  .openapi('Run');

/** A run id (runs are given UUIDs); refused before the database is asked when it cannot be one. */
const RunIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be a run id (letters, digits, _ . : -)')
  .openapi({ param: { name: 'run_id', in: 'path' }, example: '0b7c5d7e-4f1a-4f7e-9a51-2d9c1f6f0c11' });

export const DEFAULT_RUNS_LIMIT = 50;
export const MAX_RUNS_LIMIT = 1000;

const runs = createRoute({
  method: 'get',
  path: '/v1/runs',
  summary: 'the recorded runs and reprocesses, newest first',
  request: {
    query: z.object({
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_RUNS_LIMIT)
        .default(DEFAULT_RUNS_LIMIT)
        .openapi({ description: `at most this many (default ${DEFAULT_RUNS_LIMIT})` }),
    }),
  },
  responses: { 200: jsonContent(z.object({ runs: z.array(RunSchema) }), 'the runs, newest first'), ...PROBLEMS },
});

const run = createRoute({
  method: 'get',
  path: '/v1/runs/{run_id}',
  summary: 'one run',
  request: { params: z.object({ run_id: RunIdParam }) },
  responses: { 200: jsonContent(RunSchema, 'the run'), ...PROBLEMS, ...NOT_FOUND },
});

export function runDocument(found: ComputationRun): z.infer<typeof RunSchema> {
  return {
    run_id: found.runId,
    kind: found.kind,
    status: found.status,
    started_at: found.startedAt.toISOString(),
    finished_at: found.finishedAt?.toISOString() ?? null,
    heartbeat_at: found.heartbeatAt?.toISOString() ?? null,
    computation_version: found.computationVersion,
    source: found.source,
    tickers: found.tickers,
    summary: found.summary,
  };
}

export function registerRunRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(runs, async (c) => {
    const { limit } = c.req.valid('query');
    const { listRuns } = await import('../../warehouse/runs.js');
    const found = await access.withDatabase(({ warehouse }) => listRuns(warehouse.db, limit));
    return c.json({ runs: found.map(runDocument) }, 200);
  });

  app.openapi(run, async (c) => {
    const { run_id: runId } = c.req.valid('param');
    const { getRun } = await import('../../warehouse/runs.js');
    const found = await access.withDatabase(({ warehouse }) => getRun(warehouse.db, runId));
    if (found === undefined) throw new ApiProblem(404, 'not-found', 'Not found', `no run ${runId}`);
    return c.json(runDocument(found), 200);
  });
}
