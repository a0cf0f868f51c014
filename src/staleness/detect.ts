/**
 * Restatement detection, called by the write path once a raw snapshot is stored: compare its bars with the
 * previous snapshot of the ticker, and when they differ inside the overlap record how, first in the database
 * (`restatements`, `restatement_bars`), then in the lake (`restatements/...`, see src/lake/formats/restatement.ts).
 *
 * Failure policy, as for the rest of the write path:
 * - a database failure throws, and the ticker fails with it: a restatement the database does not know about
 *   would leave `stale` silently wrong;
 * - a lake failure never fails the ticker. The record stays in the database with `lake_error` and without
 *   `lake_key`, and the error is returned for the run summary. It is not put in the outbox (whose kinds and
 *   catalog are those of raw and processed objects); `writePendingRestatements` writes such records later, from
 *   the database, byte for byte as they would have been written;
 * - a previous snapshot the lake cannot return (archived, missing, unreachable) skips the comparison, reported.
 */
import type { DataLake } from '../lake/data-lake.js';
import type { RawReference } from '../lake/formats/processed.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { UserError } from '../errors.js';
import { ObjectExistsError, ObjectStoreError } from '../storage/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Warehouse } from '../warehouse/database.js';
import { errorText } from '../warehouse/sql-helpers.js';
import { diffBars } from './bar-diff.js';
import {
  renderRestatement,
  restatementKey,
  RESTATEMENT_SCHEMA,
  type RestatementDocument,
} from '../lake/formats/restatement.js';
import {
  insertRestatement,
  listRestatements,
  markRestatementLakeFailed,
  markRestatementWritten,
  type StoredRestatement,
} from '../warehouse/restatements.js';
import { findPreviousRaw, type PreviousRawFinder, type RawObjectRef } from './previous-raw.js';

export interface RestatementContext {
  lake: DataLake;
  warehouse: Warehouse;
  clock: () => Date;
  /** Where the previous snapshot is looked up (default: `findPreviousRaw`, one query). */
  previousRaws?: PreviousRawFinder;
}

export interface RestatementCheck {
  /** The recorded restatement; undefined when there is no previous snapshot or the overlap is identical. */
  restatement?: StoredRestatement;
  /** The lake key written in this call (at most one). */
  written: string[];
  /** Lake problems, reported and never thrown. */
  lakeErrors: string[];
  /** The previous snapshot compared with (its catalogued key), when there was one the lake could return. */
  previous?: { key: string; snapshot: RawSnapshot };
  /** The previous snapshot's key when there is one but the lake could not return it (the check was skipped). */
  previousUnreadable?: string;
  /**
   * The newest previous snapshot that a `block` run did not block: what the quality checks' stability phase
   * compares with (docs/design.md "Data quality"). `previous` itself unless that was blocked; absent when there
   * is none or the lake could not return it (reported in `lakeErrors`).
   */
  baseline?: { key: string; snapshot: RawSnapshot };
}

/** How many `_n` suffixes a restatement write tries before it reports contention instead of looping. */
const MAX_SEQUENCE = 1000;

export async function recordRestatement(
  context: RestatementContext,
  snapshot: RawSnapshot,
  raw: RawReference,
): Promise<RestatementCheck> {
  const check: RestatementCheck = { written: [], lakeErrors: [] };
  const { db } = context.warehouse;
  const found =
    context.previousRaws === undefined
      ? await findPreviousRaw(db, snapshot.ticker, raw.key)
      : await context.previousRaws.find(snapshot.ticker, raw.key);
  const previous = found.previous;
  if (found.baseline !== undefined && found.baseline.key !== previous?.key) {
    check.baseline = await readBaseline(context.lake, raw.key, found.baseline, check.lakeErrors);
  }
  if (previous === undefined) return check;

  let previousSnapshot: RawSnapshot;
  try {
    previousSnapshot = (await context.lake.getUntagged<RawSnapshot>(previous.key, previous.versionId ?? undefined))
      .body;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    check.lakeErrors.push(
      `${raw.key}: restatement check skipped, the previous snapshot ${previous.key} cannot be read: ${error.message}`,
    );
    check.previousUnreadable = previous.key;
    return check;
  }

  check.previous = { key: previous.key, snapshot: previousSnapshot };
  if (found.baseline?.key === previous.key) check.baseline = check.previous;
  const diff = diffBars(previousSnapshot.bars, snapshot.bars);
  if (diff.overlap === null || diff.bars.length === 0) return check;
  const document: RestatementDocument = {
    schema: RESTATEMENT_SCHEMA,
    ticker: snapshot.ticker,
    detected_at: context.clock().toISOString(),
    raw_key: raw.key,
    raw_version_id: raw.versionId === '' ? null : raw.versionId,
    previous_raw_key: previous.key,
    previous_raw_version_id: previous.versionId,
    overlap: diff.overlap,
    changed_bars: diff.bars.length,
    bars: diff.bars,
  };
  await insertRestatement(db, document);
  // Read back: the lake gets exactly what the database holds (a retry re-renders the same bytes).
  const [stored] = await listRestatements(db, { rawKey: raw.key });
  if (stored === undefined) throw new Error(`restatement of ${raw.key} was recorded but cannot be read back`);
  check.restatement = stored;
  if (stored.lake_key === null) await writeRestatementObject(context.lake.store, context.warehouse, stored, check);
  return check;
}

/**
 * The stability checks' baseline of a stored raw snapshot, for a caller that judges it again without recording
 * a restatement (`reprocess`): found and read as `recordRestatement` does.
 */
export async function findBaseline(
  context: Pick<RestatementContext, 'lake' | 'warehouse'>,
  ticker: string,
  rawKey: string,
  lakeErrors: string[],
): Promise<{ key: string; snapshot: RawSnapshot } | undefined> {
  const { baseline } = await findPreviousRaw(context.warehouse.db, ticker, rawKey);
  return baseline && readBaseline(context.lake, rawKey, baseline, lakeErrors);
}

/**
 * The baseline when it is not the previous snapshot (that one was blocked). A baseline the lake cannot return
 * leaves the stability checks without one (they pass, saying there is no previous snapshot), reported.
 */
async function readBaseline(
  lake: DataLake,
  rawKey: string,
  baseline: RawObjectRef,
  lakeErrors: string[],
): Promise<{ key: string; snapshot: RawSnapshot } | undefined> {
  try {
    const read = await lake.getUntagged<RawSnapshot>(baseline.key, baseline.versionId ?? undefined);
    return { key: baseline.key, snapshot: read.body };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    lakeErrors.push(
      `${rawKey}: the stability checks have no baseline, the newest snapshot not blocked ${baseline.key} ` +
        `cannot be read: ${error.message}`,
    );
    return undefined;
  }
}

/** Writes the lake objects of restatements recorded while the lake failed; returns what it wrote and what failed. */
export async function writePendingRestatements(
  store: ObjectStore,
  warehouse: Warehouse,
): Promise<Omit<RestatementCheck, 'restatement'>> {
  const result = { written: [] as string[], lakeErrors: [] as string[] };
  for (const stored of await listRestatements(warehouse.db, { lakePending: true })) {
    await writeRestatementObject(store, warehouse, stored, result);
  }
  return result;
}

async function writeRestatementObject(
  store: ObjectStore,
  warehouse: Warehouse,
  stored: StoredRestatement,
  report: { written: string[]; lakeErrors: string[] },
): Promise<void> {
  const document = documentOf(stored);
  // Rendered outside the try: a tag or metadata limit broken by our own record is a bug, not a lake failure.
  const rendered = renderRestatement(restatementKey(document.raw_key), document);
  let written: { key: string; versionId: string };
  try {
    written = await putCreateOnly(store, document.raw_key, rendered);
  } catch (error) {
    if (!isLakeFailure(error)) throw error;
    await markRestatementLakeFailed(warehouse.db, stored.id, error);
    stored.lake_error = errorText(error);
    report.lakeErrors.push(`${restatementKey(document.raw_key)}: ${stored.lake_error}`);
    return;
  }
  await markRestatementWritten(warehouse.db, stored.id, written.key, written.versionId);
  stored.lake_key = written.key;
  stored.lake_version_id = written.versionId;
  stored.lake_error = null;
  report.written.push(written.key);
}

/** The lake document of a stored restatement: the record without the database's bookkeeping. */
function documentOf(stored: StoredRestatement): RestatementDocument {
  return {
    schema: stored.schema,
    ticker: stored.ticker,
    detected_at: stored.detected_at,
    raw_key: stored.raw_key,
    raw_version_id: stored.raw_version_id,
    previous_raw_key: stored.previous_raw_key,
    previous_raw_version_id: stored.previous_raw_version_id,
    overlap: stored.overlap,
    changed_bars: stored.changed_bars,
    bars: stored.bars,
  };
}

/** Store errors are UserErrors (ObjectStoreError); anything else from a put is a bug and propagates. */
function isLakeFailure(error: unknown): boolean {
  return error instanceof UserError;
}

/**
 * Create-only put under the restatement key of `rawKey`, or the next free `_n`. A key already holding the same
 * bytes (sha256) is this record written before, whose response was lost: it is returned as is.
 */
async function putCreateOnly(
  store: ObjectStore,
  rawKey: string,
  rendered: ReturnType<typeof renderRestatement>,
): Promise<{ key: string; versionId: string }> {
  for (let sequence = 1; sequence <= MAX_SEQUENCE; sequence++) {
    const key = restatementKey(rawKey, sequence);
    try {
      const result = await store.put({
        key,
        body: rendered.body,
        contentType: rendered.contentType,
        tags: rendered.tags,
        metadata: rendered.metadata,
      });
      return { key, versionId: result.versionId };
    } catch (error) {
      if (!(error instanceof ObjectExistsError)) throw error;
      const existing = await store.head(key);
      if (existing.metadata.content_sha256 === rendered.sha256) return { key, versionId: existing.versionId };
    }
  }
  throw new ObjectStoreError(
    `${restatementKey(rawKey)}: more than ${MAX_SEQUENCE} restatement objects for one snapshot`,
    { key: restatementKey(rawKey) },
  );
}
