/**
 * GET /v1/stale: the latest results a recomputation would change, and why, as `marketlake stale --json` prints
 * them (src/staleness findStale, over the database and the lake). The current computation version is the query's,
 * else the server's (MARKETLAKE_COMPUTATION_VERSION, else 1.0), as for the CLI.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { currentComputationVersion } from '../../staleness/versions.js';
import type { LakeAccess } from '../lake-access.js';
import { CliDocument, ComputationVersionQuery, TickerListQuery } from '../schemas.js';
import { jsonContent, PROBLEMS } from './responses.js';

const StaleResultSchema = CliDocument.openapi('StaleResult', {
  description:
    'as `marketlake stale --json` lists them: key, version_id, ticker, kind, as_of, computation_version, ' +
    'source_raw_key, source_raw_version_id, newest_raw_key, newest_raw_version_id, reasons',
});

const stale = createRoute({
  method: 'get',
  path: '/v1/stale',
  summary: 'the latest results that are stale (an older computation version, or restated bars in their window)',
  request: {
    query: z.object({
      computation_version: ComputationVersionQuery.optional(),
      ticker: TickerListQuery.optional(),
    }),
  },
  responses: {
    200: jsonContent(z.array(StaleResultSchema), 'the stale results, by ticker, kind and date'),
    ...PROBLEMS,
  },
});

export function registerStaleRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(stale, async (c) => {
    const { computation_version: asked, ticker } = c.req.valid('query');
    const computationVersion = currentComputationVersion(asked);
    const { findStale } = await import('../../staleness/index.js');
    const found = await access.withDatabase(({ lake, warehouse }) =>
      findStale({ warehouse, lake, computationVersion, ...(ticker ? { tickers: ticker } : {}) }),
    );
    return c.json(found as unknown as Record<string, unknown>[], 200);
  });
}
