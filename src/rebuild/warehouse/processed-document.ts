/**
 * A processed object's body, checked against its catalog row before rows are made of it: a document that is not
 * what the catalog says it is (another ticker, date, version or source, or not a processed document at all)
 * would put numbers under the wrong name.
 */
import { PROCESSED_SCHEMAS } from '../../lake/formats/processed.js';
import { PENDING_PROCESSED_DOCUMENTS } from '../../lake/formats/processed-schema.js';
import { describeIssues } from '../../lake/formats/schema-check.js';
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
  // The document's own shape first (the exact values of its computation version), then what the catalog says.
  const shape = PENDING_PROCESSED_DOCUMENTS[kind].safeParse(document);
  if (!shape.success)
    return { reason: `not a ${PROCESSED_SCHEMAS[kind]} document: ${describeIssues(shape.error).problem}` };
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
  return document as PendingProcessedDocument;
}
