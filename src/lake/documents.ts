import { createHash } from 'node:crypto';
import type { ComputationVersion } from '../compute/fields.js';
import type { RawSnapshot } from '../market/snapshot.js';
import { PRODUCER } from '../version.js';
import type { ProcessedKind } from './keys.js';
import { checkMetadata, checkTags } from './limits.js';
import { tickerSegment } from '../market/ticker-segment.js';

/**
 * The bodies, tags and metadata of lake objects (DESIGN.md "Object bodies", "Tags", "User metadata"),
 * rendered by pure functions so that a write, a retry from the outbox and a verification all agree byte for byte.
 */
export const CONTENT_TYPE = 'application/json';

export const PROCESSED_SCHEMAS: Record<ProcessedKind, string> = {
  indicators: 'marketlake.indicators/1',
  percentiles: 'marketlake.percentiles/1',
  features: 'marketlake.features/1',
};

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

export function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * One JSON document on a single line (Athena's readers want one record per line). JSON.stringify already
 * writes NaN and Infinity as null, which is the contract for values that cannot be computed.
 */
export function serializeBody(document: unknown): string {
  return JSON.stringify(document);
}

export interface RenderedObject {
  body: string;
  sha256: string;
  size: number;
  contentType: string;
  tags: Record<string, string>;
  metadata: Record<string, string>;
}

function rendered(key: string, body: string, tags: Record<string, string>, metadata: Record<string, string>): RenderedObject {
  checkTags(key, tags);
  checkMetadata(key, metadata);
  return { body, sha256: metadata.content_sha256, size: Buffer.byteLength(body, 'utf8'), contentType: CONTENT_TYPE, tags, metadata };
}

/** The raw snapshot as stored. `key` is only used in error messages (limits are checked per object). */
export function renderRaw(key: string, snapshot: RawSnapshot): RenderedObject {
  const body = serializeBody(snapshot);
  const bars = snapshot.bars;
  const tags = { source: snapshot.source, ticker: tickerSegment(snapshot.ticker), fetched_at: snapshot.fetched_at.slice(0, 10) };
  const metadata: Record<string, string> = {
    fetched_at: snapshot.fetched_at,
    source: snapshot.source,
    ticker: snapshot.ticker,
    data_classification: 'public-api-data',
    content_sha256: sha256Hex(body),
    bars: String(bars.length),
    first_date: bars[0]?.date ?? '',
    last_date: bars[bars.length - 1]?.date ?? '',
    producer: PRODUCER,
  };
  if (snapshot.synthetic) metadata.synthetic = 'true';
  return rendered(key, body, tags, metadata);
}

export function processedDocument<Values>(
  kind: ProcessedKind,
  fields: Omit<ProcessedDocument<Values>, 'schema' | 'source_raw_data_key' | 'source_raw_data_version_id' | 'source_raw_data_sha256'>,
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

export function renderProcessed(key: string, kind: ProcessedKind, document: ProcessedDocument): RenderedObject {
  const body = serializeBody(document);
  const tags = {
    source: 'computed',
    ticker: tickerSegment(document.ticker),
    computed_at: document.computed_at.slice(0, 10),
    source_raw_data: document.source_raw_data_key,
    computation_version: document.computation_version,
    computation_type: kind,
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
  };
  return rendered(key, body, tags, metadata);
}
