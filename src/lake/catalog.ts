import type { ObjectKind } from './keys.js';

/**
 * The catalog: one row per lake object (the `lake_objects` table), so that "latest", "versions" and
 * "derived from" are one indexed query instead of a listing. The lake works without it (listing the store),
 * and `marketlake catalog rebuild` can refill it from the lake alone.
 */
export interface CatalogEntry {
  key: string;
  kind: ObjectKind;
  ticker: string;
  /** Fetch date for raw objects, as-of date for processed ones. */
  objectDate: string;
  versionId: string;
  sha256: string;
  size: number;
  computationVersion: string | null;
  sourceRawKey: string | null;
  sourceRawVersionId: string | null;
  createdAt: Date;
}

export interface CatalogFilter {
  kind: ObjectKind;
  ticker: string;
  date?: string;
}

export interface LakeCatalog {
  /** The newest entry (by date, then key order as compareKeys) of one kind and ticker, optionally on one date. */
  findLatest(filter: CatalogFilter): Promise<CatalogEntry | undefined>;
  /** Every entry, newest first. */
  list(filter: CatalogFilter): Promise<CatalogEntry[]>;
  /** Every processed entry computed from this raw key. */
  findDerived(rawKey: string): Promise<CatalogEntry[]>;
  /** Records a written object (idempotent on key). */
  record(entry: CatalogEntry): Promise<void>;
}
