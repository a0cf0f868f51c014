/**
 * The data-quality record of one run (docs/design.md "Data quality"), stored under its own prefix:
 *
 *   quality/{RUN_DATE}/{RUN_ID}.json      RUN_DATE: the UTC date the run started; RUN_ID: the run's id (a UUID)
 *
 * One JSON document on a single line:
 *   {"schema":"marketlake.quality/1","run_id","computation_version","checked_at","policy":"block|warn",
 *    "results":[{"check","ticker","market","severity":"error|warn","passed","observed","expected","details",
 *                "as_of","raw_key","raw_version_id","raw_sha256"}]}
 * Tags: source=quality, run_date, run_id.
 * Metadata: checked_at, source=quality_checks, run_id, results, failed_errors, failed_warnings,
 * data_classification, content_sha256, producer.
 *
 * The verdicts are made by src/quality, a later layer than the lake: the row shape is declared here, and
 * src/quality/finding.ts's QualityResult is assignable to `QualityVerdictInput` (checked in quality.test.ts).
 */
import { z } from 'zod';
import { isIsoDate } from '../../market/dates.js';
import { PRODUCER } from '../../version.js';
import { isoDate, isoInstant } from './raw-schema.js';
import { renderedObject, serializeBody, sha256Hex, type RenderedObject } from './render.js';
import { checkBeforeWrite, parseDocument, type Same } from './schema-check.js';

export const QUALITY_SCHEMA = 'marketlake.quality/1';
export const QUALITY_PREFIX = 'quality/';

/** `error` blocks a ticker's processed results under the `block` policy; `warn` is reported only. */
export type QualitySeverity = 'error' | 'warn';
/** What the run does with a ticker that fails an error-level check. */
export type QualityPolicy = 'block' | 'warn';
/** A value small enough for a table cell: a count, a ratio, a date, a short list. */
export type QualityObservation = number | string | boolean | null | readonly (number | string)[];

/** One verdict as src/quality makes it (its QualityResult): what `qualityDocument` takes. */
export interface QualityVerdictInput {
  check: string;
  ticker: string;
  market: string;
  severity: QualitySeverity;
  passed: boolean;
  observed: QualityObservation;
  expected: QualityObservation;
  details: string;
  as_of: string | null;
  /** The raw snapshot judged; null when the vendor's answer could not become one. */
  raw: { key: string; versionId: string; sha256: string } | null;
}

/** One verdict as the document stores it: the raw snapshot flattened into three columns-to-be. */
export type QualityResultRow = Omit<QualityVerdictInput, 'raw'> & {
  raw_key: string | null;
  raw_version_id: string | null;
  raw_sha256: string | null;
};

export interface QualityDocument {
  schema: typeof QUALITY_SCHEMA;
  run_id: string;
  computation_version: string;
  /** ISO UTC instant the checks ran. */
  checked_at: string;
  policy: QualityPolicy;
  results: QualityResultRow[];
}

const observation = z.union([
  z.number(),
  z.string(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.number(), z.string()])).readonly(),
]);

export const QUALITY_DOCUMENT = z
  .strictObject({
    schema: z.literal(QUALITY_SCHEMA),
    run_id: z.string().min(1),
    computation_version: z.string().min(1),
    checked_at: isoInstant,
    policy: z.enum(['block', 'warn']),
    results: z.array(
      z.strictObject({
        check: z.string().min(1),
        ticker: z.string().min(1),
        market: z.string().min(1),
        severity: z.enum(['error', 'warn']),
        passed: z.boolean(),
        observed: observation,
        expected: observation,
        details: z.string(),
        as_of: isoDate.nullable(),
        raw_key: z.string().nullable(),
        raw_version_id: z.string().nullable(),
        raw_sha256: z.string().nullable(),
      }),
    ),
  })
  .meta({
    title: QUALITY_SCHEMA,
    description:
      'The data-quality verdicts of one run: every check on every ticker, passed or not, with the raw snapshot ' +
      'it judged (quality/{RUN_DATE}/{RUN_ID}.json).',
  });

/** The schema and the interface the code uses are one type (the compiler refuses this line when they drift). */
export const QUALITY_SCHEMA_MATCHES: Same<z.infer<typeof QUALITY_DOCUMENT>, QualityDocument> = true;

/** A run id as a key segment: letters, digits, `-` and `_` (a UUID), so the key needs no escaping. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const QUALITY_KEY = /^quality\/(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9][A-Za-z0-9_-]*)\.json$/;

/** `quality/{RUN_DATE}/{RUN_ID}.json`. */
export function qualityKey(runDate: string, runId: string): string {
  if (!isIsoDate(runDate)) throw new Error(`quality key: run date ${JSON.stringify(runDate)} is not YYYY-MM-DD`);
  if (!RUN_ID.test(runId)) {
    throw new Error(`quality key: run id ${JSON.stringify(runId)} is not a key segment (letters, digits, - and _)`);
  }
  return `${QUALITY_PREFIX}${runDate}/${runId}.json`;
}

/** The run date and id of a quality key, or undefined when `key` is not one. */
export function parseQualityKey(key: string): { runDate: string; runId: string } | undefined {
  const match = QUALITY_KEY.exec(key);
  if (!match || !isIsoDate(match[1])) return undefined;
  return { runDate: match[1], runId: match[2] };
}

export function qualityDocument(
  run: { runId: string; computationVersion: string; checkedAt: string; policy: QualityPolicy },
  results: readonly QualityVerdictInput[],
): QualityDocument {
  return {
    schema: QUALITY_SCHEMA,
    run_id: run.runId,
    computation_version: run.computationVersion,
    checked_at: run.checkedAt,
    policy: run.policy,
    results: results.map(qualityResultRow),
  };
}

/** A verdict as the document, the database and `quality check --json` hold it: the raw snapshot flattened. */
export function qualityResultRow(result: QualityVerdictInput): QualityResultRow {
  return {
    check: result.check,
    ticker: result.ticker,
    market: result.market,
    severity: result.severity,
    passed: result.passed,
    observed: result.observed,
    expected: result.expected,
    details: result.details,
    as_of: result.as_of,
    raw_key: result.raw?.key ?? null,
    raw_version_id: result.raw?.versionId ?? null,
    raw_sha256: result.raw?.sha256 ?? null,
  };
}

/** The quality record as stored, once its schema has accepted it; `key` is `qualityKey(...)`. */
export function renderQuality(key: string, document: QualityDocument): RenderedObject {
  const parsed = parseQualityKey(key);
  if (parsed === undefined || parsed.runId !== document.run_id) {
    throw new Error(`refusing to write ${key}: not quality/{RUN_DATE}/${document.run_id}.json for the document's run`);
  }
  const body = serializeBody(document);
  checkBeforeWrite(QUALITY_DOCUMENT, document, body, key);
  const failed = (severity: QualitySeverity) =>
    document.results.filter((result) => !result.passed && result.severity === severity).length;
  const tags = { source: 'quality', run_date: parsed.runDate, run_id: document.run_id };
  const metadata = {
    checked_at: document.checked_at,
    source: 'quality_checks',
    run_id: document.run_id,
    results: String(document.results.length),
    failed_errors: String(failed('error')),
    failed_warnings: String(failed('warn')),
    data_classification: 'computed-data',
    content_sha256: sha256Hex(body),
    producer: PRODUCER,
  };
  return renderedObject(key, body, tags, metadata);
}

/** A stored quality object's body: a DocumentShapeError names the key and the field when it is not one. */
export function parseQualityDocument(text: string, key: string): QualityDocument {
  return parseDocument(QUALITY_DOCUMENT, text, key);
}
