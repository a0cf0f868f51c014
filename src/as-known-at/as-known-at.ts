/**
 * "As known at T": the object a reader asking for the latest at time T got, i.e. what a report produced at T
 * saw. Among the objects of a kind and ticker (and date, when given) that were known at T (`computed_at` for
 * processed objects, `fetched_at` for raw ones, <= T), the latest in the lake's own sense of latest: the newest
 * date, then the newest key of that date (docs/design.md "Keys"). So an older as-of date recomputed later does not
 * hide a newer date, exactly as it does not for `get` today.
 *
 * The catalog answers with indexed queries on `created_at` (src/warehouse/known-at.ts). When it knows nothing
 * at all of the kind and ticker (a lost database not yet rebuilt, or a lake without a catalog), the lake is read
 * instead: the date folders newest first, each folder's keys newest first, one HEAD each until one was known at T.
 */
import type { Kysely } from 'kysely';
import { UserError } from '../errors.js';
import type { DataLake, LakeObject } from '../lake/data-lake.js';
import { LakeObjectNotFoundError } from '../lake/data-lake.js';
import {
  compareKeys,
  datePrefix,
  InvalidKeyError,
  type ObjectKind,
  type ParsedKey,
  RAW_SOURCES,
  tickerPrefix,
} from '../lake/keys.js';
import { isIsoDate } from '../market/dates.js';
import { normalizeTicker } from '../market/ticker.js';
import { listAllCommonPrefixes, listAllKeys } from '../storage/listing.js';
import type { ObjectStore } from '../storage/object-store.js';
import { catalogKnowsAny, listKnownAtOfNewestDate } from '../warehouse/known-at.js';
import type { Database } from '../warehouse/schema.js';
import { knownSince } from '../lake-scan/expected-catalog-row.js';
import { parseKeyOrUndefined } from '../lake-scan/scope.js';

import { InvalidInstantError } from './instant.js';

export { InvalidInstantError, parseInstant } from './instant.js';

export interface AsKnownAtQuery {
  kind: ObjectKind;
  ticker: string;
  /** Only objects of this date (as-of date; fetch date for raw). */
  date?: string;
  at: Date;
}

export interface KnownObject {
  key: string;
  /** Undefined only when the catalog row has no version id (an unversioned store). */
  versionId: string | undefined;
  /** Its computed_at / fetched_at. */
  knownSince: Date;
  /** Which source answered. */
  via: 'catalog' | 'lake';
}

export async function findAsKnownAtInCatalog(
  db: Kysely<Database>,
  query: AsKnownAtQuery,
): Promise<KnownObject | undefined> {
  const rows = await listKnownAtOfNewestDate(db, checked(query));
  if (rows.length === 0) return undefined;
  // Within the date, key order as compareKeys has it (numeric `_n` suffixes), not the column's text order.
  const latest = rows
    .map((row) => ({ row, parsed: parseCatalogKey(row.key) }))
    .reduce((best, candidate) => (compareKeys(candidate.parsed, best.parsed) > 0 ? candidate : best));
  return {
    key: latest.row.key,
    versionId: latest.row.version_id ?? undefined,
    knownSince: latest.row.created_at,
    via: 'catalog',
  };
}

export async function findAsKnownAtInLake(store: ObjectStore, query: AsKnownAtQuery): Promise<KnownObject | undefined> {
  const { kind, ticker, date, at } = checked(query);
  const sources = kind === 'raw' ? RAW_SOURCES : [undefined];
  const dates = date !== undefined ? [date] : await dateFolders(store, kind, ticker);
  for (const day of dates) {
    const candidates: (ParsedKey & { key: string })[] = [];
    for (const source of sources) {
      for await (const key of listAllKeys(store, datePrefix(kind, ticker, day, source))) {
        const parsed = parseKeyOrUndefined(key);
        if (parsed !== undefined) candidates.push({ ...parsed, key });
      }
    }
    // Newest first: the first one known at T is the latest of the date as of T.
    candidates.sort((a, b) => compareKeys(b, a));
    for (const candidate of candidates) {
      const head = await store.head(candidate.key);
      const since = knownSince(candidate, head.metadata);
      if (since.getTime() <= at.getTime())
        return { key: candidate.key, versionId: head.versionId, knownSince: since, via: 'lake' };
    }
  }
  return undefined;
}

/**
 * The catalog when it knows the kind and ticker at all; the lake when it does not, since an empty catalog (a
 * lost database) would otherwise answer "nothing" for everything.
 */
export async function findAsKnownAt(
  sources: { store: ObjectStore; db?: Kysely<Database> },
  query: AsKnownAtQuery,
): Promise<KnownObject | undefined> {
  if (sources.db !== undefined) {
    const found = await findAsKnownAtInCatalog(sources.db, query);
    if (found !== undefined) return found;
    const { kind, ticker } = checked(query);
    if (await catalogKnowsAny(sources.db, kind, ticker)) return undefined;
  }
  return findAsKnownAtInLake(sources.store, query);
}

/** The object as known at `query.at`; LakeObjectNotFoundError when nothing of the kind was known then. */
export async function getAsKnownAt<Body = unknown>(
  lake: DataLake,
  db: Kysely<Database> | undefined,
  query: AsKnownAtQuery,
): Promise<LakeObject<Body>> {
  const found = await findAsKnownAt({ store: lake.store, ...(db ? { db } : {}) }, query);
  if (found === undefined) {
    const { kind, ticker, date, at } = checked(query);
    throw new LakeObjectNotFoundError(
      `no ${kind} object for ${ticker}${date ? ` on ${date}` : ''} was known at ${at.toISOString()} in ${lake.store.description}`,
    );
  }
  return lake.get<Body>(found.key, found.versionId);
}

function checked(query: AsKnownAtQuery): AsKnownAtQuery {
  if (query.date !== undefined && !isIsoDate(query.date))
    throw new InvalidKeyError(`"${query.date}" is not a date YYYY-MM-DD`);
  if (Number.isNaN(query.at.getTime())) throw new InvalidInstantError('the "as known at" time is not a valid date');
  return { ...query, ticker: normalizeTicker(query.ticker) };
}

/** Every date folder of a kind and ticker (all raw sources), newest first. */
async function dateFolders(store: ObjectStore, kind: ObjectKind, ticker: string): Promise<string[]> {
  const dates = new Set<string>();
  for (const source of kind === 'raw' ? RAW_SOURCES : [undefined]) {
    const prefix = tickerPrefix(kind, ticker, source);
    for await (const folder of listAllCommonPrefixes(store, prefix, '/')) {
      const day = folder.slice(prefix.length, -1);
      if (isIsoDate(day)) dates.add(day);
    }
  }
  return [...dates].sort().reverse();
}

function parseCatalogKey(key: string): ParsedKey {
  const parsed = parseKeyOrUndefined(key);
  // The catalog only ever holds keys the lake wrote; anything else is a damaged row to fix, not to skip.
  if (parsed === undefined) throw new UserError(`lake_objects holds "${key}", which is not a marketlake object key`);
  return parsed;
}
