/**
 * GET /v1/runs and GET /v1/runs/{run_id}: the recorded runs and reprocesses (`computation_runs`), newest first.
 * The CLI has no listing of runs: the JSON is the table's columns under their own names, times in ISO 8601 UTC,
 * without `owner` (the host and process that ran it: the server's business, not a client's).
 *
 * POST /v1/runs starts the daily job in the server (`serve --schedule`, src/api/served-runs.ts): 202 with the run's
 * id once it is recorded, 409 while one runs, 403 on a server that does not run the job. It needs a JSON body
 * (`{}` at least): a web page of another origin cannot send one without the CORS preflight the server refuses.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ComputationRun } from '../../warehouse/runs.js';
import { RUN_KINDS, RUN_STATUSES } from '../../warehouse/schema.js';
import type { LakeAccess } from '../lake-access.js';
import { ApiProblem } from '../problem.js';
import { TickerParam } from '../schemas.js';
import type { ServedRuns } from '../served-runs.js';
import { jsonContent, NOT_FOUND, PROBLEMS, RUN_PROBLEMS } from './responses.js';

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

/** The most tickers one request may name (the sample universe is 500; a run of more takes a universe file). */
export const MAX_TRIGGER_TICKERS = 10_000;

const RunRequestSchema = z
  .object({
    tickers: z
      .array(TickerParam.openapi({ param: undefined }))
      .min(1)
      .max(MAX_TRIGGER_TICKERS)
      // `nvda` and `NVDA` are one instrument, fetched once (as `--tickers` takes them).
      .transform((tickers) => [...new Set(tickers)])
      .optional()
      .openapi({
        description: "the tickers of this run (default: the job's own, as `serve` was started)",
        example: ['NVDA', '^GSPC'],
      }),
  })
  .strict()
  .openapi('RunRequest');

const RunStartedSchema = z
  .object({
    run_id: z.string(),
    status: z.literal('running'),
    location: z.string().openapi({ description: 'where the run is followed: GET /v1/runs/{run_id}' }),
  })
  .openapi('RunStarted');

const startRun = createRoute({
  method: 'post',
  path: '/v1/runs',
  summary: "start the daily job in the server (serve --schedule); follow it at the answer's location",
  request: { body: { required: true, content: { 'application/json': { schema: RunRequestSchema } } } },
  responses: {
    202: {
      description: 'the run started and is recorded',
      headers: z.object({ Location: z.string() }),
      content: { 'application/json': { schema: RunStartedSchema } },
    },
    ...RUN_PROBLEMS,
    ...PROBLEMS,
  },
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

/** Whether a Host header names this machine's loopback (a name or address), whatever the port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export interface RunRouteOptions {
  /** The daily job, when the server runs it (`serve --schedule`). */
  served?: ServedRuns;
  /** Whether requests need a token; without, a run is started only for a request to a loopback host name. */
  tokens: boolean;
}

export function registerRunRoutes(app: OpenAPIHono, access: LakeAccess, options: RunRouteOptions): void {
  const { served } = options;
  app.openapi(startRun, async (c) => {
    // Without tokens the server listens on loopback only, but a page of another site can still reach it through
    // a name that resolves to 127.0.0.1 (DNS rebinding): its requests carry that name as their Host.
    if (!options.tokens && !isLoopbackHost(c.req.header('Host'))) {
      const detail = 'without API tokens, runs are started only by requests to a loopback host (127.0.0.1, localhost)';
      throw new ApiProblem(403, 'forbidden-host', 'Forbidden host', detail);
    }
    // The validator reads a body only when it is declared JSON; without, nothing would be checked, and a page of
    // another origin could start runs by a plain form post (which needs no CORS preflight).
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('Content-Type') ?? '')) {
      const detail = 'the request must have a JSON body (Content-Type: application/json), {} at least';
      throw new ApiProblem(415, 'invalid-request', 'Invalid request', detail);
    }
    const { tickers } = c.req.valid('json');
    if (served === undefined) {
      const detail = 'this server does not run the daily job: start it with `marketlake serve --schedule CRON`';
      throw new ApiProblem(403, 'runs-not-served', 'Runs not served', detail);
    }
    if (served.closing)
      throw new ApiProblem(503, 'server-closing', 'Server closing', 'the server is closing: it starts no new run', {
        'Retry-After': '60',
      });
    const answer = await served.trigger('request', tickers);
    if (!answer.started) {
      const which = answer.runningRunId === undefined ? 'a run is starting' : `run ${answer.runningRunId} is running`;
      throw new ApiProblem(409, 'run-in-progress', 'Run in progress', `${which}: one run at a time`);
    }
    const location = `/v1/runs/${answer.runId}`;
    return c.json({ run_id: answer.runId, status: 'running' as const, location }, 202, { Location: location });
  });

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
