import { createHash } from 'node:crypto';
import { checkMetadata, checkTags } from '../limits.js';

/**
 * What every lake document becomes before it is written: its body, tags and metadata (docs/design.md "Object bodies",
 * "Tags", "User metadata"), rendered by pure functions so that a write, a retry from the outbox and a verification
 * all agree byte for byte. The formats themselves are raw.ts, processed.ts and restatement.ts in this folder.
 */
export const CONTENT_TYPE = 'application/json';

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

/**
 * A rendered object from its body, tags and metadata (whose `content_sha256` is the body's). The tags and metadata
 * are checked against S3's limits before any write; `key` is only used in error messages.
 */
export function renderedObject(
  key: string,
  body: string,
  tags: Record<string, string>,
  metadata: Record<string, string>,
): RenderedObject {
  checkTags(key, tags);
  checkMetadata(key, metadata);
  return {
    body,
    sha256: metadata.content_sha256,
    size: Buffer.byteLength(body, 'utf8'),
    contentType: CONTENT_TYPE,
    tags,
    metadata,
  };
}
