import { ObjectStoreError } from './errors.js';

/**
 * Archived objects. A lifecycle rule may move old lake objects to S3 Glacier Flexible Retrieval (`GLACIER`) or
 * Deep Archive (`DEEP_ARCHIVE`); Amazon S3 then refuses GET with `InvalidObjectState` until a restore has made a
 * temporary copy readable. The lake cannot fix that by itself (a restore takes minutes to hours and costs money),
 * so the error tells the user exactly which command starts one. Only S3 stores raise it: file lakes never archive.
 */

/** Retrieval tiers a restore can ask for. Expedited is left out on purpose: Deep Archive refuses it. */
export const RESTORE_TIERS = ['Standard', 'Bulk'] as const;
export type RestoreTier = (typeof RESTORE_TIERS)[number];
export const DEFAULT_RESTORE_DAYS = 7;
export const DEFAULT_RESTORE_TIER: RestoreTier = 'Standard';

/** Storage classes whose objects cannot be read without a restore (GLACIER_IR can: it is not listed). */
export const ARCHIVE_STORAGE_CLASSES: readonly string[] = ['GLACIER', 'DEEP_ARCHIVE'];

/** The command that restores `key`, as the messages print it. */
export function restoreCommandHint(key: string): string {
  return `marketlake restore ${key} [--days N] [--tier ${RESTORE_TIERS.join('|')}]`;
}

/** A read of an object that sits in an archive storage class and has no restored copy. */
export class ObjectArchivedError extends ObjectStoreError {
  override readonly name = 'ObjectArchivedError';
  declare readonly key: string;
  /** As the server named it (GLACIER, DEEP_ARCHIVE, INTELLIGENT_TIERING); undefined when it did not say. */
  readonly storageClass: string | undefined;

  constructor(key: string, options: { storageClass?: string; cause?: unknown } = {}) {
    const where = options.storageClass === undefined ? 'an archive storage class' : options.storageClass;
    super(
      `object ${key} is archived (${where}) and cannot be read until it is restored; ` +
        `run: ${restoreCommandHint(key)} and read it again once the restore has finished`,
      { key, cause: options.cause },
    );
    this.storageClass = options.storageClass;
  }
}

/** Where an object stands with respect to archiving and restores (from HeadObject). */
export interface RestoreStatus {
  key: string;
  versionId: string | undefined;
  /** STANDARD when the server does not say (S3 omits the header for STANDARD). */
  storageClass: string;
  /** In GLACIER or DEEP_ARCHIVE, or in an archive tier of INTELLIGENT_TIERING: a GET needs a restore first. */
  archived: boolean;
  /**
   * none: no restore was requested (or the restored copy has expired); in-progress: requested, not yet
   * readable; restored: a temporary copy is readable until `expiresAt`.
   */
  restore: 'none' | 'in-progress' | 'restored';
  expiresAt?: Date;
  /** Whether a GET would return the body now. */
  readable: boolean;
}

/**
 * Parses S3's `x-amz-restore` header: `ongoing-request="true"` while a restore runs, then
 * `ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"` while the restored copy lives.
 * Anything else (absent, unparseable) means no restore is known.
 */
export function parseRestoreHeader(header: string | undefined): Pick<RestoreStatus, 'restore' | 'expiresAt'> {
  if (header === undefined) return { restore: 'none' };
  const ongoing = /ongoing-request\s*=\s*"(true|false)"/i.exec(header)?.[1]?.toLowerCase();
  if (ongoing === 'true') return { restore: 'in-progress' };
  if (ongoing !== 'false') return { restore: 'none' };
  const expiry = /expiry-date\s*=\s*"([^"]+)"/i.exec(header)?.[1];
  const expiresAt = expiry === undefined ? undefined : new Date(expiry);
  if (expiresAt === undefined || Number.isNaN(expiresAt.getTime())) return { restore: 'restored' };
  return { restore: 'restored', expiresAt };
}

/** Combines the storage class, the archive status and the restore header into a RestoreStatus. */
export function restoreStatusOf(input: {
  key: string;
  versionId: string | undefined;
  storageClass: string | undefined;
  archiveStatus: string | undefined;
  restoreHeader: string | undefined;
  now?: Date;
}): RestoreStatus {
  const storageClass = input.storageClass ?? 'STANDARD';
  const archived = ARCHIVE_STORAGE_CLASSES.includes(storageClass) || input.archiveStatus !== undefined;
  const parsed = parseRestoreHeader(input.restoreHeader);
  // A restored copy past its expiry date is gone (S3 may lag in updating the header).
  const now = input.now ?? new Date();
  const expired = parsed.restore === 'restored' && parsed.expiresAt !== undefined && parsed.expiresAt <= now;
  const restore = expired ? 'none' : parsed.restore;
  return {
    key: input.key,
    versionId: input.versionId,
    storageClass,
    archived,
    restore,
    ...(restore === 'restored' && parsed.expiresAt !== undefined ? { expiresAt: parsed.expiresAt } : {}),
    readable: !archived || restore === 'restored',
  };
}
