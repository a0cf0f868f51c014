import { UserError } from '../errors.js';

/**
 * Errors of an ObjectStore. They extend UserError because every one of them is actionable (a missing object, a
 * key written twice, a lake that is unreachable or full) and the CLI should print the message, not a stack.
 * Backends wrap their native failures (errno codes, S3 service errors) in ObjectStoreError and keep the original
 * as `cause`, so callers can catch one class for "the lake failed" whatever the backend.
 */
export class ObjectStoreError extends UserError {
  override readonly name: string = 'ObjectStoreError';
  /** The object key the operation was about, when there is one. */
  readonly key: string | undefined;

  constructor(message: string, options: { key?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.key = options.key;
  }
}

/**
 * An object whose stored bytes fail their own checks (truncated, a checksum that does not match, an unknown
 * format): retrying will not help, unlike a lake that does not answer. `where` names the file; `reason` says what
 * is wrong, without it.
 */
export class CorruptObjectError extends ObjectStoreError {
  override readonly name = 'CorruptObjectError';
  declare readonly key: string;

  constructor(
    readonly where: string,
    key: string,
    readonly reason: string,
  ) {
    super(`corrupt object file ${where} (key ${key}): ${reason}`, { key });
  }
}

/** A create-only put found the key taken (S3: 412 PreconditionFailed on `If-None-Match: *`). */
export class ObjectExistsError extends ObjectStoreError {
  override readonly name = 'ObjectExistsError';
  declare readonly key: string;

  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`object already exists: ${key}`, { key, cause: options.cause });
  }
}

/** No such key, or no such version of the key (S3: NoSuchKey / NoSuchVersion / 404). */
export class ObjectNotFoundError extends ObjectStoreError {
  override readonly name = 'ObjectNotFoundError';
  declare readonly key: string;
  readonly versionId: string | undefined;

  constructor(key: string, options: { versionId?: string; cause?: unknown } = {}) {
    super(
      options.versionId === undefined
        ? `object not found: ${key}`
        : `object version not found: ${key} (version ${options.versionId})`,
      { key, cause: options.cause },
    );
    this.versionId = options.versionId;
  }
}

/** A key every backend refuses, checked before any I/O (see keys.ts for the rules). */
export class InvalidObjectKeyError extends ObjectStoreError {
  override readonly name = 'InvalidObjectKeyError';
  declare readonly key: string;

  constructor(
    key: string,
    readonly reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`, { key });
  }
}
