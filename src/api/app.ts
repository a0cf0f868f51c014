/**
 * The HTTP API (docs/design.md "The HTTP API"): an OpenAPIHono app whose every route is declared once
 * (createRoute with zod schemas), so the OpenAPI 3.1 document at `/openapi.json` and the validation of requests
 * can never disagree. Reads go through the same code as the CLI's (src/lake-scan/lake-reader.ts, DataLake,
 * src/sql/lake-session.ts); the server never holds the embedded home's database (src/api/lake-access.ts).
 *
 * The order of the middlewares, outermost first: the guards (`options.guards`, src/api/middleware: request id, the
 * request log, metrics, CORS, bearer tokens, the rate limit, time and size limits, and /metrics), the caller's
 * (`options.middleware`), the conditional answers (304), compression, the entity tags, then the routes. All are
 * mounted before any route, so that they see every request. Every error becomes a problem document (problem.ts).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono, MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Config } from '../config.js';
import {
  applyMiddleware,
  type Counter,
  DEFAULT_EXEMPT_PATHS,
  type ApiEnv,
  type ApiMiddlewareOptions,
} from './middleware/index.js';
import { PRODUCER_VERSION } from '../version.js';
import { databaseGauges } from './gauges.js';
import { conditionalAnswers, entityTags } from './http-cache.js';
import { LakeAccess } from './lake-access.js';
import type { RunSummary } from '../pipeline/daily-run.js';
import type { Runtime } from '../runtime.js';
import { type RunHooks, ServedRuns, type ServedRunsOptions } from './served-runs.js';
import { ApiProblem, INTERNAL_PROBLEM, problemOf, problemResponse } from './problem.js';
import { registerDiffRoutes } from './routes/diff.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerIndicatorSeriesRoutes } from './routes/indicator-series.js';
import { registerObjectRoutes } from './routes/objects.js';
import { API_PAGE_PATH, registerPageRoutes } from './routes/page.js';
import { registerPriceRoutes } from './routes/prices.js';
import { DEFAULT_SQL_SETTINGS, registerSqlRoutes, type SqlSettings } from './routes/sql.js';
import { registerQualityRoutes } from './routes/quality.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerStaleRoutes } from './routes/stale.js';
import { registerTickerRoutes } from './routes/tickers.js';

export interface ApiOptions {
  config: Config;
  /** Where MARKETLAKE_LAKE_READS is read (default: the process's environment). */
  env?: NodeJS.ProcessEnv;
  /** POST /v1/sql: on, with `marketlake sql`'s limits, unless said otherwise. */
  sql?: Partial<SqlSettings>;
  /** The guards and operations middlewares (src/api/middleware); `false`: none (tests of the routes alone). */
  guards?: ApiMiddlewareOptions | false;
  /** Mounted after the guards, in order, for every path (see above). */
  middleware?: readonly MiddlewareHandler[];
  /** Where a bug is reported (its stack never reaches a client); default stderr. */
  logError?: (error: unknown) => void;
  /**
   * The daily job, when the server runs it (`serve --schedule`): the server then owns the database (LakeAccess),
   * runs the job on the schedule and on `POST /v1/runs` (src/api/served-runs.ts), and stops it when it closes.
   */
  dailyJob?: ServedDailyJob;
}

export interface ServedDailyJob extends Omit<ServedRunsOptions, 'run'> {
  /** One run on the server's runtime (its lake and database). */
  run: (runtime: Runtime, hooks: RunHooks) => Promise<RunSummary>;
}

export interface ApiApp {
  app: OpenAPIHono;
  /** The daily job's runs, when the server runs it. */
  runs?: ServedRuns;
  /**
   * Opens what the server must hold before it listens: the database it owns, when it runs the daily job (an
   * embedded home held by another process is refused here, before any request). The schedule is `runs.start()`.
   */
  open(): Promise<void>;
  /**
   * Stops the schedule and the daily job's run in progress (it ends interrupted, `reason` the signal that closes
   * the server) and waits for it, while requests are still answered (a client following the run sees its end).
   */
  stopRuns(reason?: string): Promise<void>;
  /** Stops the runs (as stopRuns), then closes what the app opened. */
  close(): Promise<void>;
}

export const OPENAPI_PATH = '/openapi.json';

/** The problems (problem.ts) that are the lake's failures, counted by `marketlake_lake_errors_total`. */
const LAKE_PROBLEMS: ReadonlySet<string> = new Set(['lake-unavailable', 'lake-error']);

/** Answers of 500 and over that are no failure of the server's, so not logged as errors (see onError). */
const EXPECTED_PROBLEMS: ReadonlySet<string> = new Set(['database-busy']);

/** The OpenAPI security scheme of the bearer tokens (the API page's "Authorize" names it; api-page.js too). */
export const BEARER_SCHEME = 'bearerAuth';

/**
 * Served without a token: the health checks, the web page and the API page with their files, and the OpenAPI
 * document, which describes the routes and holds no lake data (the API page must read it before the user can
 * authorize; it says which scheme /v1 needs).
 */
export const PUBLIC_PATHS: readonly string[] = [...DEFAULT_EXEMPT_PATHS, '/', API_PAGE_PATH, '/assets/*', OPENAPI_PATH];

export function createApiApp(options: ApiOptions): ApiApp {
  const job = options.dailyJob;
  const access = new LakeAccess(options.config, options.env, { ownsDatabase: job !== undefined });
  const runs =
    job === undefined
      ? undefined
      : new ServedRuns({ ...job, run: async (hooks) => job.run(await access.shared(), hooks) });
  const logError =
    options.logError ?? ((error: unknown) => process.stderr.write(`marketlake serve: ${stackOf(error)}\n`));
  const app = new OpenAPIHono({
    // A request that does not match its route's schemas: which parameter, and why, as a 400 problem document.
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      const detail = result.error.issues
        .map((issue) => `${[result.target, ...issue.path.map(String)].join('.')}: ${issue.message}`)
        .join('; ');
      return problemResponse(c, new ApiProblem(400, 'invalid-request', 'Invalid request', detail));
    },
  });

  // The guards install error handlers of their own; the app's, set below, replace them (they know its problems).
  // The routes need none of the guards' context variables, so the app keeps Hono's default environment type.
  // The page and its files hold no lake data: served without a token (its reads of /v1 need one when tokens are
  // configured) and not counted by the rate limit.
  let lakeErrors: Counter | undefined;
  if (options.guards !== false) {
    const guards = options.guards ?? {};
    const gauges = [...(guards.gauges ?? []), ...databaseGauges(access)];
    const { registry } = applyMiddleware(app as unknown as Hono<ApiEnv>, {
      exemptPaths: PUBLIC_PATHS,
      ...guards,
      gauges,
    });
    lakeErrors = registry.counter({
      name: 'marketlake_lake_errors_total',
      help: 'Requests the lake failed: it did not answer (lake-unavailable) or held a damaged object (lake-error).',
      labelNames: ['problem'],
    });
  }
  for (const middleware of options.middleware ?? []) app.use('*', middleware);
  app.use('*', conditionalAnswers);
  app.use('*', compress());
  app.use('*', entityTags);

  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own refusals (a malformed JSON body, a missing Content-Type): the client's, said as a problem.
      const status = error.status as ContentfulStatusCode;
      return problemResponse(c, new ApiProblem(status, 'invalid-request', 'Invalid request', error.message));
    }
    const problem = problemOf(error);
    if (problem !== undefined && LAKE_PROBLEMS.has(problem.slug)) lakeErrors?.inc({ problem: problem.slug });
    // A busy embedded database is expected while a run writes (the request log has its 503): no stack for it.
    if (problem === undefined || (problem.status >= 500 && !EXPECTED_PROBLEMS.has(problem.slug))) logError(error);
    return problemResponse(c, problem ?? INTERNAL_PROBLEM);
  });
  app.notFound((c) =>
    problemResponse(c, new ApiProblem(404, 'not-found', 'Not found', `no route ${c.req.method} ${c.req.path}`)),
  );

  const tokens = options.guards === false ? [] : (options.guards?.tokens ?? []);
  registerHealthRoutes(app, access);
  registerTickerRoutes(app, access);
  registerPriceRoutes(app, access);
  registerIndicatorSeriesRoutes(app, access);
  registerObjectRoutes(app, access);
  registerStaleRoutes(app, access);
  registerRunRoutes(app, access, { ...(runs ? { served: runs } : {}), tokens: tokens.length > 0 });
  registerQualityRoutes(app, access);
  registerDiffRoutes(app, access);
  registerSqlRoutes(app, access, { ...DEFAULT_SQL_SETTINGS, ...options.sql });
  // The web page and its files: plain routes, left out of the OpenAPI document (they are not the API).
  registerPageRoutes(app);

  // With tokens, /v1 needs `Authorization: Bearer`: the document says so, and the API page offers "Authorize".
  if (tokens.length > 0) {
    app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: 'one of the tokens the server was started with (MARKETLAKE_API_TOKENS or --tokens-file)',
    });
  }
  // Built once, at the first request (every route is registered by then): the document is public, and making it
  // costs milliseconds of CPU a request, which no one may make the server spend at will.
  let document: string | undefined;
  app.get(OPENAPI_PATH, (c) => {
    document ??= JSON.stringify(
      app.getOpenAPI31Document({
        ...(tokens.length > 0 ? { security: [{ [BEARER_SCHEME]: [] }] } : {}),
        openapi: '3.1.0',
        info: {
          title: 'marketlake',
          version: PRODUCER_VERSION,
          description: 'Reads of a marketlake lake: its objects, their versions and lineage, and SQL over its tables.',
        },
      }),
    );
    return c.body(document, 200, { 'Content-Type': 'application/json' });
  });

  return {
    app,
    ...(runs ? { runs } : {}),
    open: async () => {
      if (job !== undefined) await access.shared();
    },
    stopRuns: async (reason) => {
      await runs?.close(reason);
    },
    close: async () => {
      try {
        await runs?.close();
      } finally {
        await access.close();
      }
    },
  };
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
