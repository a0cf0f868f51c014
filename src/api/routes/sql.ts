/**
 * POST /v1/sql: one SELECT over the lake's tables, run as `marketlake sql` runs it on DuckDB (src/sql/lake-session.ts:
 * the same local copy of the table files, the same confined session, the same single-SELECT rule), answered as
 * `sql --json` (an array of row objects) or `sql --csv`. The server's limits bound every query; a request may ask
 * for less. Turned off (`serve --no-sql`), it answers 403.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { toJson } from '../../sql/output-formats.js';
import { tablesCacheDir } from '../../tables/cache-dir.js';
import { chosenFormat, csvResponse, jsonTextResponse } from '../formats.js';
import type { LakeAccess } from '../lake-access.js';
import { ApiProblem } from '../problem.js';
import { FormatQuery, SqlRequestSchema } from '../schemas.js';
import { serialized } from '../serial.js';
import { PROBLEMS, SQL_PROBLEMS } from './responses.js';

export interface SqlSettings {
  enabled: boolean;
  /** The longest a query may run, and the most rows it may return (`marketlake sql`'s defaults: 60 s, 100 000). */
  timeLimitMs: number;
  maxRows: number;
}

export const DEFAULT_SQL_SETTINGS: SqlSettings = { enabled: true, timeLimitMs: 60_000, maxRows: 100_000 };

const sql = createRoute({
  method: 'post',
  path: '/v1/sql',
  summary: "one SELECT over the lake's tables and views, confined as the CLI's sql command is",
  request: {
    query: z.object({ format: FormatQuery }),
    body: { required: true, content: { 'application/json': { schema: SqlRequestSchema } } },
  },
  responses: {
    200: {
      description: 'the rows: a JSON array of objects keyed by column (as `sql --json`), or CSV (as `sql --csv`)',
      content: {
        'application/json': { schema: z.array(z.record(z.string(), z.unknown())) },
        'text/csv': { schema: z.string() },
      },
    },
    ...PROBLEMS,
    ...SQL_PROBLEMS,
  },
});

export function registerSqlRoutes(app: OpenAPIHono, access: LakeAccess, settings: SqlSettings): void {
  // Two refreshes of the local copy at once would write the same temporary files; queries then run side by side.
  const oneRefreshAtATime = serialized();
  app.openapi(sql, async (c) => {
    if (!settings.enabled) {
      throw new ApiProblem(
        403,
        'sql-disabled',
        'SQL turned off',
        'this server does not run SQL (started with --no-sql)',
      );
    }
    const request = c.req.valid('json');
    const format = chosenFormat(c, c.req.valid('query').format);
    const store = await access.lakeStore();
    const { openLakeSession } = await import('../../sql/lake-session.js');
    const { session } = await oneRefreshAtATime(() =>
      openLakeSession({
        store,
        cacheRoot: tablesCacheDir(access.config, store),
        query: request.query,
        timeLimitMs: Math.min(settings.timeLimitMs, (request.timeout_seconds ?? Infinity) * 1000),
        maxRows: Math.min(settings.maxRows, request.max_rows ?? Infinity),
      }),
    );
    try {
      const result = await session.query(request.query);
      return format === 'csv' ? csvResponse(c, result) : jsonTextResponse(c, toJson(result));
    } finally {
      session.close();
    }
  });
}
