/**
 * GET /v1/diff: the results of two computation versions computed from the same raw snapshots, compared, as
 * `marketlake diff --json` prints the report (src/diff diffVersions).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { ApiProblem } from '../problem.js';
import type { LakeAccess } from '../lake-access.js';
import { CliDocument, ComputationVersionQuery, IsoDate, TickerListQuery } from '../schemas.js';
import { jsonContent, PROBLEMS } from './responses.js';

const DiffReportSchema = CliDocument.openapi('DiffReport', {
  description:
    'as `marketlake diff --json` prints it: from, to, date, tickers, tolerance, pairs and unpaired per kind, ' +
    'and fields (one entry per field with its statistics)',
});

const diff = createRoute({
  method: 'get',
  path: '/v1/diff',
  summary: 'compare the results of two computation versions computed from the same raw snapshots',
  request: {
    query: z.object({
      from: ComputationVersionQuery,
      to: ComputationVersionQuery,
      tickers: TickerListQuery.optional(),
      date: IsoDate.optional(),
    }),
  },
  responses: { 200: jsonContent(DiffReportSchema, 'the report'), ...PROBLEMS },
});

export function registerDiffRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(diff, async (c) => {
    const { from, to, tickers, date } = c.req.valid('query');
    if (from === to) {
      // diffVersions refuses it too, but as the CLI's usage error; here it is the request's.
      throw new ApiProblem(400, 'invalid-request', 'Invalid request', `from and to are the same version (${from})`);
    }
    const { diffVersions } = await import('../../diff/index.js');
    const report = await access.withDatabase(({ lake, warehouse }) =>
      diffVersions({ lake, warehouse, from, to, ...(tickers ? { tickers } : {}), ...(date ? { date } : {}) }),
    );
    return c.json(report as unknown as Record<string, unknown>, 200);
  });
}
