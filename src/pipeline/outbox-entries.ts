import type { LakeCompression } from '../lake/compression.js';
import { processedKeyParts, rawKeyParts } from '../lake/data-lake.js';
import { CONTENT_TYPE, type RenderedObject, sha256Hex } from '../lake/formats/render.js';
import { type ProcessedDocument, renderProcessed } from '../lake/formats/processed.js';
import { qualityMarkMetadata, qualityMarkTags, type QualityMark } from '../lake/formats/quality-mark.js';
import { renderRaw, type RawSnapshot } from '../lake/formats/raw.js';
import { objectKey, type ProcessedKind } from '../lake/keys.js';
import type { OutboxEntryInput } from '../warehouse/outbox.js';

/**
 * Outbox entries: the exact object a lake write will send (body, tags, metadata), enqueued by the same
 * statement as the rows it mirrors.
 *
 * One exception: a processed object whose raw snapshot is itself still in the outbox cannot know the raw
 * object's version id yet. Its entry holds the document with `source_raw_data_version_id: null` (and, as tags and
 * metadata, only its quality mark, if any); the drain completes and re-renders it once the raw object is written
 * (see outbox-drain.ts), with that mark.
 */
export type PendingProcessedDocument = Omit<ProcessedDocument, 'source_raw_data_version_id'> & {
  source_raw_data_version_id: string | null;
};

/**
 * `compression` is the lake's setting: it is part of the planned key (`.json.gz`), which the drain writes to as
 * planned and which results computed meanwhile already name.
 */
export function rawOutboxEntry(
  snapshot: RawSnapshot,
  runId: string | null,
  compression: LakeCompression = 'none',
): OutboxEntryInput {
  const parts = rawKeyParts(snapshot);
  const key = objectKey('raw', parts.ticker, parts.date, parts.timestamp, 1, parts.source, compression);
  return fromRendered(key, 'raw', snapshot.ticker, parts.date, renderRaw(key, snapshot), null, null, null, runId);
}

/** `mark`: the quality checks the results' snapshot failed (quality-mark.ts); none for clean results. */
export function processedOutboxEntry(
  kind: ProcessedKind,
  document: PendingProcessedDocument,
  runId: string | null,
  compression: LakeCompression = 'none',
  mark?: QualityMark,
): OutboxEntryInput {
  const parts = processedKeyParts(kind, document as ProcessedDocument);
  const key = objectKey(kind, parts.ticker, parts.date, parts.timestamp, 1, undefined, compression);
  const versionId = document.source_raw_data_version_id;
  if (versionId === null) {
    const body = JSON.stringify(document);
    const rendered: RenderedObject = {
      body,
      sha256: sha256Hex(body),
      size: Buffer.byteLength(body),
      contentType: CONTENT_TYPE,
      // The mark is all the drain cannot get back from the document: it is kept here until the entry is rendered.
      tags: qualityMarkTags(mark),
      metadata: qualityMarkMetadata(mark),
    };
    return fromRendered(
      key,
      kind,
      document.ticker,
      document.as_of,
      rendered,
      document.computation_version,
      document.source_raw_data_key,
      null,
      runId,
    );
  }
  return completedProcessedEntry(key, kind, { ...document, source_raw_data_version_id: versionId }, runId, mark);
}

export function completedProcessedEntry(
  key: string,
  kind: ProcessedKind,
  document: ProcessedDocument,
  runId: string | null,
  mark?: QualityMark,
): OutboxEntryInput {
  return fromRendered(
    key,
    kind,
    document.ticker,
    document.as_of,
    renderProcessed(key, kind, document, mark),
    document.computation_version,
    document.source_raw_data_key,
    document.source_raw_data_version_id,
    runId,
  );
}

function fromRendered(
  key: string,
  kind: OutboxEntryInput['kind'],
  ticker: string,
  objectDate: string,
  rendered: RenderedObject,
  computationVersion: string | null,
  sourceRawKey: string | null,
  sourceRawVersionId: string | null,
  runId: string | null,
): OutboxEntryInput {
  return {
    key,
    kind,
    ticker,
    body: rendered.body,
    contentType: rendered.contentType,
    tags: rendered.tags,
    metadata: rendered.metadata,
    catalog: {
      kind,
      ticker,
      objectDate,
      sha256: rendered.sha256,
      size: rendered.size,
      computationVersion,
      sourceRawKey,
      sourceRawVersionId,
    },
    runId,
  };
}
