/**
 * A processed object's body, checked against its catalog row before rows are made of it: a document that is not
 * what the catalog says it is (another ticker, date, version or source, or not a processed document at all)
 * would put numbers under the wrong name.
 */
import { FEATURE_FIELDS } from '../../compute/features.js';
import { INDICATOR_FIELDS } from '../../compute/fields.js';
import { PROCESSED_SCHEMAS } from '../../lake/formats/processed.js';
import type { ProcessedKind } from '../../lake/keys.js';
import type { PendingProcessedDocument } from '../../pipeline/outbox-entries.js';
import type { CatalogObject } from '../../warehouse/lake-objects.js';

/** The document, or why it cannot give rows. */
export function processedDocumentOf(
  kind: ProcessedKind,
  row: CatalogObject,
  body: Uint8Array,
): PendingProcessedDocument | { reason: string } {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    return { reason: `not JSON: ${(error as Error).message}` };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document))
    return { reason: 'not a JSON object' };
  const d = document as Record<string, unknown>;
  const expected: [string, unknown][] = [
    ['schema', PROCESSED_SCHEMAS[kind]],
    ['ticker', row.ticker],
    ['as_of', row.objectDate],
    ['computation_version', row.computationVersion],
    ['source_raw_data_key', row.sourceRawKey],
  ];
  for (const [field, value] of expected) {
    if (d[field] !== value)
      return { reason: `${field} is ${JSON.stringify(d[field])}, the catalog says ${JSON.stringify(value)}` };
  }
  if (typeof d.computed_at !== 'string' || Number.isNaN(Date.parse(d.computed_at)))
    return { reason: 'computed_at is not an instant' };
  if (d.source_raw_data_version_id !== null && typeof d.source_raw_data_version_id !== 'string') {
    return { reason: 'source_raw_data_version_id is neither a string nor null' };
  }
  const values = d.values;
  if (values === null || typeof values !== 'object' || Array.isArray(values))
    return { reason: 'values is not an object' };
  const problem = valuesProblem(kind, values as Record<string, unknown>);
  if (problem !== undefined) return { reason: problem };
  return document as PendingProcessedDocument;
}

function valuesProblem(kind: ProcessedKind, values: Record<string, unknown>): string | undefined {
  const numbers =
    kind === 'indicators'
      ? INDICATOR_FIELDS
      : kind === 'features'
        ? FEATURE_FIELDS.filter((field) => field !== 'bars')
        : ['current_price_percentile'];
  for (const field of numbers) {
    const value = values[field];
    if (value !== null && !(typeof value === 'number' && Number.isFinite(value)))
      return `values.${field} is ${JSON.stringify(value)}, not a number or null`;
  }
  if (kind === 'features' && !(Number.isSafeInteger(values.bars) && (values.bars as number) >= 0))
    return 'values.bars is not a count';
  return undefined;
}
