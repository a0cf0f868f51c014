/**
 * `marketlake catalog rebuild`: refills `lake_objects` from the lake alone, so that losing the database never
 * loses the lineage. Each object's row comes from its key, a HEAD (version id, size, metadata), and only when the
 * metadata is silent (objects of an older writer) its body and then its tags; see expected-catalog-row.ts.
 *
 * Idempotent: a row already there and equal is counted as present; one that differs is a conflict, reported
 * with its columns and left as it is (keys are never overwritten, and the catalog is not for `rebuild` to
 * overrule silently: `verify` says which side is right). Works on an empty database (a fresh PGlite) as well.
 */
import type { Kysely } from 'kysely';
import type { ObjectStore } from '../storage/object-store.js';
import { describeObject } from '../lake-scan/describe-object.js';
import { listLakeObjects, scopePrefixes } from '../lake-scan/scope.js';
import { mapAll } from '../concurrency.js';
import { noProgress, type ProgressSink } from '../lake-scan/progress.js';
import { CatalogConflictError, insertCatalogObject } from '../warehouse/lake-objects.js';
import type { Database } from '../warehouse/schema.js';

export interface RebuildOptions {
  store: ObjectStore;
  db: Kysely<Database>;
  /** HEADs in flight; default 16. */
  concurrency?: number;
  progress?: ProgressSink;
}

/** The `--json` output. */
export interface RebuildReport {
  /** Objects listed under `raw/` and `processed/`. */
  listed: number;
  inserted: number;
  already_present: number;
  /** Rows that exist with other values; `columns` names the `lake_objects` columns that differ. */
  conflicting: { key: string; columns: string[] }[];
  /**
   * Objects whose row could not be made, with why: what the store lists but cannot serve (a damaged or foreign
   * file, see ListedObject.damage), an object it cannot read, or one lacking a required column anywhere.
   */
  failed: { key: string; reason: string }[];
  /** Keys outside the layout of docs/design.md "Keys" (not marketlake objects): left out of the catalog. */
  ignored: string[];
}

export async function rebuildCatalog(options: RebuildOptions): Promise<RebuildReport> {
  const { store, db } = options;
  const progress = options.progress ?? noProgress;
  const listed = await listLakeObjects(store, scopePrefixes());
  const report: RebuildReport = {
    listed: listed.length,
    inserted: 0,
    already_present: 0,
    conflicting: [],
    failed: [],
    ignored: [],
  };
  // What the store lists but cannot serve (a damaged or foreign file) gets no row: it is reported, with why, and
  // every other object is still catalogued.
  for (const object of listed)
    if (object.damage !== undefined) report.failed.push({ key: object.key, reason: object.damage });
  const healthy = listed.filter((object) => object.damage === undefined);
  const ours = healthy.flatMap((object) => (object.parsed ? [{ key: object.key, parsed: object.parsed }] : []));
  report.ignored = healthy.filter((object) => object.parsed === undefined).map((object) => object.key);

  progress.start(ours.length, 'catalog rebuild');
  try {
    await mapAll(ours, options.concurrency ?? 16, async ({ key, parsed }) => {
      const derived = await describeObject(store, key, parsed);
      if ('reason' in derived) report.failed.push({ key, reason: derived.reason });
      else {
        try {
          const outcome = await insertCatalogObject(db, derived.row);
          if (outcome === 'inserted') report.inserted++;
          else report.already_present++;
        } catch (error) {
          if (!(error instanceof CatalogConflictError)) throw error;
          report.conflicting.push({ key, columns: error.differences.map(columnName) });
        }
      }
      progress.tick(key);
    });
  } finally {
    progress.stop();
  }
  const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  report.conflicting.sort(byKey);
  report.failed.sort(byKey);
  return report;
}

/** `objectDate` -> `object_date`: CatalogConflictError names fields, the report names columns. */
function columnName(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
