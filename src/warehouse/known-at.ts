/**
 * The catalog's side of "as known at T" (src/as-known-at/): which objects of a kind and ticker were catalogued
 * (`created_at`, their computed_at / fetched_at) by T. One indexed query on `created_at` per step.
 */
import type { Kysely } from 'kysely';
import type { Database, LakeObjectKind } from './schema.js';

export interface KnownAtFilter {
  kind: LakeObjectKind;
  ticker: string;
  /** Only objects of this date (as-of date; fetch date for raw). */
  date?: string;
  at: Date;
}

export interface KnownAtRow {
  key: string;
  version_id: string | null;
  created_at: Date;
}

/**
 * The objects of the newest date among those known at `filter.at`, in no particular order (the column sorts
 * keys as text, which is not the order of their numeric `_n` suffixes); none when nothing was known then.
 */
export async function listKnownAtOfNewestDate(db: Kysely<Database>, filter: KnownAtFilter): Promise<KnownAtRow[]> {
  let known = db
    .selectFrom('lake_objects')
    .where('kind', '=', filter.kind)
    .where('ticker', '=', filter.ticker)
    .where('created_at', '<=', filter.at);
  if (filter.date !== undefined) known = known.where('object_date', '=', filter.date);
  const newest = await known.select('object_date').orderBy('object_date', 'desc').limit(1).executeTakeFirst();
  if (newest === undefined) return [];
  return known.select(['key', 'version_id', 'created_at']).where('object_date', '=', newest.object_date).execute();
}

/** Whether the catalog holds any object of the kind and ticker, known at any time. */
export async function catalogKnowsAny(db: Kysely<Database>, kind: LakeObjectKind, ticker: string): Promise<boolean> {
  const row = await db
    .selectFrom('lake_objects')
    .select('key')
    .where('kind', '=', kind)
    .where('ticker', '=', ticker)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
