import type { RawReference } from '../lake/formats/processed.js';
import { compareKeys, parseKey, type ProcessedKind } from '../lake/keys.js';
import type { ExistingObject } from '../pipeline/result-write.js';
import type { Warehouse } from '../warehouse/database.js';
import { QUALITY_FAILED_METADATA } from '../lake/formats/quality-mark.js';
import type { ObjectStore } from '../storage/object-store.js';
import { listCatalogObjects } from '../warehouse/lake-objects.js';
import { listPendingResults } from '../warehouse/pending-results.js';

/**
 * The idempotency rule of reprocessing. A result is identified by (kind, ticker, as_of, computation version,
 * source raw key, source raw version id): computation is pure and a computation version never changes meaning,
 * so two objects with the same identity hold identical values. Before writing, the reprocess looks for that
 * identity among the catalogued objects (`lake_objects`) AND the outbox entries still pending (a write that an
 * earlier run committed but the lake has not taken yet); a match is not written again. The database rows are
 * still upserted, pointing at the existing object, so that they show the version just asked for.
 *
 * The quality mark (src/lake/formats/quality-mark.ts) is part of the identity although not of the body: an object
 * is reused only when its `quality_failed` metadata says what this reprocess's checks say (both absent when
 * clean), so the rows upserted to point at it never disagree with its tags and metadata, and `warehouse rebuild`
 * (which reads the mark from the metadata) gives the same rows. An object marked otherwise is written anew.
 *
 * Not covered: two reprocesses of the same ticker running at the same moment may both write (nothing locks).
 */
export type ExistingIndex = Map<string, ExistingObject>;

export function existingKey(kind: ProcessedKind, asOf: string): string {
  return `${kind}|${asOf}`;
}

export async function findExisting(
  warehouse: Warehouse,
  store: ObjectStore,
  ticker: string,
  computationVersion: string,
  raw: RawReference,
  /** The failed checks this reprocess marks its results with (`quality_failed`), or null when clean. */
  mark: string | null,
): Promise<ExistingIndex> {
  const found: ExistingIndex = new Map();
  /** The mark of each found key, where it is known without reading the object (a pending outbox entry). */
  const knownMarks = new Map<string, string | null>();
  const offer = (kind: ProcessedKind, asOf: string, object: ExistingObject) => {
    const id = existingKey(kind, asOf);
    const current = found.get(id);
    // The newest identical object is the one rows should name (any would do: their values are the same).
    if (!current || compareKeys(parseKey(object.key), parseKey(current.key)) > 0) found.set(id, object);
  };

  const catalogued = await listCatalogObjects(warehouse.db, { ticker, computationVersion, sourceRawKey: raw.key });
  for (const entry of catalogued) {
    if (entry.kind === 'raw' || entry.sourceRawVersionId !== raw.versionId) continue;
    offer(entry.kind, entry.objectDate, { key: entry.key, computedAt: entry.createdAt.toISOString() });
  }

  for (const entry of await listPendingResults(warehouse.db, ticker)) {
    const { plan } = entry;
    if (plan.computationVersion !== computationVersion || plan.sourceRawKey !== raw.key) continue;
    // null: the entry was enqueued while its raw snapshot was itself pending; a raw key is written once, so
    // the same key is the same snapshot.
    if (plan.sourceRawVersionId !== null && plan.sourceRawVersionId !== raw.versionId) continue;
    if (found.has(existingKey(entry.kind, plan.objectDate))) continue;
    const computedAt = entry.metadata.computed_at ?? (JSON.parse(entry.body) as { computed_at: string }).computed_at;
    knownMarks.set(entry.key, entry.metadata[QUALITY_FAILED_METADATA] ?? null);
    offer(entry.kind, plan.objectDate, { key: entry.key, computedAt });
  }

  // The catalog does not hold the mark: the metadata of each object that would be reused says it.
  for (const [id, object] of found) {
    const known = knownMarks.has(object.key)
      ? knownMarks.get(object.key)
      : ((await store.head(object.key)).metadata[QUALITY_FAILED_METADATA] ?? null);
    if (known !== mark) found.delete(id);
  }
  return found;
}
