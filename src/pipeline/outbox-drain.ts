import { randomUUID } from 'node:crypto';
import type { DataLake, WrittenObject } from '../lake/data-lake.js';
import type { ProcessedDocument } from '../lake/formats/processed.js';
import { qualityMarkOf } from '../lake/formats/quality-mark.js';
import { parseKey } from '../lake/keys.js';
import type { Warehouse } from '../warehouse/database.js';
import { recordRawVersionId, replaceOutboxEntry } from '../warehouse/lake-references.js';
import {
  claimPendingOutbox,
  type CompletedOutboxEntry,
  countPendingOutbox,
  markOutboxEntriesDone,
  markOutboxFailed,
  type OutboxEntry,
  releaseOutboxClaims,
} from '../warehouse/outbox.js';
import type { DoneMarks } from './done-marks.js';
import { completedProcessedEntry, type PendingProcessedDocument } from './outbox-entries.js';
import { messageOf } from '../errors.js';
import { failAfterCleanup } from '../warehouse/cleanup.js';
import { getCatalogObject } from '../warehouse/lake-objects.js';

export interface DrainReport {
  /** Objects now in the lake (including ones an earlier, unconfirmed attempt had already written). */
  written: WrittenObject[];
  /**
   * The outbox entries now done, by id (an object may have been written under another key than planned); with
   * `processedDone`, the processed ones among them are handed to it to be marked.
   */
  doneIds: number[];
  /** Entries whose write failed in this drain; they stay pending with the error recorded. */
  failed: { key: string; error: string }[];
  /** Processed entries waiting for their raw snapshot, which is itself still pending. */
  waiting: number;
}

/** After this many failed writes in a row the lake is taken to be down and the drain stops trying for now. */
const MAX_CONSECUTIVE_FAILURES = 5;
/**
 * Lake writes in flight at once within a drain. A ticker's three processed objects go out together; a backlog
 * (`lake retry`, a reprocess batch) goes out in groups of this size, each group marked done in one statement.
 */
export const PARALLEL_WRITES = 8;
/** Entries claimed at a time from the backlog: a few groups, written well within a claim's lease. */
const CLAIM_PAGE = PARALLEL_WRITES * 8;

/**
 * Writes pending outbox entries to the lake, raw snapshots before processed objects (a processed object written
 * while its raw snapshot was pending needs the raw object's version id). Guarantee: an entry leaves the outbox
 * only after its object is in the lake AND catalogued; a failed write leaves it pending with the error recorded,
 * to be retried by the next drain (`marketlake lake retry`, every run). Retrying is safe: an object an earlier
 * attempt wrote without confirmation is found by its sha256, not doubled.
 *
 * Entries are written `PARALLEL_WRITES` at a time, and the ones the lake took in a group are marked done
 * together in one statement (`markOutboxEntriesDone`).
 *
 * `entries` limits the drain to those entries (a run drains its own right after committing them; it holds them
 * since it enqueued them). Without it, the drain takes the backlog page by page, each page claimed for
 * `options.claimant` (FOR UPDATE SKIP LOCKED, see claimPendingOutbox): entries another live process holds, such
 * as the ones a concurrent run is writing, are left to it; the drain releases what it claimed when it ends.
 */
export async function drainOutbox(
  lake: DataLake,
  warehouse: Warehouse,
  entries?: readonly OutboxEntry[],
  options: DrainOptions = {},
): Promise<DrainReport> {
  const drain = new Drain(lake, warehouse, options.processedDone);
  if (entries) {
    await drain.all(entries);
    return drain.report;
  }
  const claimant = options.claimant ?? `drain-${randomUUID()}`;
  const claimed: number[] = [];
  try {
    for (;;) {
      const page = await claimPendingOutbox(warehouse.db, claimant, CLAIM_PAGE, { takeOver: isSoleWriter(warehouse) });
      claimed.push(...page.map((entry) => entry.id));
      // A long backlog is drained page by page, while new pending entries appear.
      if (page.length === 0 || !(await drain.all(page))) break;
    }
  } catch (error) {
    return failAfterCleanup(error, [() => releaseOutboxClaims(warehouse.db, claimant, claimed)]);
  }
  await releaseOutboxClaims(warehouse.db, claimant, claimed);
  return drain.report;
}

/**
 * The embedded database has one writer at a time (the home's lock): a hold found there is left over from a
 * process that died, and is taken over at once. On PostgreSQL, holds are respected until their lease ends.
 */
export function isSoleWriter(warehouse: Warehouse): boolean {
  return warehouse.kind === 'pglite';
}

/**
 * The lake writes a run (or a reprocess) leaves pending: its own entries and the earlier ones it retried, that
 * the lake did not take. Not the entries other processes hold (a concurrent run's, being written right now) nor
 * a backlog the run did not claim: those are theirs to report. The run's holds end here, so that any process
 * may retry them.
 */
export async function outboxPendingOf(warehouse: Warehouse, runId: string): Promise<number> {
  await releaseOutboxClaims(warehouse.db, runId);
  return countPendingOutbox(warehouse.db, { lastHeldBy: runId });
}

export interface DrainOptions {
  /**
   * Who marks processed entries done once the lake took them (default: this drain, one statement per group).
   * The daily run passes its BatchedDoneMarks. Raw entries are always marked by the drain itself, at once:
   * the processed entries computed from a raw snapshot look up its version id in the catalog.
   */
  processedDone?: DoneMarks;
  /**
   * Who claims the backlog (default: an id of this drain's own). A run passes its run id, so the entries it
   * retried and could not write count as its own pending ones (`countPendingOutbox({ lastHeldBy })`).
   */
  claimant?: string;
}

/** A prepared entry: what to write, or 'waiting' for a raw snapshot still in the outbox. */
type Prepared = OutboxEntry | 'waiting';

class Drain {
  readonly report: DrainReport = { written: [], doneIds: [], failed: [], waiting: 0 };
  private consecutiveFailures = 0;
  /** Version ids of raw snapshots found catalogued in this drain, by key (one lookup per raw snapshot). */
  private readonly rawVersionIds = new Map<string, string>();

  private readonly processedDone: DoneMarks;

  constructor(
    private readonly lake: DataLake,
    private readonly warehouse: Warehouse,
    processedDone: DoneMarks | undefined,
  ) {
    this.processedDone = processedDone ?? { record: (group) => markOutboxEntriesDone(warehouse.db, group) };
  }

  /** Raw entries first, and done (catalogued) before the processed ones look their version ids up. */
  async all(entries: readonly OutboxEntry[]): Promise<boolean> {
    const raw = entries.filter((entry) => entry.kind === 'raw');
    const processed = entries.filter((entry) => entry.kind !== 'raw');
    return (await this.entries(raw)) && (await this.entries(processed));
  }

  /** Drains `entries` group by group, in order; false once the lake looks down (too many failures in a row). */
  async entries(entries: readonly OutboxEntry[]): Promise<boolean> {
    for (let start = 0; start < entries.length; start += PARALLEL_WRITES) {
      if (!(await this.group(entries.slice(start, start + PARALLEL_WRITES)))) return false;
    }
    return true;
  }

  /** Writes one group in parallel, then records the outcomes: the written ones done in one statement. */
  private async group(group: readonly OutboxEntry[]): Promise<boolean> {
    const ready: OutboxEntry[] = [];
    for (const entry of group) {
      const prepared = await this.prepare(entry);
      if (prepared === 'waiting') this.report.waiting++;
      else ready.push(prepared);
    }
    const settled = await Promise.allSettled(ready.map((entry) => writeEntry(this.lake, entry)));
    const completed = ready.flatMap((entry, i) => {
      const outcome = settled[i];
      return outcome.status === 'fulfilled' ? [{ entry, written: outcome.value }] : [];
    });
    // The written objects first: they are in the lake, and the catalog must say so whatever fails next.
    await this.complete(completed);
    for (const [i, outcome] of settled.entries()) {
      if (outcome.status === 'fulfilled') {
        this.consecutiveFailures = 0;
      } else {
        await markOutboxFailed(this.warehouse.db, ready[i].id, outcome.reason);
        this.report.failed.push({ key: ready[i].key, error: messageOf(outcome.reason) });
        this.consecutiveFailures++;
      }
    }
    return this.consecutiveFailures < MAX_CONSECUTIVE_FAILURES;
  }

  /**
   * Marks written entries done (one statement; processed ones through `processedDone`), then fills in the
   * version ids of raw snapshots written late. A group holds raw entries only or processed entries only.
   */
  private async complete(completed: readonly { entry: OutboxEntry; written: WrittenObject }[]): Promise<void> {
    const group = completed.map(({ entry, written }) => ({
      id: entry.id,
      written: catalogRow(entry, written),
      plannedKey: entry.key,
    }));
    if (completed.some(({ entry }) => entry.kind === 'raw')) await markOutboxEntriesDone(this.warehouse.db, group);
    else await this.processedDone.record(group);
    for (const { entry, written } of completed) {
      if (entry.kind === 'raw') await recordRawVersionId(this.warehouse.db, written.key, written.versionId);
    }
    this.report.written.push(...completed.map(({ written }) => written));
    this.report.doneIds.push(...completed.map(({ entry }) => entry.id));
  }

  /**
   * A processed entry enqueued while its raw snapshot was pending holds the document without the raw object's
   * version id: once the raw object is catalogued, the entry is completed (re-rendered and stored) first, with
   * the quality mark its metadata kept (outbox-entries.ts).
   */
  private async prepare(entry: OutboxEntry): Promise<Prepared> {
    if (entry.kind === 'raw') return entry;
    const document = JSON.parse(entry.body) as PendingProcessedDocument;
    if (document.source_raw_data_version_id !== null) return entry;
    const versionId = await this.rawVersionId(document.source_raw_data_key);
    if (versionId === null) return 'waiting';
    const completed = completedProcessedEntry(
      entry.key,
      entry.kind,
      { ...document, source_raw_data_version_id: versionId } as ProcessedDocument,
      entry.runId,
      qualityMarkOf(entry.key, entry.metadata),
    );
    await replaceOutboxEntry(this.warehouse.db, entry.id, completed);
    return { ...entry, ...completed, runId: entry.runId };
  }

  private async rawVersionId(key: string): Promise<string | null> {
    const known = this.rawVersionIds.get(key);
    if (known !== undefined) return known;
    const raw = await getCatalogObject(this.warehouse.db, key);
    // Only a known version id is remembered: a raw snapshot still pending may be written later in this drain.
    if (raw?.versionId == null) return null;
    this.rawVersionIds.set(key, raw.versionId);
    return raw.versionId;
  }
}

/** One lake write of an entry's exact bytes; throws what the lake throws. */
function writeEntry(lake: DataLake, entry: OutboxEntry): Promise<WrittenObject> {
  const parsed = parseKey(entry.key);
  return lake.write(
    parsed,
    {
      body: entry.body,
      sha256: entry.catalog.sha256,
      size: entry.catalog.size,
      contentType: entry.contentType,
      tags: entry.tags,
      metadata: entry.metadata,
    },
    // A raw key is referenced by everything computed from it before it was written: it must not move.
    { firstSequence: parsed.sequence, exactKey: entry.kind === 'raw' },
  );
}

function catalogRow(entry: OutboxEntry, written: WrittenObject): CompletedOutboxEntry['written'] {
  return {
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
  };
}
