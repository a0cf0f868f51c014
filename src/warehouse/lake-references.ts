/**
 * Fixing up references once the outbox has written a raw snapshot late: its version id is only known then, and
 * every row that was computed from it (prices, results, catalog) records it. (A processed object written under
 * `{TS}_N.json` instead of its planned key is repointed by markOutboxDone itself.)
 */
import type { Kysely } from 'kysely';
import type { OutboxEntryInput } from './outbox.js';
import type { Database } from './schema.js';

const RESULT_TABLES = ['daily_indicators', 'indicator_percentiles', 'comparative_features'] as const;

/** Records the version id of a raw snapshot written through the outbox wherever it is referenced. */
export async function recordRawVersionId(db: Kysely<Database>, rawKey: string, versionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('daily_prices')
      .set({ raw_version_id: versionId })
      .where('raw_key', '=', rawKey)
      .where('raw_version_id', 'is', null)
      .execute();
    for (const table of RESULT_TABLES) {
      await trx
        .updateTable(table)
        .set({ source_raw_version_id: versionId })
        .where('source_raw_key', '=', rawKey)
        .where('source_raw_version_id', 'is', null)
        .execute();
    }
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
