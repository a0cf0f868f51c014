import type { DataLake, WrittenObject } from '../lake/data-lake.js';
import type { ProcessedDocument } from '../lake/documents.js';
import { parseKey } from '../lake/keys.js';
import type { Warehouse } from '../warehouse/database.js';
import { recordRawVersionId, replaceOutboxEntry } from '../warehouse/lake-references.js';
import type { OutboxEntry } from '../warehouse/outbox.js';
import { completedProcessedEntry, type PendingProcessedDocument } from './outbox-entries.js';

export interface DrainReport {
  /** Objects now in the lake (including ones an earlier, unconfirmed attempt had already written). */
  written: WrittenObject[];
  /** Entries whose write failed in this drain; they stay pending with the error recorded. */
  failed: { key: string; error: string }[];
  /** Processed entries waiting for their raw snapshot, which is itself still pending. */
  waiting: number;
}

/** After this many failed writes in a row the lake is taken to be down and the drain stops trying for now. */
const MAX_CONSECUTIVE_FAILURES = 5;
const PAGE = 500;

/**
 * Writes pending outbox entries to the lake, oldest first (so a raw snapshot lands before what was computed from
 * it). Guarantee: an entry leaves the outbox only after its object is in the lake AND catalogued; a failed write
 * leaves it pending with the error recorded, to be retried by the next drain (`marketlake lake retry`, every run).
 * Retrying is safe: an object an earlier attempt wrote without confirmation is found by its sha256, not doubled.
 *
 * `entries` limits the drain to those entries (a run drains its own right after committing them).
 */
export async function drainOutbox(lake: DataLake, warehouse: Warehouse, entries?: readonly OutboxEntry[]): Promise<DrainReport> {
  const report: DrainReport = { written: [], failed: [], waiting: 0 };
  const attempted = new Set<number>();
  let consecutiveFailures = 0;
  let batch = entries ?? (await warehouse.repository.listPendingOutbox(PAGE));
  while (batch.length > 0) {
    for (const entry of batch) {
      if (attempted.has(entry.id)) continue;
      attempted.add(entry.id);
      const outcome = await drainEntry(lake, warehouse, entry);
      if (outcome === 'waiting') {
        report.waiting++;
      } else if ('error' in outcome) {
        report.failed.push({ key: entry.key, error: outcome.error });
        if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) return report;
      } else {
        report.written.push(outcome);
        consecutiveFailures = 0;
      }
    }
    if (entries) break;
    // Keep going while new pending entries appear (a long backlog is drained page by page).
    batch = (await warehouse.repository.listPendingOutbox(PAGE + attempted.size)).filter((e) => !attempted.has(e.id));
  }
  return report;
}

type EntryOutcome = WrittenObject | 'waiting' | { error: string };

async function drainEntry(lake: DataLake, warehouse: Warehouse, original: OutboxEntry): Promise<EntryOutcome> {
  const db = warehouse.db;
  let entry = original;
  if (entry.kind !== 'raw') {
    const document = JSON.parse(entry.body) as PendingProcessedDocument;
    if (document.source_raw_data_version_id === null) {
      const raw = await warehouse.repository.getCatalogObject(document.source_raw_data_key);
      if (raw?.versionId == null) return 'waiting';
      const completed = completedProcessedEntry(entry.key, entry.kind, { ...document, source_raw_data_version_id: raw.versionId } as ProcessedDocument, entry.runId);
      await replaceOutboxEntry(db, entry.id, completed);
      entry = { ...entry, ...completed, runId: entry.runId };
    }
  }

  const parsed = parseKey(entry.key);
  let written: WrittenObject;
  try {
    written = await lake.write(
      parsed,
      { body: entry.body, sha256: entry.catalog.sha256, size: entry.catalog.size, contentType: entry.contentType, tags: entry.tags, metadata: entry.metadata },
      // A raw key is referenced by everything computed from it before it was written: it must not move.
      { firstSequence: parsed.sequence, exactKey: entry.kind === 'raw' },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await warehouse.repository.markOutboxFailed(entry.id, error);
    return { error: message };
  }

  await warehouse.repository.markOutboxDone(entry.id, {
    key: written.key,
    kind: entry.kind,
    ticker: entry.ticker,
    objectDate: entry.catalog.objectDate,
    versionId: written.versionId,
    sha256: written.sha256,
    size: written.size,
    computationVersion: entry.catalog.computationVersion,
    sourceRawKey: entry.catalog.sourceRawKey,
    sourceRawVersionId: entry.catalog.sourceRawVersionId,
    createdAt: entry.metadata.computed_at ?? entry.metadata.fetched_at,
  });
  if (entry.kind === 'raw') await recordRawVersionId(db, written.key, written.versionId);
  return written;
}
