/**
 * GET /v1/quality and GET /v1/quality/{ticker}/history: the data-quality verdicts the runs stored, as rows of the
 * `quality` table (`marketlake sql "SELECT * FROM quality"`), read from the lake's quality objects
 * (src/api/quality-verdicts.ts), so they answer while a run holds an embedded home. CSV too.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { TableRow } from '../../tables/rows.js';
import { tableSchema } from '../../tables/schema.js';
import { chosenFormat, csvResponse, type Format, rowsAsResult } from '../formats.js';
import type { LakeAccess } from '../lake-access.js';
import { storedVerdicts, type VerdictFilter } from '../quality-verdicts.js';
import { FormatQuery, IsoDate, TickerParam } from '../schemas.js';
import { PROBLEMS } from './responses.js';

const QUALITY_COLUMNS = [
  ...tableSchema('quality').columns.map((column) => column.name),
  tableSchema('quality').partition.name,
];

const VerdictSchema = z
  .object({
    ticker: z.string(),
    market: z.string(),
    check_id: z.string(),
    severity: z.enum(['error', 'warn']),
    passed: z.boolean(),
    observed: z.string().openapi({ description: 'what was seen, as JSON text' }),
    expected: z.string().openapi({ description: 'what the threshold allows, as JSON text' }),
    details: z.string(),
    as_of: z.string().nullable(),
    raw_key: z.string().nullable(),
    raw_version_id: z.string().nullable(),
    raw_sha256: z.string().nullable(),
    policy: z.enum(['block', 'warn']),
    checked_at: z.string().openapi({ format: 'date-time' }),
    computation_version: z.string(),
    quality_key: z.string(),
    run_id: z.string(),
    run_date: z.string().openapi({ format: 'date' }),
  })
  .openapi('QualityVerdict', { description: 'one check on one ticker in one run: a row of the `quality` table' });

const verdictAnswers = {
  200: {
    description: 'the verdicts, by run date, run, ticker and check (CSV: the same columns)',
    content: {
      'application/json': { schema: z.object({ verdicts: z.array(VerdictSchema) }) },
      'text/csv': { schema: z.string() },
    },
  },
  ...PROBLEMS,
};

const Failed = z.enum(['true', 'false']).optional().openapi({ description: 'true: only the checks that did not pass' });
const RunId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/, 'must be a run id (letters, digits, - and _)')
  .optional();

const quality = createRoute({
  method: 'get',
  path: '/v1/quality',
  summary: 'the data-quality verdicts the runs stored',
  request: {
    query: z.object({
      ticker: TickerParam.optional().openapi({ param: { name: 'ticker', in: 'query' } }),
      date: IsoDate.optional().openapi({ description: "the run's UTC date" }),
      run_id: RunId,
      failed: Failed,
      format: FormatQuery,
    }),
  },
  responses: verdictAnswers,
});

const history = createRoute({
  method: 'get',
  path: '/v1/quality/{ticker}/history',
  summary: "one ticker's data-quality verdicts over every run",
  request: { params: z.object({ ticker: TickerParam }), query: z.object({ failed: Failed, format: FormatQuery }) },
  responses: verdictAnswers,
});

function verdictsAnswer(c: Context, rows: TableRow[], format: Format): Response {
  if (format === 'csv') return csvResponse(c, rowsAsResult(rows, QUALITY_COLUMNS));
  return c.json({ verdicts: rows }, 200);
}

export function registerQualityRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(quality, async (c) => {
    const { ticker, date, run_id: runId, failed, format } = c.req.valid('query');
    const chosen = chosenFormat(c, format);
    const filter: VerdictFilter = { ticker, date, runId, failed: failed === 'true' };
    const rows = await storedVerdicts(await access.lakeStore(), filter);
    return verdictsAnswer(c, rows, chosen);
  });

  app.openapi(history, async (c) => {
    const { ticker } = c.req.valid('param');
    const { failed, format } = c.req.valid('query');
    const chosen = chosenFormat(c, format);
    const rows = await storedVerdicts(await access.lakeStore(), { ticker, failed: failed === 'true' });
    return verdictsAnswer(c, rows, chosen);
  });
}
