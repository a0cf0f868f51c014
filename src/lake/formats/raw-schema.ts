import { z } from 'zod';
import type { RawSnapshot } from './raw.js';
import { RAW_SCHEMA } from './schema-names.js';
import type { Same } from './schema-check.js';

/**
 * The zod schema of `marketlake.raw/1` (docs/design.md "Object bodies"): checked before every write (renderRaw) and
 * on every read (raw-parse.ts), and exported as schemas/marketlake.raw-1.schema.json. Only the document's
 * structure is held here: a vendor's zero or negative price, or a high below its low, is the vendor's record and
 * is judged by the quality checks (src/quality); the series rules (dates in order, one bar per date) are
 * raw-bars.ts `checkBars`, which the schema cannot express.
 */

/** A calendar date `YYYY-MM-DD` (zod's pattern knows month lengths and leap years; JSON Schema gets it too). */
export const isoDate = z.iso
  .date({ error: 'expected a calendar date YYYY-MM-DD' })
  .meta({ id: 'date', description: 'A calendar date YYYY-MM-DD' });
/** An ISO 8601 instant with its offset, as `toISOString` writes it. */
export const isoInstant = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 instant' })
  .meta({ id: 'instant', description: 'An ISO 8601 instant with its offset (Z for UTC)' });
/** Any finite number (zod 4 refuses NaN and Infinity, which JSON cannot hold anyway). */
const price = z.number();

export const RAW_BAR = z
  .strictObject({
    date: isoDate,
    open: price,
    high: price,
    low: price,
    close: price,
    adj_close: price.nullable(),
    volume: z.number(),
  })
  .meta({ id: 'bar', description: 'One daily bar as the source gave it (adj_close null when it gave none)' });

export const RAW_DOCUMENT = z
  .strictObject({
    schema: z.literal(RAW_SCHEMA),
    source: z.enum(['yfinance', 'csv', 'sample']),
    ticker: z.string().min(1),
    fetched_at: isoInstant,
    interval: z.literal('1d'),
    currency: z.string().nullable(),
    exchange: z.string().nullable(),
    timezone: z.string().nullable(),
    bars: z.array(RAW_BAR),
    events: z.strictObject({
      dividends: z.array(z.strictObject({ date: isoDate, amount: z.number() })),
      splits: z.array(
        z.strictObject({ date: isoDate, numerator: z.number().positive(), denominator: z.number().positive() }),
      ),
    }),
    dropped_bars: z.array(z.strictObject({ date: isoDate, reason: z.string() })).optional(),
    synthetic: z.boolean().optional(),
  })
  .meta({
    title: RAW_SCHEMA,
    description:
      'A raw snapshot: the daily bars one fetch of one ticker brought, as the source gave them ' +
      '(raw/{source}/{TICKER}/{FETCH_DATE}/{TS}.json). Bars are sorted by date, one per date.',
  });

/** The schema and the interface the code uses are one type (the compiler refuses this line when they drift). */
export const RAW_SCHEMA_MATCHES: Same<z.infer<typeof RAW_DOCUMENT>, RawSnapshot> = true;
