import { gunzipSync, gzipSync } from 'node:zlib';
import type { LakeCompression } from '../config.js';
import { ObjectStoreError } from '../storage/errors.js';
import type { Metadata, ObjectHead } from '../storage/object-store.js';
import { MAX_DOCUMENT_BYTES } from './limits.js';

/**
 * Compressed lake objects (MARKETLAKE_LAKE_COMPRESSION=gzip): the body is stored gzipped under a key ending
 * `.json.gz`, with `Content-Encoding: gzip`. Everything that identifies the document is about the UNCOMPRESSED
 * body: `content_sha256`, the catalog's sha256 and size, lineage's `source_raw_data_sha256`. So turning the setting
 * on or off changes no hash, and a lake may hold both forms; every reader decodes through `decodeBody`.
 *
 * The compressed form is chosen by the key's extension (and Content-Encoding) of each object, never by the
 * current setting: a reader needs no configuration to read a lake written under any setting.
 */
export type { LakeCompression } from '../config.js';

/** The stored object's uncompressed body size, in its metadata (HEAD gives the compressed size). */
export const UNCOMPRESSED_SIZE_METADATA = 'uncompressed_size';

/**
 * zlib's default level. On a day of 500 tickers' bodies (docs/benchmarks.md, "Lake growth per day"), level 9 is
 * 4% smaller for 2.7x the CPU, level 1 is 20% larger for half of it.
 */
const GZIP_LEVEL = 6;

/** A stored body that cannot be decoded: a truncated or damaged gzip stream, or one inflating past the limit. */
export class UndecodableBodyError extends ObjectStoreError {
  override readonly name = 'UndecodableBodyError';
}

export function keyExtension(compression: LakeCompression): string {
  return compression === 'gzip' ? '.json.gz' : '.json';
}

/** The HTTP Content-Encoding of the stored form, undefined for an uncompressed body. */
export function contentEncoding(compression: LakeCompression): string | undefined {
  return compression === 'gzip' ? 'gzip' : undefined;
}

/** The bytes to store for a document body under `compression`. */
export function encodeBody(body: string, compression: LakeCompression): string | Uint8Array {
  return compression === 'gzip' ? gzipSync(Buffer.from(body, 'utf8'), { level: GZIP_LEVEL }) : body;
}

/** Whether the stored bytes of `key` are gzipped: its extension says so, or its Content-Encoding does. */
export function isCompressed(key: string, head?: Pick<ObjectHead, 'contentEncoding'>): boolean {
  return key.endsWith('.gz') || head?.contentEncoding === 'gzip';
}

/**
 * The document body of a stored object: the bytes as stored, or inflated when they are gzipped. Inflation stops at
 * MAX_DOCUMENT_BYTES, so a hostile object costs at most that much memory; it and a damaged stream are an
 * UndecodableBodyError (an ObjectStoreError: scans report it as an unreadable object and go on).
 */
export function decodeBody(
  key: string,
  stored: Pick<ObjectHead, 'contentEncoding'> & { body: Uint8Array },
): Uint8Array {
  if (!isCompressed(key, stored)) return stored.body;
  try {
    const inflated = gunzipSync(stored.body, { maxOutputLength: MAX_DOCUMENT_BYTES });
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `it inflates to more than ${MAX_DOCUMENT_BYTES} bytes, the limit for a document`
        : `not a complete gzip stream (${(error as Error).message})`;
    throw new UndecodableBodyError(`cannot decompress ${key}: ${why}`, { key, cause: error });
  }
}

/**
 * The size of an object's document (the uncompressed body) from its HEAD: the stored size for an uncompressed
 * object, the recorded uncompressed size for a compressed one, undefined when a compressed object does not record
 * it (only its body can tell then).
 */
export function documentSize(
  key: string,
  head: Pick<ObjectHead, 'size' | 'contentEncoding' | 'metadata'>,
): number | undefined {
  if (!isCompressed(key, head)) return head.size;
  return recordedSize(head.metadata);
}

function recordedSize(metadata: Metadata): number | undefined {
  const text = metadata[UNCOMPRESSED_SIZE_METADATA];
  if (text === undefined || !/^(0|[1-9]\d{0,15})$/.test(text)) return undefined;
  return Number(text);
}
