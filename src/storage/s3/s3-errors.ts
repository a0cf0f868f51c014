import { ObjectArchivedError } from '../archived.js';
import { ObjectExistsError, ObjectNotFoundError, ObjectStoreError } from '../errors.js';

/**
 * Maps AWS SDK failures onto the ObjectStore errors. The SDK throws S3ServiceException subclasses whose `name`
 * is the S3 error code (`NoSuchKey`, `PreconditionFailed`, ...) and whose `$metadata.httpStatusCode` is the
 * status; HEAD responses have no body, so there only the status is known (`NotFound`, `Forbidden`). Network
 * and credential failures are plain errors with a Node `code` (ECONNREFUSED) or a provider message.
 *
 * Messages name the operation, the bucket and the full key, and the server's code and status. They never carry
 * request details: a signature mismatch answer echoes the string-to-sign and the access key id, so the raw XML
 * (kept on `cause.$response`) is not quoted.
 */
export interface S3ErrorFacts {
  /** The S3 error code, or for non-service errors the Node error code or class name. */
  code: string;
  status: number | undefined;
  /** The server's message, when it sent one (RGW often does not; the SDK then says "UnknownError"). */
  message: string | undefined;
  /** The modeled InvalidObjectState error carries the object's storage class. */
  storageClass: string | undefined;
}

export function s3ErrorFacts(error: unknown): S3ErrorFacts {
  const e = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    StorageClass?: unknown;
    errors?: unknown;
  };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code =
    typeof e.code === 'string' && status === undefined
      ? e.code
      : typeof e.name === 'string' && e.name !== 'Error'
        ? e.name
        : typeof e.code === 'string'
          ? e.code
          : 'Error';
  let message =
    typeof e.message === 'string' && e.message !== '' && e.message !== 'UnknownError' ? e.message : undefined;
  // Node 20 reports a refused connection to a name with several addresses as an AggregateError without a message.
  if (message === undefined && Array.isArray(e.errors)) {
    message =
      e.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))).join('; ') ||
      undefined;
  }
  return { code, status, message, storageClass: typeof e.StorageClass === 'string' ? e.StorageClass : undefined };
}

/**
 * The SDK found no credentials, or could not load the ones configured (a missing profile, an expired SSO
 * token): it sent no request, so there is no status either, but the server is not the problem. A configuration
 * error, never "the lake does not answer".
 */
export function isCredentialsFailure(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'CredentialsProviderError' || name === 'TokenProviderError';
}

export function describeS3Failure(facts: S3ErrorFacts): string {
  const status = facts.status === undefined ? '' : ` (HTTP ${facts.status})`;
  const message = facts.message === undefined || facts.message === facts.code ? '' : `: ${facts.message}`;
  return `${facts.code}${status}${message}`;
}

export interface S3ErrorContext {
  /** The S3 operation, e.g. GetObject. */
  operation: string;
  bucket: string;
  /** The key as the store's caller knows it (without the store's prefix). */
  key?: string;
  /** The key as stored in the bucket (with the prefix), for messages. */
  fullKey?: string;
  versionId?: string;
  /** Whether a 412 means "the key exists" (a conditional put). */
  conditionalPut?: boolean;
}

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);

/** The ObjectStore error for a failed S3 request. */
export function toObjectStoreError(error: unknown, context: S3ErrorContext): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const facts = s3ErrorFacts(error);
  const { key, versionId } = context;
  if (key !== undefined) {
    if (NOT_FOUND_CODES.has(facts.code) || (facts.status === 404 && facts.code !== 'NoSuchBucket')) {
      return new ObjectNotFoundError(key, { versionId, cause: error });
    }
    if (versionId !== undefined) {
      // A version id that is a delete marker (405) or malformed for this server (AWS: 400 "Invalid version id
      // specified") names no version of the key: not found, as the interface promises.
      if (facts.status === 405 || (facts.status === 400 && facts.code === 'InvalidArgument')) {
        return new ObjectNotFoundError(key, { versionId, cause: error });
      }
    }
    if (context.conditionalPut === true && (facts.code === 'PreconditionFailed' || facts.status === 412)) {
      return new ObjectExistsError(key, { cause: error });
    }
    if (facts.code === 'InvalidObjectState' && context.operation === 'GetObject') {
      return new ObjectArchivedError(key, { storageClass: facts.storageClass, cause: error });
    }
  }
  const where = `s3://${context.bucket}/${context.fullKey ?? ''}`;
  const version = versionId === undefined ? '' : ` (version ${versionId})`;
  const hint =
    facts.code === 'NoSuchBucket'
      ? ` (bucket ${context.bucket} does not exist)`
      : facts.status === 403 && facts.code !== 'InvalidObjectState'
        ? ' (check the credentials and their permissions on the bucket)'
        : '';
  return new ObjectStoreError(`S3 ${context.operation} ${where}${version} failed: ${describeS3Failure(facts)}${hint}`, {
    key,
    cause: error,
  });
}
