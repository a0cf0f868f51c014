import type { ComputationVersion } from '../../compute/fields.js';
import { tickerSegment } from '../../market/ticker-segment.js';
import { PRODUCER } from '../../version.js';
import type { ProcessedKind } from '../keys.js';
import { PROCESSED_DOCUMENTS } from './processed-schema.js';
import { qualityMarkMetadata, qualityMarkTags, type QualityMark } from './quality-mark.js';
import { renderedObject, serializeBody, sha256Hex, type RenderedObject } from './render.js';
import { checkBeforeWrite } from './schema-check.js';
import { PROCESSED_SCHEMAS } from './schema-names.js';

/**
 * The processed documents (docs/design.md "Object bodies": `marketlake.indicators/1`, `marketlake.percentiles/1`,
 * `marketlake.features/1`): what one computation made of one raw snapshot, with the raw object it was computed
 * from. One shape for the three kinds; only the schema, the `values` and the metadata `source` differ. Their zod
 * schemas (the exact `values` of each computation version) are processed-schema.ts.
 */
export { PROCESSED_SCHEMAS };

const COMPUTATION_SOURCE: Record<ProcessedKind, string> = {
  indicators: 'indicators_computation',
  percentiles: 'percentiles_computation',
  features: 'features_computation',
};

/** Which stored raw object a result was computed from: key, the store's version id, and the body's sha256. */
export interface RawReference {
  key: string;
  versionId: string;
  sha256: string;
}

export interface ProcessedDocument<Values = object> {
  schema: string;
  ticker: string;
  as_of: string;
  computation_version: ComputationVersion;
  computed_at: string;
  source_raw_data_key: string;
  source_raw_data_version_id: string;
  source_raw_data_sha256: string;
  values: Values;
}

export function processedDocument<Values>(
  kind: ProcessedKind,
  fields: Omit<
    ProcessedDocument<Values>,
    'schema' | 'source_raw_data_key' | 'source_raw_data_version_id' | 'source_raw_data_sha256'
  >,
  raw: RawReference,
): ProcessedDocument<Values> {
  return {
    schema: PROCESSED_SCHEMAS[kind],
    ticker: fields.ticker,
    as_of: fields.as_of,
    computation_version: fields.computation_version,
    computed_at: fields.computed_at,
    source_raw_data_key: raw.key,
    source_raw_data_version_id: raw.versionId,
    source_raw_data_sha256: raw.sha256,
    values: fields.values,
  };
}

/**
 * The processed object as stored, once its kind's schema (processed-schema.ts) has accepted the document. `mark`:
 * the quality checks its snapshot failed (quality-mark.ts), in the tags and metadata only; the body is the same.
 */
export function renderProcessed(
  key: string,
  kind: ProcessedKind,
  document: ProcessedDocument,
  mark?: QualityMark,
): RenderedObject {
  const body = serializeBody(document);
  checkBeforeWrite(PROCESSED_DOCUMENTS[kind], document, body, key);
  const tags = {
    source: 'computed',
    ticker: tickerSegment(document.ticker),
    computed_at: document.computed_at.slice(0, 10),
    source_raw_data: document.source_raw_data_key,
    computation_version: document.computation_version,
    computation_type: kind,
    ...qualityMarkTags(mark),
  };
  const metadata = {
    computed_at: document.computed_at,
    source: COMPUTATION_SOURCE[kind],
    ticker: document.ticker,
    as_of: document.as_of,
    source_raw_data_key: document.source_raw_data_key,
    source_raw_data_version_id: document.source_raw_data_version_id,
    source_raw_data_sha256: document.source_raw_data_sha256,
    computation_version: document.computation_version,
    data_classification: 'computed-data',
    indicators_computed: Object.keys(document.values as object).join(','),
    content_sha256: sha256Hex(body),
    producer: PRODUCER,
    ...qualityMarkMetadata(mark),
  };
  return renderedObject(key, body, tags, metadata);
}
