import { DEFAULT_RESTORE_DAYS, DEFAULT_RESTORE_TIER, type RestoreTier } from '../archived.js';
import { ObjectStoreError } from '../errors.js';
import type { S3ObjectStore } from './s3-object-store.js';

/**
 * `marketlake restore`: one RestoreObject per archived key, each reported from what S3 says about it.
 * Keys are handled one after another and a failing key does not stop the others: a user restoring a list of
 * keys wants to know about every one.
 */
export type RestoreState =
  /** Not in an archive storage class: readable now, nothing was requested. */
  | 'not-archived'
  /** S3 accepted a new restore request (202). */
  | 'requested'
  /** A restore was requested earlier and is still running (409 RestoreAlreadyInProgress). */
  | 'in-progress'
  /** A restored copy is readable now; the request extended it to `days` (200). */
  | 'restored'
  | 'failed';

export interface RestoreReport {
  key: string;
  state: RestoreState;
  storageClass?: string;
  /** When the restored copy expires (state `restored`). */
  expiresAt?: Date;
  /** The error message (state `failed`). */
  error?: string;
}

export interface RestoreKeysOptions {
  days?: number;
  tier?: RestoreTier;
  /** Called after each key, for progress output. */
  onReport?: (report: RestoreReport) => void;
}

export async function restoreKeys(
  store: S3ObjectStore,
  keys: readonly string[],
  options: RestoreKeysOptions = {},
): Promise<RestoreReport[]> {
  const days = options.days ?? DEFAULT_RESTORE_DAYS;
  const tier = options.tier ?? DEFAULT_RESTORE_TIER;
  const reports: RestoreReport[] = [];
  for (const key of keys) {
    const report = await restoreOne(store, key, days, tier);
    reports.push(report);
    options.onReport?.(report);
  }
  return reports;
}

async function restoreOne(store: S3ObjectStore, key: string, days: number, tier: RestoreTier): Promise<RestoreReport> {
  try {
    const before = await store.restoreStatus(key);
    const storageClass = before.storageClass;
    if (!before.archived) return { key, state: 'not-archived', storageClass };
    const outcome = await store.restore(key, { days, tier });
    if (outcome === 'requested') return { key, state: 'requested', storageClass };
    if (outcome === 'in-progress') return { key, state: 'in-progress', storageClass };
    // 200: the copy existed and its expiry moved; read the new date from the header.
    const after = await store.restoreStatus(key);
    return {
      key,
      state: 'restored',
      storageClass,
      ...(after.expiresAt === undefined ? {} : { expiresAt: after.expiresAt }),
    };
  } catch (error) {
    if (error instanceof ObjectStoreError || error instanceof RangeError)
      return { key, state: 'failed', error: error.message };
    throw error;
  }
}

/** One line for people: what happened to the key and what to do next. */
export function describeRestoreReport(report: RestoreReport, options: { days: number; tier: RestoreTier }): string {
  const cls = report.storageClass ?? 'unknown storage class';
  switch (report.state) {
    case 'not-archived':
      return `${report.key}: not archived (${cls}): readable now, nothing to restore`;
    case 'requested':
      return `${report.key}: restore requested (${cls}, tier ${options.tier}, ${options.days} days); run the command again later to see its progress`;
    case 'in-progress':
      return `${report.key}: restore in progress (${cls}); not readable yet`;
    case 'restored':
      return `${report.key}: already restored (${cls}): readable${report.expiresAt === undefined ? '' : ` until ${report.expiresAt.toISOString()}`}`;
    case 'failed':
      return `${report.key}: failed: ${report.error ?? 'unknown error'}`;
  }
}
