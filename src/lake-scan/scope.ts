/**
 * Which part of the lake a scan (verify, catalog rebuild) looks at: everything under `raw/` and `processed/`, or
 * the folders of some tickers; and the catalog rows of the same scope.
 */
import type { Kysely } from 'kysely';
import { type ParsedKey, parseKey, PROCESSED_KINDS, RAW_SOURCES, tickerPrefix } from '../lake/keys.js';
import { InvalidKeyError } from '../lake/keys.js';
import { InvalidTickerError } from '../market/ticker.js';
import { listAllObjects } from '../storage/listing.js';
import type { ObjectStore } from '../storage/object-store.js';
import { type CatalogObject, listCatalogObjects } from '../warehouse/lake-objects.js';
import type { Database } from '../warehouse/schema.js';

export interface ListedLakeObject {
  key: string;
  size: number;
  /** Undefined for a key outside the layout of docs/design.md "Keys" (a manual upload, another tool's file). */
  parsed: ParsedKey | undefined;
  /** Why the store cannot serve what it lists under this key (see ListedObject.damage); absent when healthy. */
  damage?: string;
  /** The ETag of the current version as listed, when the store gives one. */
  etag?: string;
}

/** The prefixes to list: the two top folders, or per ticker the folder of every raw source and processed kind. */
export function scopePrefixes(tickers?: readonly string[]): string[] {
  if (tickers === undefined) return ['raw/', 'processed/'];
  return tickers.flatMap((ticker) => [
    ...RAW_SOURCES.map((source) => tickerPrefix('raw', ticker, source)),
    ...PROCESSED_KINDS.map((kind) => tickerPrefix(kind, ticker)),
  ]);
}

/** What a keys-only listing gives (see ListObjectsInput.keysOnly): for a scan that reads every object anyway. */
export type ListedLakeKey = Pick<ListedLakeObject, 'key' | 'parsed' | 'damage'>;

export async function listLakeKeys(store: ObjectStore, prefixes: readonly string[]): Promise<ListedLakeKey[]> {
  const listed: ListedLakeKey[] = [];
  for (const prefix of prefixes) {
    for await (const object of listAllObjects(store, prefix, { keysOnly: true })) {
      const entry: ListedLakeKey = { key: object.key, parsed: parseKeyOrUndefined(object.key) };
      if (object.damage !== undefined) entry.damage = object.damage;
      listed.push(entry);
    }
  }
  return listed;
}

export async function listLakeObjects(store: ObjectStore, prefixes: readonly string[]): Promise<ListedLakeObject[]> {
  const listed: ListedLakeObject[] = [];
  for (const prefix of prefixes) {
    for await (const object of listAllObjects(store, prefix)) {
      const entry: ListedLakeObject = { key: object.key, size: object.size, parsed: parseKeyOrUndefined(object.key) };
      if (object.damage !== undefined) entry.damage = object.damage;
      if (object.etag !== undefined) entry.etag = object.etag;
      listed.push(entry);
    }
  }
  return listed;
}

export async function catalogRowsInScope(db: Kysely<Database>, tickers?: readonly string[]): Promise<CatalogObject[]> {
  if (tickers === undefined) return listCatalogObjects(db);
  const rows: CatalogObject[] = [];
  for (const ticker of tickers) rows.push(...(await listCatalogObjects(db, { ticker })));
  return rows;
}

export function parseKeyOrUndefined(key: string): ParsedKey | undefined {
  try {
    return parseKey(key);
  } catch (error) {
    // Only "not one of our keys" is an answer here; anything else is a bug to see.
    if (error instanceof InvalidKeyError || error instanceof InvalidTickerError) return undefined;
    throw error;
  }
}

/** Orders keys so that the objects of one computation (same ticker, date and time: one raw) are neighbours. */
export function compareByComputation(a: ParsedKey, b: ParsedKey): number {
  return (
    compareText(a.ticker, b.ticker) ||
    compareText(a.date, b.date) ||
    compareText(a.timestamp, b.timestamp) ||
    a.sequence - b.sequence ||
    compareText(a.kind, b.kind)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
