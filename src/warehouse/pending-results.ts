/**
 * Results a run committed to the outbox that the lake has not taken yet (`lake_outbox` rows without `done_at`):
 * what a reprocess must count as written already (src/reprocess/idempotency.ts).
 */
import type { Kysely } from 'kysely';
import type { ProcessedKind } from '../lake/keys.js';
import type { OutboxCatalogPlan } from './outbox.js';
import type { Database } from './schema.js';

export interface PendingResult {
  key: string;
  kind: ProcessedKind;
  /** The catalog row the drain will write for it. */
  plan: OutboxCatalogPlan;
  metadata: Record<string, string>;
  /** The serialised document, as the drain will write it. */
  body: string;
}

/** The pending processed (not raw) entries of `ticker`, in no particular order. */
export async function listPendingResults(db: Kysely<Database>, ticker: string): Promise<PendingResult[]> {
  const rows = await db
    .selectFrom('lake_outbox')
    .select(['key', 'kind', 'catalog', 'metadata', 'body'])
    .where('done_at', 'is', null)
    .where('ticker', '=', ticker)
    .where('kind', '<>', 'raw')
    .execute();
  return rows.map((row) => ({
    key: row.key,
    kind: row.kind as ProcessedKind,
    plan: row.catalog as unknown as OutboxCatalogPlan,
    metadata: row.metadata,
    body: row.body,
  }));
}
