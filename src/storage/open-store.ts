/**
 * The lake's object store opened from the configuration, with nothing else: no database, so a command that reads or
 * writes the lake alone (`tables rebuild`, `sql`) loads no database driver. runtime.ts opens it bound to the
 * database for every other command.
 */
import type { Config, LakeLocation } from '../config.js';
import { FsObjectStore } from './fs/fs-object-store.js';
import type { ObjectStore } from './object-store.js';

export function warnUnanswered(problem: string): void {
  process.stderr.write(`marketlake: warning: ${problem}; lake writes wait in the outbox (marketlake lake retry)\n`);
}

type S3LakeLocation = Extract<LakeLocation, { kind: 's3' }>;

export async function openObjectStore(config: Config, tolerateUnreachable = false): Promise<ObjectStore> {
  if (config.lake.kind === 'file') return FsObjectStore.open(config.lake.path);
  const { store, unanswered } = await openS3Store(config.lake, tolerateUnreachable);
  if (unanswered !== undefined) warnUnanswered(unanswered);
  return store;
}

/** The S3 store; `unanswered` says why it did not answer when opened (only when an unreachable lake is tolerated). */
export async function openS3Store(
  lakeLocation: S3LakeLocation,
  tolerateUnreachable: boolean,
): Promise<{ store: ObjectStore; unanswered?: string }> {
  // The AWS SDK costs about 200 ms to load: only S3 lakes pay for it.
  const [{ S3ObjectStore }, { isCredentialsFailure, s3ErrorFacts }] = await Promise.all([
    import('./s3/s3-object-store.js'),
    import('./s3/s3-errors.js'),
  ]);
  const { bucket, prefix, endpoint } = lakeLocation;
  const options = { bucket, prefix, ...(endpoint ? { endpoint } : {}) };
  try {
    return { store: await S3ObjectStore.open(options) };
  } catch (error) {
    // No HTTP status at all: the server did not answer (refused, timed out, unresolvable). Missing credentials
    // have no status either, but no request was sent: a configuration error, like a missing bucket.
    const cause = (error as Error).cause;
    const unreachable = s3ErrorFacts(cause).status === undefined && !isCredentialsFailure(cause);
    if (!tolerateUnreachable || !unreachable) throw error;
    return { store: new S3ObjectStore(options), unanswered: (error as Error).message };
  }
}
