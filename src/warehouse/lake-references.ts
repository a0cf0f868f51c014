/**
 * Fixing up the lake references of rows once the outbox has written their object: the store's version id of a
 * raw snapshot that went through the outbox, and the final key when `{TS}.json` was taken and `{TS}_n.json` used.
 */
import type { Kysely } from 'kysely';
import type { CatalogObject } from './catalog.js';
import { listCatalogObjects } from './catalog.js';
import type { OutboxEntryInput } from './outbox.js';
import type { Database, LakeObjectKind } from './schema.js';

const RESULT_TABLES = {
  indicators: 'daily_indicators',
  percentiles: 'indicator_percentiles',
  features: 'comparative_features',
} as const;

export async function findCatalogObject(db: Kysely<Database>, key: string): Promise<CatalogObject | undefined> {
  const row = await db.selectFrom('lake_objects').select('kind').select('ticker').where('key', '=', key).executeTakeFirst();
  if (row === undefined) return undefined;
  const candidates = await listCatalogObjects(db, { kind: row.kind as LakeObjectKind, ticker: row.ticker });
  return candidates.find((candidate) => candidate.key === key);
}

/** Points result rows that named `intendedKey` at the key actually written. */
export async function updateResultLakeKey(
  db: Kysely<Database>,
  kind: Exclude<LakeObjectKind, 'raw'>,
  intendedKey: string,
  writtenKey: string,
): Promise<void> {
  if (intendedKey === writtenKey) return;
  await db.updateTable(RESULT_TABLES[kind]).set({ lake_key: writtenKey }).where('lake_key', '=', intendedKey).execute();
}

/** Records the version id of a raw snapshot written late (through the outbox) wherever it is referenced. */
export async function recordRawVersionId(db: Kysely<Database>, rawKey: string, versionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('daily_prices').set({ raw_version_id: versionId }).where('raw_key', '=', rawKey).execute();
    for (const table of Object.values(RESULT_TABLES)) {
      await trx
        .updateTable(table)
        .set({ source_raw_version_id: versionId })
        .where('source_raw_key', '=', rawKey)
        .where('source_raw_version_id', 'is', null)
        .execute();
    }
    await trx
      .updateTable('lake_objects')
      .set({ source_raw_version_id: versionId })
      .where('source_raw_key', '=', rawKey)
      .where('source_raw_version_id', 'is', null)
      .execute();
  });
}

/**
 * Replaces a pending outbox entry's object (body, tags, metadata, catalog plan) with its completed form: used
 * when a processed object's raw snapshot has been written and its version id is finally known.
 */
export async function replaceOutboxEntry(db: Kysely<Database>, id: number, entry: OutboxEntryInput): Promise<void> {
  const updated = await db
    .updateTable('lake_outbox')
    .set({
      body: entry.body,
      tags: JSON.stringify(entry.tags),
      metadata: JSON.stringify(entry.metadata),
      catalog: JSON.stringify(entry.catalog),
    })
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  if (updated.numUpdatedRows !== 1n) throw new Error(`outbox entry ${id} is not pending; cannot complete it`);
}
