/**
 * The lake's objects, read as `marketlake get`, `versions` and `lineage` read them (DataLake through
 * src/lake-scan/lake-reader.ts), answered with what their `--json` prints:
 *   GET /v1/{kind}/{ticker}/latest              get KIND TICKER
 *   GET /v1/{kind}/{ticker}/dates/{date}        get KIND TICKER --date DATE
 *   ...latest and .../dates/{date} ?as_known_at=T   get ... --as-known-at T (the database's catalog answers)
 *   GET /v1/{kind}/{ticker}/versions            versions KIND TICKER [--date DATE] (none: 404)
 *   GET /v1/{kind}/{ticker}/versions/{version}  get KIND TICKER --version VERSION   (immutable)
 *   GET /v1/objects?key=K[&version_id=V]        the object at a key (immutable with a version id)
 *   GET /v1/lineage?key=K                       lineage KEY: a result's raw snapshot, a snapshot's results
 * A raw snapshot's bars, and a list of versions, are also offered as CSV.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { LakeObject } from '../../lake/data-lake.js';
import type { RawSnapshot } from '../../lake/formats/raw.js';
import { ApiProblem } from '../problem.js';
import { chosenFormat, csvResponse, type Format, rowsAsResult } from '../formats.js';
import { markImmutable } from '../http-cache.js';
import type { LakeAccess } from '../lake-access.js';
import {
  FormatQuery,
  InstantQuery,
  IsoDate,
  KindParam,
  LakeObjectSchema,
  LineageSchema,
  ObjectKey,
  TickerParam,
  VersionId,
  VersionParam,
  VersionSchema,
} from '../schemas.js';
import { BAR_COLUMNS } from './prices.js';
import { jsonContent, NOT_ACCEPTABLE, NOT_FOUND, PROBLEMS } from './responses.js';

const KindTicker = z.object({ kind: KindParam, ticker: TickerParam });

const objectAnswers = {
  200: {
    description: "the object (JSON); a raw snapshot's bars as CSV when asked",
    content: {
      'application/json': { schema: LakeObjectSchema },
      'text/csv': { schema: z.string().openapi({ description: 'date,open,high,low,close,adj_close,volume' }) },
    },
  },
  ...PROBLEMS,
  ...NOT_FOUND,
  ...NOT_ACCEPTABLE,
};

const latest = createRoute({
  method: 'get',
  path: '/v1/{kind}/{ticker}/latest',
  summary: 'the newest object of a kind for a ticker (as known at a time: `get --as-known-at`)',
  request: { params: KindTicker, query: z.object({ format: FormatQuery, as_known_at: InstantQuery.optional() }) },
  responses: objectAnswers,
});

const byDate = createRoute({
  method: 'get',
  path: '/v1/{kind}/{ticker}/dates/{date}',
  summary: 'the newest object of an as-of date (the fetch date for raw)',
  request: {
    params: KindTicker.extend({ date: IsoDate.openapi({ param: { name: 'date', in: 'path' } }) }),
    query: z.object({ format: FormatQuery, as_known_at: InstantQuery.optional() }),
  },
  responses: objectAnswers,
});

const byVersion = createRoute({
  method: 'get',
  path: '/v1/{kind}/{ticker}/versions/{version}',
  summary: "one version, by its key timestamp (20261201_220000[_2]) or the store's version id; never changes",
  request: { params: KindTicker.extend({ version: VersionParam }), query: z.object({ format: FormatQuery }) },
  responses: objectAnswers,
});

const versions = createRoute({
  method: 'get',
  path: '/v1/{kind}/{ticker}/versions',
  summary: 'every stored version of a kind for a ticker, newest first',
  request: { params: KindTicker, query: z.object({ date: IsoDate.optional(), format: FormatQuery }) },
  responses: {
    200: {
      description: 'the versions; none is a 404, as for the other reads of a ticker',
      content: {
        'application/json': { schema: z.array(VersionSchema) },
        'text/csv': {
          schema: z.string().openapi({ description: 'key,version_id,date,computed_at,computation_version' }),
        },
      },
    },
    ...PROBLEMS,
    ...NOT_FOUND,
  },
});

const objectByKey = createRoute({
  method: 'get',
  path: '/v1/objects',
  summary: 'the object at a key, the current one or a given version (which never changes)',
  request: { query: z.object({ key: ObjectKey, version_id: VersionId.optional(), format: FormatQuery }) },
  responses: objectAnswers,
});

const lineage = createRoute({
  method: 'get',
  path: '/v1/lineage',
  summary: 'where an object came from (a result: its raw snapshot) and what was computed from it (a raw snapshot)',
  request: { query: z.object({ key: ObjectKey }) },
  responses: { 200: jsonContent(LineageSchema, 'the lineage'), ...PROBLEMS, ...NOT_FOUND },
});

const VERSION_COLUMNS = ['key', 'version_id', 'date', 'computed_at', 'computation_version'];

/** The object as `get --json` prints it, or a raw snapshot's bars as CSV. */
function objectAnswer(c: Context, object: LakeObject, format: Format): Response {
  if (format === 'csv') {
    if (!object.key.startsWith('raw/')) {
      throw new ApiProblem(406, 'not-acceptable', 'Not acceptable', "CSV is offered for a raw snapshot's bars only");
    }
    const bars = (object.body as RawSnapshot).bars as unknown as Record<string, number | string | null>[];
    return csvResponse(c, rowsAsResult(bars, BAR_COLUMNS));
  }
  const { key, versionId, tags, metadata, body } = object;
  return c.json({ key, version_id: versionId, tags, metadata, body }, 200);
}

export function registerObjectRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(latest, async (c) => {
    const { kind, ticker } = c.req.valid('param');
    const { format: asked, as_known_at: at } = c.req.valid('query');
    const format = chosenFormat(c, asked);
    const object =
      at === undefined
        ? await access.read(({ lake }) => lake.getLatest(kind, ticker))
        : await access.asKnownAtFromCatalog({ kind, ticker, at });
    return objectAnswer(c, object, format);
  });

  app.openapi(byDate, async (c) => {
    const { kind, ticker, date } = c.req.valid('param');
    const { format: asked, as_known_at: at } = c.req.valid('query');
    const format = chosenFormat(c, asked);
    const object =
      at === undefined
        ? await access.read(({ lake }) => lake.getLatest(kind, ticker, date))
        : await access.asKnownAtFromCatalog({ kind, ticker, at, date });
    return objectAnswer(c, object, format);
  });

  app.openapi(byVersion, async (c) => {
    const { kind, ticker, version } = c.req.valid('param');
    const format = chosenFormat(c, c.req.valid('query').format);
    const object = await access.read(({ lake }) => lake.getByVersion(kind, ticker, version));
    markImmutable(c);
    return objectAnswer(c, object, format);
  });

  app.openapi(versions, async (c) => {
    const { kind, ticker } = c.req.valid('param');
    const { date, format } = c.req.valid('query');
    const chosen = chosenFormat(c, format);
    const list = await access.read(({ lake }) => lake.listVersions(kind, ticker, date));
    if (list.length === 0) {
      throw new ApiProblem(
        404,
        'not-found',
        'Not found',
        `no ${kind} object for ${ticker}${date ? ` on ${date}` : ''}`,
      );
    }
    if (chosen === 'csv')
      return csvResponse(
        c,
        rowsAsResult(
          list.map((v) => ({ ...v })),
          VERSION_COLUMNS,
        ),
      );
    return c.json(list, 200);
  });

  app.openapi(objectByKey, async (c) => {
    const { key, version_id: versionId, format } = c.req.valid('query');
    const chosen = chosenFormat(c, format);
    const object = await access.read(({ lake }) => lake.get(key, versionId));
    if (versionId !== undefined) markImmutable(c);
    return objectAnswer(c, object, chosen);
  });

  app.openapi(lineage, async (c) => {
    const { key } = c.req.valid('query');
    const found = await access.read(({ lake }) => lake.lineage(key));
    return c.json({ key: found.key, sources: found.sources, derived: found.derived }, 200);
  });
}
