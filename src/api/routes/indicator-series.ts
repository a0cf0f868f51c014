/**
 * GET /v1/indicators/{ticker}/series[?date=|?version=]: the per-bar indicator series behind one stored indicators
 * result, for a chart's overlays (SMA 20/50/200, Bollinger 20/2, RSI 14, MACD 12/26/9).
 *
 * The result is chosen as the object routes choose it (no parameter: `/latest`; `date`: `/dates/{date}`;
 * `version`: `/versions/{version}`). Nothing of the series is stored: it is computed for the answer from the
 * result's own raw snapshot (source_raw_data_key at source_raw_data_version_id) with the result's own
 * computation version's kernels (src/compute/indicator-series.ts), so its last point is the stored result's
 * values, bit for bit; the answer says so and names all three. A result asked by version never changes (its raw
 * version and its version's kernels are fixed): that answer is immutable.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { indicatorSeries, SERIES_FIELDS } from '../../compute/indicator-series.js';
import type { LakeObject } from '../../lake/data-lake.js';
import type { ProcessedDocument } from '../../lake/formats/processed.js';
import type { RawSnapshot } from '../../lake/formats/raw.js';
import { barsOf } from '../../lake/formats/raw-bars.js';
import { chosenFormat, csvResponse, rowsAsResult } from '../formats.js';
import { markImmutable } from '../http-cache.js';
import type { LakeAccess } from '../lake-access.js';
import { ApiProblem } from '../problem.js';
import { FormatQuery, IndicatorSeriesSchema, IsoDate, TickerParam } from '../schemas.js';
import { NOT_FOUND, PROBLEMS } from './responses.js';

const SERIES_COLUMNS = ['date', ...SERIES_FIELDS];

const series = createRoute({
  method: 'get',
  path: '/v1/indicators/{ticker}/series',
  summary:
    "one indicators result's series, per bar of its own raw snapshot, computed (not stored) with its own " +
    'computation version',
  description:
    'The result: the latest, the newest of an as-of date (`date`), or one version (`version`: key timestamp or ' +
    "version id; immutable). Computed for the answer from the result's raw snapshot (key and version id) with " +
    "its computation version's kernels, one point per bar up to the result's as-of date, null before a field's " +
    "warm-up; the last point equals the stored result's values.",
  request: {
    params: z.object({ ticker: TickerParam }),
    query: z.object({
      date: IsoDate.optional().openapi({ description: 'the newest result of this as-of date' }),
      version: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .openapi({ description: "one result, by key timestamp or the store's version id", example: '20261201_220000' }),
      format: FormatQuery,
    }),
  },
  responses: {
    200: {
      description: 'the series with what it was computed from (JSON), or the points alone (CSV)',
      content: {
        'application/json': { schema: IndicatorSeriesSchema },
        'text/csv': { schema: z.string().openapi({ description: SERIES_COLUMNS.join(',') }) },
      },
    },
    ...PROBLEMS,
    ...NOT_FOUND,
  },
});

export function registerIndicatorSeriesRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(series, async (c) => {
    const { ticker } = c.req.valid('param');
    const { date, version, format: asked } = c.req.valid('query');
    if (date !== undefined && version !== undefined) {
      throw new ApiProblem(400, 'invalid-request', 'Invalid request', 'give date or version, not both');
    }
    const format = chosenFormat(c, asked);
    const { result, raw } = await access.read(async ({ lake }) => {
      const found: LakeObject<ProcessedDocument> =
        version !== undefined
          ? await lake.getByVersion<ProcessedDocument>('indicators', ticker, version)
          : await lake.getLatest<ProcessedDocument>('indicators', ticker, date);
      const { source_raw_data_key: rawKey, source_raw_data_version_id: rawVersion } = found.body;
      return { result: found, raw: await lake.get<RawSnapshot>(rawKey, rawVersion) };
    });
    // Its computation version is one this build has: the lake's read check refuses any other (a lake error naming
    // the key and the field, as for any object this build cannot read).
    const document = result.body;
    const points = indicatorSeries(barsOf(raw.body), document.computation_version, document.as_of);
    if (version !== undefined) markImmutable(c);
    if (format === 'csv') return csvResponse(c, rowsAsResult(points, SERIES_COLUMNS));
    return c.json(
      {
        ticker,
        computed: true as const,
        computation_version: document.computation_version,
        result: { key: result.key, version_id: result.versionId, as_of: document.as_of },
        raw: { key: raw.key, version_id: raw.versionId },
        fields: [...SERIES_FIELDS],
        points,
      },
      200,
    );
  });
}
