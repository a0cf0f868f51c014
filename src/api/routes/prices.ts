/**
 * GET /v1/prices/{ticker}[?from=&to=&as_known_at=]: a ticker's daily bars.
 *
 * The bars are those of the ticker's newest raw snapshot (as known at `as_known_at`: the snapshot a reader asking
 * for the latest then got), exactly as it was fetched and stored: the lake keeps every snapshot, so any past view
 * of the prices is one stored object, and the answer names it (key, version id) so the bars' lineage stays
 * visible. Not the database's `daily_prices`: that table holds the newest fetch of each date only, cannot say
 * which snapshot a bar came from, and needs the database, which a run holds on an embedded home.
 *
 * Both reads work while a run holds an embedded home: the latest answers from the lake folder, and `as_known_at`
 * from the lake's own metadata there (LakeAccess.asKnownAt); on PostgreSQL or S3 the catalog answers.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { LakeObject } from '../../lake/data-lake.js';
import type { RawSnapshot } from '../../lake/formats/raw.js';
import { chosenFormat, csvResponse, rowsAsResult } from '../formats.js';
import type { LakeAccess } from '../lake-access.js';
import { ApiProblem } from '../problem.js';
import { FormatQuery, InstantQuery, IsoDate, PricesSchema, TickerParam } from '../schemas.js';
import { NOT_FOUND, PROBLEMS } from './responses.js';

export const BAR_COLUMNS = ['date', 'open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;

const prices = createRoute({
  method: 'get',
  path: '/v1/prices/{ticker}',
  summary:
    "a ticker's daily bars, from its newest raw snapshot (as known at a time) exactly as fetched, naming the snapshot",
  description:
    'The bars of the newest raw snapshot of the ticker (with `as_known_at`, the newest one known at that time), ' +
    'between `from` and `to` (inclusive), oldest first. The answer names the snapshot (key and version id): the ' +
    'lake keeps every snapshot as fetched, so a past view of the prices is one stored object. Answers from the lake ' +
    'alone on an embedded home, also while a run holds it.',
  request: {
    params: z.object({ ticker: TickerParam }),
    query: z.object({
      from: IsoDate.optional().openapi({ description: 'the first date (inclusive)' }),
      to: IsoDate.optional().openapi({ description: 'the last date (inclusive)' }),
      as_known_at: InstantQuery.optional(),
      format: FormatQuery,
    }),
  },
  responses: {
    200: {
      description: 'the bars and the snapshot they come from (JSON), or the bars alone (CSV)',
      content: {
        'application/json': { schema: PricesSchema },
        'text/csv': { schema: z.string().openapi({ description: BAR_COLUMNS.join(',') }) },
      },
    },
    ...PROBLEMS,
    ...NOT_FOUND,
  },
});

export function registerPriceRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(prices, async (c) => {
    const { ticker } = c.req.valid('param');
    const { from, to, as_known_at: at, format: asked } = c.req.valid('query');
    // Before any read: an empty range asked by mistake must not look like a ticker without bars.
    if (from !== undefined && to !== undefined && from > to) {
      throw new ApiProblem(400, 'invalid-request', 'Invalid request', `from (${from}) is after to (${to})`);
    }
    const format = chosenFormat(c, asked);
    const snapshot: LakeObject<RawSnapshot> =
      at === undefined
        ? await access.read(({ lake }) => lake.getLatest<RawSnapshot>('raw', ticker))
        : ((await access.asKnownAt({ kind: 'raw', ticker, at })) as LakeObject<RawSnapshot>);
    const bars = snapshot.body.bars.filter(
      (bar) => (from === undefined || bar.date >= from) && (to === undefined || bar.date <= to),
    );
    if (format === 'csv') {
      return csvResponse(c, rowsAsResult(bars as unknown as Record<string, number | string | null>[], BAR_COLUMNS));
    }
    const { source, fetched_at: fetchedAt } = snapshot.body;
    return c.json(
      {
        ticker,
        raw: { key: snapshot.key, version_id: snapshot.versionId, source, fetched_at: fetchedAt },
        from: from ?? null,
        to: to ?? null,
        bars,
      },
      200,
    );
  });
}
