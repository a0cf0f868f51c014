/**
 * The catalog's answers (src/lake/catalog.ts) from the lake alone: for the reads of the CLI (`get`, `versions`,
 * `lineage`) on an embedded home, whose file lake is on the same disk, listing a ticker's folders and reading a
 * few object headers costs milliseconds, where opening the database costs about a second.
 *
 * Each entry is the row `catalog rebuild` would insert for the object (expected-catalog-row.ts), which is the row
 * the pipeline inserted (`verify` holds the two equal), and the answers keep the catalog's orders:
 *   - latest: the greatest (object date, key), keys compared byte by byte (the key column is `collate "C"`);
 *   - list: newest first by compareKeys, ties in (object date, key) order, as WarehouseLakeCatalog sorts them;
 *   - derived: by kind, object date, key, as listCatalogObjects orders them.
 * Where the lake alone is not conclusive (an object it cannot read, or whose metadata does not say what its row
 * holds) it throws LakeNotConclusiveError, and the caller asks the database instead.
 *
 * What it cannot know: objects in the lake whose catalog row is not written yet (an outbox entry whose object
 * the lake took, during a run or after a crash until the next drain) are listed, since they are in the lake;
 * catalog rows whose object is missing from the lake are not (`verify` reports both).
 */
import type { CatalogEntry, CatalogFilter, LakeCatalog } from '../lake/catalog.js';
import {
  compareKeys,
  datePrefix,
  type ObjectKind,
  parseKey,
  type ParsedKey,
  PROCESSED_KINDS,
  RAW_SOURCES,
  tickerPrefix,
} from '../lake/keys.js';
import { listAllCommonPrefixes, listAllObjects } from '../storage/listing.js';
import type { ObjectHead, ObjectStore } from '../storage/object-store.js';
import { deriveCatalogRow } from './expected-catalog-row.js';

/** The lake alone cannot answer as the catalog would: ask the database. */
export class LakeNotConclusiveError extends Error {
  override readonly name = 'LakeNotConclusiveError';
}

export class ListingCatalog implements LakeCatalog {
  constructor(private readonly store: ObjectStore) {}

  async findLatest(filter: CatalogFilter): Promise<CatalogEntry | undefined> {
    // Date folders newest first: the newest one holding an object holds the latest (keys sort by date first).
    const dates = filter.date !== undefined ? [filter.date] : await this.dates(filter.kind, filter.ticker);
    for (const date of dates) {
      const entries = await this.entries(prefixesOf(filter.kind, filter.ticker, date));
      if (entries.length > 0)
        return entries.reduce((best, entry) => (byteOrder(entry.key, best.key) > 0 ? entry : best));
    }
    return undefined;
  }

  async list(filter: CatalogFilter): Promise<CatalogEntry[]> {
    const entries = await this.entries(prefixesOf(filter.kind, filter.ticker, filter.date));
    return inCatalogOrder(entries).sort((a, b) => compareKeys(parseKey(b.key), parseKey(a.key)));
  }

  async findDerived(rawKey: string): Promise<CatalogEntry[]> {
    // A processed object is of its raw snapshot's ticker: its folders are the only place to look.
    const { ticker } = parseKey(rawKey);
    const derived: CatalogEntry[] = [];
    for (const kind of [...PROCESSED_KINDS].sort()) {
      const entries = await this.entries([tickerPrefix(kind, ticker)]);
      derived.push(...inCatalogOrder(entries.filter((entry) => entry.sourceRawKey === rawKey)));
    }
    return derived;
  }

  record(entry: CatalogEntry): Promise<void> {
    return Promise.reject(new Error(`the lake's listing is read-only: cannot catalogue ${entry.key}`));
  }

  /** The date folders of a kind and ticker (of every raw source), newest first, without reading any object. */
  private async dates(kind: ObjectKind, ticker: string): Promise<string[]> {
    const dates = new Set<string>();
    for (const prefix of prefixesOf(kind, ticker)) {
      for await (const folder of listAllCommonPrefixes(this.store, prefix, '/')) {
        dates.add(folder.slice(prefix.length, -1));
      }
    }
    return [...dates].sort().reverse();
  }

  /** The catalog entry of every object under these prefixes, as the lake alone describes it. */
  private async entries(prefixes: readonly string[]): Promise<CatalogEntry[]> {
    const entries: CatalogEntry[] = [];
    for (const prefix of prefixes) {
      for await (const listed of listAllObjects(this.store, prefix)) {
        if (listed.damage !== undefined) {
          throw new LakeNotConclusiveError(`${listed.key} cannot be read from the lake: ${listed.damage}`);
        }
        const parsed = parseKeyOrUndefined(listed.key);
        // Not a marketlake key (a manual upload): `catalog rebuild` ignores it, so the catalog has no row for it.
        if (parsed === undefined) continue;
        entries.push(await this.entryOf(listed.key, parsed, listed.head));
      }
    }
    return entries;
  }

  private async entryOf(key: string, parsed: ParsedKey, listedHead: ObjectHead | undefined): Promise<CatalogEntry> {
    // The file store's listing read the header already; S3's listing has no metadata.
    const head = listedHead ?? (await this.store.head(key));
    const derivation = deriveCatalogRow({
      key,
      parsed,
      versionId: head.versionId,
      size: head.size,
      metadata: head.metadata,
    });
    if (derivation.row === undefined) {
      throw new LakeNotConclusiveError(`the metadata of ${key} does not give its ${derivation.missing.join(', ')}`);
    }
    return derivation.row;
  }
}

/** The prefixes of a kind and ticker (every raw source for raw), of one date when given. */
function prefixesOf(kind: ObjectKind, ticker: string, date?: string): string[] {
  const sources = kind === 'raw' ? RAW_SOURCES : [undefined];
  return sources.map((source) =>
    date === undefined ? tickerPrefix(kind, ticker, source) : datePrefix(kind, ticker, date, source),
  );
}

/** Ordered by object date, then key in byte order: the order of the catalog's queries. */
function inCatalogOrder(entries: CatalogEntry[]): CatalogEntry[] {
  return entries.sort((a, b) =>
    a.objectDate !== b.objectDate ? (a.objectDate < b.objectDate ? -1 : 1) : byteOrder(a.key, b.key),
  );
}

/** How `collate "C"` orders two keys: by their UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function parseKeyOrUndefined(key: string): ParsedKey | undefined {
  try {
    return parseKey(key);
  } catch {
    return undefined; // a foreign object under our prefixes is not ours to interpret
  }
}
