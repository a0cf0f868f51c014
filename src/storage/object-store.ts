import { ObjectStoreError } from './errors.js';
import { checkKey } from './keys.js';

/**
 * The object store the lake writes to: a small interface modelled on S3 (keys, versions, tags, user metadata,
 * paginated listings), implemented by FsObjectStore (a local folder, the embedded default) and S3ObjectStore
 * (an S3 bucket). Both must pass the suite of testing/object-store-contract.ts.
 *
 * Semantics every implementation keeps:
 * - `put` is create-only: it never replaces an object; a taken key rejects with ObjectExistsError (S3: a
 *   conditional PUT with `If-None-Match: *`). Bucket versioning stays on as a second guard.
 * - listings are in UTF-8 binary key order (see compareKeys); `delimiter` folds keys into `commonPrefixes`, and
 *   each common prefix counts toward `maxKeys`; continuation tokens are opaque and stable under concurrent writes.
 * - `listVersions` lists keys in order and, within a key, versions newest first.
 * - errors are ObjectStoreError (ObjectExistsError, ObjectNotFoundError, InvalidObjectKeyError); keys are checked
 *   with checkKey before any I/O.
 */

export type Tags = Record<string, string>;
/** User metadata; keys are lower-case ASCII (S3 lower-cases them anyway), values printable ASCII. */
export type Metadata = Record<string, string>;

export interface PutObjectInput {
  key: string;
  /** A string is stored as UTF-8. */
  body: Uint8Array | string;
  contentType: string;
  /**
   * How the body bytes are encoded (HTTP Content-Encoding, e.g. `gzip`); absent means as they are. The store keeps
   * the bytes as given and only records this: decoding is the reader's business (src/lake/compression.ts).
   */
  contentEncoding?: string;
  tags?: Tags;
  metadata?: Metadata;
}

export interface PutObjectResult {
  key: string;
  versionId: string;
  /** As S3 reports it, quotes included. */
  etag?: string;
}

export interface ObjectHead {
  key: string;
  versionId: string;
  /** Body size in bytes. */
  size: number;
  /** Whole seconds, as S3 reports it. */
  lastModified: Date;
  contentType: string;
  /** As PutObjectInput.contentEncoding: absent when the object was stored without one. */
  contentEncoding?: string;
  metadata: Metadata;
  etag?: string;
  storageClass?: string;
}

export interface StoredObject extends ObjectHead {
  body: Uint8Array;
}

export interface ListObjectsInput {
  /** Only keys starting with this string (need not end at a `/`). */
  prefix?: string;
  /** Keys with `delimiter` after the prefix fold into one common prefix, up to and including the delimiter. */
  delimiter?: string;
  continuationToken?: string;
  /**
   * Start the listing after this key, as S3's StartAfter: only keys greater than it, and common prefixes holding
   * such keys. Ignored when `continuationToken` is given (the token already says where to resume).
   */
  startAfter?: string;
  /** Objects plus common prefixes per page: 1..1000, default 1000; larger values are capped as S3 does. */
  maxKeys?: number;
  /**
   * Only the keys are wanted: a store that must read something per object to describe it may skip that, and then
   * lists `size` 0 and `lastModified` at the epoch, with no `etag`, `head` or `damage` from that read (the file
   * store skips each object file's header; a damaged file shows when it is read). What the listing sees without
   * it is still reported (the file store's entries it did not write). S3 lists everything anyway.
   */
  keysOnly?: boolean;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
  etag?: string;
  /**
   * Set when the store lists something under this key that it cannot describe or serve, and why: on the file
   * store a truncated, headerless, empty or unreadable object file, or an entry it did not write (a foreign file,
   * a directory in place of an object file, a symlink). The listing goes on past it; `size` and `lastModified`
   * are then what the file system says (0 for what is not a file), `etag` is absent. S3 never sets it.
   */
  damage?: string;
  /**
   * What `head` would answer, when the store read it to list the object anyway (the file store reads each object
   * file's header): a reader that needs the metadata of what it lists reads nothing twice. S3 never sets it.
   */
  head?: ObjectHead;
}

export interface ListObjectsPage {
  objects: ListedObject[];
  commonPrefixes: string[];
  /** Present only when there is more to list. */
  nextContinuationToken?: string;
}

export interface ListVersionsInput {
  prefix?: string;
  /** Resume after this key (after its versions older than `versionIdMarker` when that is given too). */
  keyMarker?: string;
  /** Only together with `keyMarker`. */
  versionIdMarker?: string;
  maxKeys?: number;
}

export interface ListedVersion {
  key: string;
  /** Empty when `damage` is set (the version id is in the header that cannot be read). */
  versionId: string;
  isLatest: boolean;
  size: number;
  lastModified: Date;
  /** As ListedObject.damage. */
  damage?: string;
}

export interface ListVersionsPage {
  versions: ListedVersion[];
  /** Both present only when there is more to list; pass them back as keyMarker / versionIdMarker. */
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

export interface ObjectStore {
  /** Where the store is, for messages: `file:///abs/path`, `s3://bucket/prefix`. */
  readonly description: string;
  /** Create-only: rejects with ObjectExistsError when the key exists. */
  put(input: PutObjectInput): Promise<PutObjectResult>;
  /** Rejects with ObjectNotFoundError for a missing key or version. */
  get(key: string, options?: { versionId?: string }): Promise<StoredObject>;
  /** Rejects with ObjectNotFoundError for a missing key or version. */
  head(key: string, options?: { versionId?: string }): Promise<ObjectHead>;
  /** Rejects with ObjectNotFoundError for a missing key or version. */
  getTags(key: string, options?: { versionId?: string }): Promise<Tags>;
  list(input: ListObjectsInput): Promise<ListObjectsPage>;
  listVersions(input: ListVersionsInput): Promise<ListVersionsPage>;
}

export const DEFAULT_MAX_KEYS = 1000;

/** maxKeys as S3 applies it: default 1000, capped at 1000; anything but a positive integer is a caller bug. */
export function resolveMaxKeys(maxKeys: number | undefined): number {
  if (maxKeys === undefined) return DEFAULT_MAX_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
  }
  return Math.min(maxKeys, DEFAULT_MAX_KEYS);
}

// No "-": RGW turns "_" into "-" in metadata names, so the S3 store maps "-" back to "_" when reading; a name
// with "-" could not round-trip there, and every backend refuses the same input.
const METADATA_KEY = /^[a-z0-9][a-z0-9._]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const CONTENT_CODING = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Structural checks of a put every backend shares (the key rules are in keys.ts). Size limits (10 tags, 2 KB of
 * metadata, ...) are the lake's business: it checks them before calling, with messages that name the object.
 * Metadata travels as HTTP headers on S3, hence lower-case header-token names and printable ASCII values.
 */
export function putInputProblem(input: PutObjectInput): string | undefined {
  const { body, contentType, contentEncoding, tags, metadata } = input;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return 'body must be a string or a Uint8Array';
  if (typeof contentType !== 'string' || contentType.length === 0 || !PRINTABLE_ASCII.test(contentType)) {
    return 'contentType must be a non-empty printable ASCII string';
  }
  if (contentEncoding !== undefined && !CONTENT_CODING.test(contentEncoding)) {
    return 'contentEncoding must be an HTTP content-coding token such as gzip';
  }
  for (const [name, value] of Object.entries(tags ?? {})) {
    if (name.length === 0 || typeof value !== 'string')
      return `tag ${JSON.stringify(name)}: empty name or non-string value`;
  }
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (!METADATA_KEY.test(name))
      return `metadata key ${JSON.stringify(name)}: use lower-case letters, digits, "_", "."`;
    if (typeof value !== 'string' || !PRINTABLE_ASCII.test(value)) {
      return `metadata ${JSON.stringify(name)}: the value must be printable ASCII`;
    }
    // S3 drops leading and trailing blanks of metadata values: refuse them rather than lose them.
    if (value !== value.trim()) return `metadata ${JSON.stringify(name)}: the value must not start or end with blanks`;
  }
  return undefined;
}

/** Checks a put before any I/O: InvalidObjectKeyError for the key, ObjectStoreError for the rest. */
export function checkPutInput(input: PutObjectInput): void {
  checkKey(input.key);
  const problem = putInputProblem(input);
  if (problem !== undefined) throw new ObjectStoreError(`cannot put ${input.key}: ${problem}`, { key: input.key });
}
