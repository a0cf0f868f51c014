/**
 * The lake's catalog interface (src/lake/catalog.ts) on the `lake_objects` table: how the DataLake finds the
 * latest object, the versions and the derived objects in one query each.
 */
import type { Kysely } from 'kysely';
import type { CatalogEntry, CatalogFilter, LakeCatalog } from '../lake/catalog.js';
import { compareKeys, parseKey } from '../lake/keys.js';
import { type CatalogObject, findLatestObject, insertCatalogObject, listCatalogObjects } from './lake-objects.js';
import type { Database } from './schema.js';

export class WarehouseLakeCatalog implements LakeCatalog {
  constructor(private readonly db: Kysely<Database>) {}

  async findLatest(filter: CatalogFilter): Promise<CatalogEntry | undefined> {
    const found = await findLatestObject(this.db, filter.kind, filter.ticker, filter.date);
    return found && toEntry(found);
  }

  async list(filter: CatalogFilter): Promise<CatalogEntry[]> {
    const objects = await listCatalogObjects(this.db, {
      kind: filter.kind,
      ticker: filter.ticker,
      ...(filter.date ? { fromDate: filter.date, toDate: filter.date } : {}),
    });
    // Newest first, with `_10` after `_9` (the table orders keys as text).
    return objects.map(toEntry).sort((a, b) => compareKeys(parseKey(b.key), parseKey(a.key)));
  }

  async findDerived(rawKey: string): Promise<CatalogEntry[]> {
    return (await listCatalogObjects(this.db, { sourceRawKey: rawKey })).map(toEntry);
  }

  async record(entry: CatalogEntry): Promise<void> {
    await insertCatalogObject(this.db, entry);
  }
}

function toEntry(object: CatalogObject): CatalogEntry {
  if (object.versionId === null) throw new Error(`catalogued object ${object.key} has no version id`);
  return { ...object, versionId: object.versionId, createdAt: object.createdAt };
}
