import { z } from 'zod';
import { describeIssues } from '../../lake/formats/schema-check.js';

/**
 * The shape of Yahoo's chart response body (`/v8/finance/chart/{symbol}`) as far as marketlake relies on it,
 * checked before yahoo-finance2 reads it (yahoo.ts `guardFetch`): a vendor that changed its format is named with the
 * field (`chart.result[0].indicators.quote[0].close: expected array, received string`), not half-parsed into bars.
 * Fields marketlake does not read are not held to anything (objects are open), so Yahoo adding one changes nothing.
 *
 * Observed in the recorded responses (../shared/fixtures/yahoo-chart and test/fixtures/yahoo):
 *   {"chart":{"result":[{"meta":{...},"timestamp":[s, ...],"events":{"dividends":{"<s>":{amount,date}},
 *    "splits":{"<s>":{date,numerator,denominator,splitRatio}}},"indicators":{"quote":[{open,high,low,close,volume}],
 *    "adjclose":[{"adjclose":[...]}]}}],"error":null}}
 * A range without trading comes without `timestamp` and with `quote: [{}]` (yahoo-finance2 reads that as no bars).
 * An error Yahoo sends in the body (`"result":null,"error":{code,description}`) is the library's to report.
 */

/** A column of a quote: one number or null (a day without a print) per timestamp. */
const column = z.array(z.number().nullable());
const QUOTE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

const result = z.object({
  meta: z.object({
    currency: z.string().nullish(),
    symbol: z.string(),
    exchangeName: z.string().nullish(),
    exchangeTimezoneName: z.string().nullish(),
    gmtoffset: z.number().nullish(),
  }),
  timestamp: z.array(z.number().int()).optional(),
  events: z
    .object({
      dividends: z.record(z.string(), z.object({ amount: z.number(), date: z.number().int() })).optional(),
      splits: z
        .record(
          z.string(),
          z.object({ date: z.number().int(), numerator: z.number().positive(), denominator: z.number().positive() }),
        )
        .optional(),
    })
    .optional(),
  indicators: z.object({
    quote: z
      .array(z.object({ open: column, high: column, low: column, close: column, volume: column }).partial())
      .length(1, 'expected one quote series'),
    adjclose: z.array(z.object({ adjclose: column.optional() })).optional(),
  }),
});

/** Every column has one entry per timestamp; no timestamp is only for a range without any quote. */
function checkLengths(value: z.infer<typeof result>, context: z.core.$RefinementCtx): void {
  const quote = value.indicators.quote[0];
  const columns = [
    ...QUOTE_FIELDS.map((field) => ({ path: ['indicators', 'quote', 0, field], values: quote[field] })),
    { path: ['indicators', 'adjclose', 0, 'adjclose'], values: value.indicators.adjclose?.[0]?.adjclose },
  ];
  if (value.timestamp === undefined) {
    if (columns.some((entry) => entry.values !== undefined)) {
      context.addIssue({ code: 'custom', path: ['timestamp'], message: 'missing, while the quote has values' });
    }
    return;
  }
  const length = value.timestamp.length;
  for (const [index, entry] of columns.entries()) {
    if (entry.values === undefined) {
      // adjclose is optional (Yahoo leaves it out at times); the quote's own columns are not.
      if (index < QUOTE_FIELDS.length) context.addIssue({ code: 'custom', path: entry.path, message: 'missing' });
    } else if (entry.values.length !== length) {
      context.addIssue({
        code: 'custom',
        path: entry.path,
        message: `has ${entry.values.length} values for ${length} timestamps`,
      });
    }
  }
}

const CHART_RESPONSE = z.object({
  chart: z.object({
    result: z.array(result.superRefine(checkLengths)).min(1, 'expected a result'),
    error: z.null(),
  }),
});

/** Yahoo's own error in the body: left to the library, which reports its description. */
const CHART_ERROR = z.object({ chart: z.object({ error: z.object({}).loose() }) });

/** Why the body is not a chart response marketlake can read: the first field and the problem(s); else undefined. */
export function chartResponseProblem(body: string): { field: string; problem: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { field: '(body)', problem: `(body): not JSON: ${(error as Error).message}` };
  }
  if (CHART_ERROR.safeParse(value).success) return undefined;
  const checked = CHART_RESPONSE.safeParse(value);
  return checked.success ? undefined : describeIssues(checked.error);
}
