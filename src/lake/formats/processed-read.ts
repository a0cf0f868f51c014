import { COMPUTATION_VERSIONS } from '../../compute/fields.js';
import { PERCENTILE_METRICS } from '../../compute/percentiles.js';
import { isIsoDate } from '../../market/dates.js';
import type { ProcessedKind } from '../keys.js';
import type { ProcessedDocument } from './processed.js';
import { FEATURE_NUMBER_FIELDS, FREQUENCY_FIELDS, INDICATOR_FIELDS, STATISTICS_FIELDS } from './processed-fields.js';
import { DocumentShapeError } from './schema-check.js';
import { PROCESSED_SCHEMAS } from './schema-names.js';

/**
 * The lake's own read of a processed object (DataLake.get), checked against the rules of its zod schema
 * (processed-schema.ts) without loading zod: the CLI's reads answer in a fraction of a second, and zod's import
 * alone would cost about as much as the rest of such a read (test/cli/lazy-loading.test.ts holds the reads to no
 * heavy package). Both checks are made from the same field lists (processed-fields.ts), and
 * processed-read.test.ts holds them to the same verdict and the same first field on valid and damaged documents.
 * A problem is a DocumentShapeError naming the key and the field, in zod's words.
 */
export function readProcessedDocument(text: string, key: string, kind: ProcessedKind): ProcessedDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DocumentShapeError(key, '(document)', `not JSON: ${(error as Error).message}`);
  }
  const problem = processedProblem(kind, value);
  if (problem !== undefined) throw new DocumentShapeError(key, problem.field, `${problem.field}: ${problem.problem}`);
  return value as ProcessedDocument;
}

type Problem = { field: string; problem: string } | undefined;
type Check = (value: unknown, field: string) => Problem;

/** zod's name of what it received. */
function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

const at = (field: string, problem: string): Problem => ({ field, problem });
const string: Check = (value, field) =>
  typeof value === 'string' ? undefined : at(field, `expected string, received ${received(value)}`);
const nonEmpty: Check = (value, field) =>
  string(value, field) ??
  ((value as string).length >= 1 ? undefined : at(field, 'Too small: expected string to have >=1 characters'));
const numberOrNull: Check = (value, field) =>
  value === null || (typeof value === 'number' && Number.isFinite(value))
    ? undefined
    : at(field, `expected number, received ${received(value)}`);
const count: Check = (value, field) =>
  typeof value !== 'number' || !Number.isFinite(value)
    ? at(field, `expected number, received ${received(value)}`)
    : !Number.isInteger(value)
      ? at(field, 'expected int, received number')
      : value < 0
        ? at(field, 'Too small: expected number to be >=0')
        : undefined;
const literal =
  (expected: string): Check =>
  (value, field) =>
    value === expected ? undefined : at(field, `expected ${JSON.stringify(expected)}`);
const date: Check = (value, field) =>
  typeof value === 'string' && isIsoDate(value) ? undefined : at(field, 'expected a calendar date YYYY-MM-DD');
const INSTANT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const instant: Check = (value, field) => {
  const match = typeof value === 'string' ? INSTANT.exec(value) : null;
  return match && isIsoDate(match[1]) ? undefined : at(field, 'expected an ISO 8601 instant');
};
const sha256: Check = (value, field) =>
  string(value, field) ?? (/^[0-9a-f]{64}$/.test(value as string) ? undefined : at(field, 'expected a sha256 in hex'));

/** A strict object: every field checked in order, then any key it does not name. */
function object(fields: readonly (readonly [string, Check])[]): Check {
  const names = new Set(fields.map(([name]) => name));
  return (value, field) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return at(field, `expected object, received ${received(value)}`);
    }
    const record = value as Record<string, unknown>;
    for (const [name, check] of fields) {
      const problem = check(record[name], field ? `${field}.${name}` : name);
      if (problem !== undefined) return problem;
    }
    const unknown = Object.keys(record).filter((name) => !names.has(name));
    if (unknown.length > 0) {
      const listed = unknown.map((name) => JSON.stringify(name)).join(', ');
      return at(field || '(document)', `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${listed}`);
    }
    return undefined;
  };
}

const each = (fields: readonly string[], check: Check) => fields.map((name) => [name, check] as const);

/** The `values` of each kind; both computation versions of this build compute the same fields. */
const VALUES: Record<ProcessedKind, Check> = {
  indicators: object(each(INDICATOR_FIELDS, numberOrNull)),
  percentiles: object([
    ...PERCENTILE_METRICS.map(
      (metric) =>
        [
          metric,
          object([
            ...STATISTICS_FIELDS.map((name) => [name, name === 'count' ? count : numberOrNull] as const),
            ...each(FREQUENCY_FIELDS[metric], numberOrNull),
          ]),
        ] as const,
    ),
    ['current_price_percentile', numberOrNull],
  ]),
  features: object([...each(FEATURE_NUMBER_FIELDS, numberOrNull), ['bars', count]]),
};

const version: Check = (value, field) =>
  (COMPUTATION_VERSIONS as readonly unknown[]).includes(value)
    ? undefined
    : at(
        field,
        `No matching discriminator; expected one of ${COMPUTATION_VERSIONS.map((v) => JSON.stringify(v)).join(', ')}`,
      );

const DOCUMENTS: Record<ProcessedKind, Check> = Object.fromEntries(
  (Object.keys(PROCESSED_SCHEMAS) as ProcessedKind[]).map((kind) => [
    kind,
    object([
      ['schema', literal(PROCESSED_SCHEMAS[kind])],
      ['ticker', nonEmpty],
      ['as_of', date],
      ['computation_version', version],
      ['computed_at', instant],
      ['source_raw_data_key', nonEmpty],
      ['source_raw_data_version_id', string],
      ['source_raw_data_sha256', sha256],
      ['values', VALUES[kind]],
    ]),
  ]),
) as Record<ProcessedKind, Check>;

/** The first problem of `value` as a `kind` document (field and zod's words), or undefined when it is one. */
export function processedProblem(kind: ProcessedKind, value: unknown): Problem {
  // The discriminator first, as zod's union does: a document of an unknown version has no other verdict.
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const problem = version((value as Record<string, unknown>).computation_version, 'computation_version');
    if (problem !== undefined) return problem;
  }
  return DOCUMENTS[kind](value, '');
}
