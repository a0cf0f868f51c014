/**
 * The zod schemas of the API's parameters and answers: one declaration each, which both validates requests
 * (a failure is a 400 problem document) and writes the OpenAPI 3.1 document (`/openapi.json`).
 */
import { z } from '@hono/zod-openapi';
import { parseInstant } from '../as-known-at/instant.js';
import { COMPUTATION_VERSIONS, type ComputationVersion } from '../compute/fields.js';
import { OBJECT_KINDS, parseKey } from '../lake/keys.js';
import { isIsoDate } from '../market/dates.js';
import { normalizeTicker } from '../market/ticker.js';
import { messageOf } from '../errors.js';

/** A refinement from one of marketlake's own parsers, so the API refuses exactly what the CLI refuses. */
function checkedBy(parse: (value: string) => unknown) {
  return (value: string, context: z.core.$RefinementCtx<string>): void => {
    try {
      parse(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: messageOf(error) });
    }
  };
}

export const KindParam = z.enum(OBJECT_KINDS as ['raw', 'indicators', 'percentiles', 'features']).openapi({
  param: { name: 'kind', in: 'path' },
  description: 'raw: vendor snapshots; indicators, percentiles, features: computed results',
  example: 'indicators',
});

/** A vendor symbol (src/market/ticker.ts), upper-cased: `nvda` is `NVDA`; an index is `^GSPC` (`%5EGSPC`). */
export const TickerParam = z
  .string()
  .max(64)
  .superRefine(checkedBy(normalizeTicker))
  .transform((value) => normalizeTicker(value))
  .openapi({ param: { name: 'ticker', in: 'path' }, example: 'NVDA', pattern: '^\\^?[A-Za-z0-9][A-Za-z0-9.=-]*$' });

export const IsoDate = z
  .string()
  .refine(isIsoDate, { message: 'must be a date YYYY-MM-DD' })
  .openapi({ format: 'date', example: '2026-12-01' });

/** An object key of the lake (src/lake/keys.ts parseKey): nothing else, so a key never names a file outside it. */
export const ObjectKey = z.string().max(512).superRefine(checkedBy(parseKey)).openapi({
  description: 'raw/{source}/{TICKER}/{DATE}/{TS}.json or processed/{kind}/{TICKER}/{DATE}/{TS}.json (or .json.gz)',
  example: 'processed/indicators/NVDA/2026-12-01/20261201_220000.json',
});

/** The store's version id of an object, as `lineage` and `versions` give it. */
export const VersionId = z
  .string()
  .min(1)
  .max(1024)
  .openapi({ description: "the store's version id of the object", example: '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY' });

/** A key timestamp (`20261201_220000`, `_2` for the second of that second) or the store's version id. */
export const VersionParam = z
  .string()
  .min(1)
  .max(1024)
  .openapi({ param: { name: 'version', in: 'path' }, example: '20261201_220000' });

export const FormatQuery = z
  .enum(['json', 'csv'])
  .optional()
  .openapi({ description: 'json (default) or csv; without it, the Accept header decides' });

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: '/problems/invalid-request' }),
    title: z.string().openapi({ example: 'Invalid request' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'ticker: invalid ticker "a/b"' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

export const LakeObjectSchema = z
  .object({
    key: z.string(),
    version_id: z.string(),
    tags: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.string()),
    body: z.unknown().openapi({ description: 'the stored document (schemas/ in the repository)' }),
  })
  .openapi('LakeObject', { description: 'a stored object, as `marketlake get --json` prints it' });

export const VersionSchema = z
  .object({
    key: z.string(),
    version_id: z.string(),
    date: z.string(),
    computed_at: z.string().nullable(),
    computation_version: z.string().nullable(),
  })
  .openapi('Version', { description: 'one stored version, as `marketlake versions --json` lists them' });

export const LineageSchema = z
  .object({
    key: z.string(),
    sources: z.array(z.object({ key: z.string(), version_id: z.string(), sha256: z.string() })),
    derived: z.array(z.object({ key: z.string(), version_id: z.string() })),
  })
  .openapi('Lineage', { description: 'as `marketlake lineage --json` prints it' });

export const TickerSchema = z
  .object({
    ticker: z.string().openapi({ example: '^GSPC' }),
    key_segment: z.string().openapi({ example: '_5EGSPC' }),
    kinds: z.array(z.string()).openapi({ example: ['features', 'indicators', 'percentiles', 'raw'] }),
  })
  .openapi('Ticker');

export const SqlRequestSchema = z
  .object({
    query: z.string().min(1).max(100_000).openapi({ example: 'SELECT ticker, as_of, rsi_14 FROM indicators_latest' }),
    max_rows: z.number().int().min(1).optional().openapi({ description: "at most the server's limit" }),
    timeout_seconds: z.number().positive().optional().openapi({ description: "at most the server's limit" }),
  })
  .strict()
  .openapi('SqlRequest');

/** A computation version (src/compute/versions): `1.0`, `2.0`; anything else is refused as the CLI refuses it. */
export const ComputationVersionQuery = z
  .enum(COMPUTATION_VERSIONS as unknown as [ComputationVersion, ...ComputationVersion[]])
  .openapi({ description: 'a computation version', example: '1.0' });

/** Tickers as `--tickers` takes them: comma-separated, each a vendor symbol, upper-cased, each named once. */
export const TickerListQuery = z
  .string()
  .max(4096)
  .superRefine(checkedBy((value) => tickerList(value)))
  .transform((value) => tickerList(value))
  .openapi({ description: 'comma-separated tickers', example: 'NVDA,^GSPC' });

function tickerList(value: string): string[] {
  if (value.trim() === '') throw new Error('name at least one ticker');
  return [...new Set(value.split(',').map((element) => normalizeTicker(element)))];
}

/** A JSON object as a core of the CLI's makes it; its fields are the CLI's `--json`, documented on the route. */
export const CliDocument = z.record(z.string(), z.unknown());

/** An ISO 8601 time with a zone (src/as-known-at/instant.ts), as `get --as-known-at` takes it. */
export const InstantQuery = z
  .string()
  .max(64)
  .superRefine(checkedBy(parseInstant))
  .transform((value) => parseInstant(value))
  .openapi({
    description: 'the object that was the latest at this time (what a report produced then saw)',
    example: '2026-12-02T21:30:00Z',
  });

/** One daily bar as the raw snapshot stores it (`adj_close` is null where the vendor gives none). */
export const PriceBarSchema = z
  .object({
    date: z.string().openapi({ example: '2026-12-01' }),
    open: z.number(),
    high: z.number(),
    low: z.number(),
    close: z.number(),
    adj_close: z.number().nullable(),
    volume: z.number(),
  })
  .openapi('PriceBar');

/** Which stored raw snapshot an answer's bars come from: its key and the store's version id. */
export const RawSourceSchema = z
  .object({
    key: z.string().openapi({ example: 'raw/sample/NVDA/2026-12-01/20261201_220000.json' }),
    version_id: z.string(),
  })
  .openapi('RawSource');

export const PricesSchema = z
  .object({
    ticker: z.string().openapi({ example: 'NVDA' }),
    raw: RawSourceSchema.extend({
      source: z.string().openapi({ example: 'yfinance' }),
      fetched_at: z.string().openapi({ example: '2026-12-01T22:00:00.000Z' }),
    }),
    from: z.string().nullable(),
    to: z.string().nullable(),
    bars: z.array(PriceBarSchema),
  })
  .openapi('Prices', { description: "a ticker's daily bars, exactly as one raw snapshot holds them, oldest first" });

const seriesValue = z.number().nullable();

export const IndicatorSeriesSchema = z
  .object({
    ticker: z.string().openapi({ example: 'NVDA' }),
    computed: z.literal(true).openapi({ description: 'computed for this answer; nothing of it is stored' }),
    computation_version: z.string().openapi({ example: '1.0' }),
    result: z.object({ key: z.string(), version_id: z.string(), as_of: z.string() }),
    raw: RawSourceSchema,
    fields: z.array(z.string()),
    points: z.array(
      z.object({
        date: z.string(),
        sma_20: seriesValue,
        sma_50: seriesValue,
        sma_200: seriesValue,
        bb_upper: seriesValue,
        bb_middle: seriesValue,
        bb_lower: seriesValue,
        rsi_14: seriesValue,
        macd: seriesValue,
        macd_signal: seriesValue,
        macd_histogram: seriesValue,
      }),
    ),
  })
  .openapi('IndicatorSeries', {
    description:
      "one indicators result's series, one point per bar of its raw snapshot up to its as-of date (null before a " +
      "field's warm-up); the last point is the stored result's values",
  });
