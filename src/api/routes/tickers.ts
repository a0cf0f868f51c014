/**
 * GET /v1/tickers: every ticker the lake holds an object of, with the kinds it has (JSON or CSV); `?limit=N`: the
 * first N by symbol, which the listing finds without walking every ticker's folders (the web page's first view).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { listLakeTickers } from '../../lake/tickers.js';
import { chosenFormat, csvResponse, rowsAsResult } from '../formats.js';
import type { LakeAccess } from '../lake-access.js';
import { FormatQuery, TickerSchema } from '../schemas.js';
import { PROBLEMS } from './responses.js';

const tickers = createRoute({
  method: 'get',
  path: '/v1/tickers',
  summary: 'every ticker of the lake, by symbol',
  request: {
    query: z.object({
      format: FormatQuery,
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .optional()
        .openapi({ description: 'only the first N tickers by symbol (default: all)' }),
    }),
  },
  responses: {
    200: {
      description: 'the tickers (CSV: ticker,key_segment,kinds with the kinds joined by spaces)',
      content: {
        'application/json': { schema: z.object({ tickers: z.array(TickerSchema) }) },
        'text/csv': { schema: z.string() },
      },
    },
    ...PROBLEMS,
  },
});

export function registerTickerRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(tickers, async (c) => {
    const { format: asked, limit } = c.req.valid('query');
    const format = chosenFormat(c, asked);
    const found = await access.read(({ store }) => listLakeTickers(store, limit === undefined ? {} : { limit }));
    if (format === 'csv') {
      const rows = found.map((entry) => ({ ...entry, kinds: entry.kinds.join(' ') }));
      return csvResponse(c, rowsAsResult(rows, ['ticker', 'key_segment', 'kinds']));
    }
    return c.json({ tickers: found }, 200);
  });
}
