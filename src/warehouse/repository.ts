/**
 * The repository: every warehouse read and write the rest of marketlake uses, bound to one database.
 *
 * Each method is a thin call of a module function taking the executor first; those functions also accept a
 * transaction, which is how several writes join one all-or-nothing unit (see `inTransaction`). The write path's
 * own units are single statements instead (`commitComputedResults`, `markOutboxEntriesDone`).
 */
import type { Kysely } from 'kysely';
import type { Bar } from '../market/bars.js';
import {
  findLatestObject,
  getCatalogObject,
  insertCatalogObject,
  insertCatalogObjects,
  listCatalogObjects,
  type CatalogFilter,
  type CatalogObject,
  type CatalogObjectInput,
} from './lake-objects.js';
import {
  claimPendingOutbox,
  countPendingOutbox,
  enqueueOutbox,
  getOutboxEntry,
  listPendingOutbox,
  markOutboxDone,
  markOutboxEntriesDone,
  markOutboxFailed,
  releaseOutboxClaims,
  type ClaimOptions,
  type CompletedOutboxEntry,
  type OutboxEntry,
  type OutboxEntryInput,
  type PendingFilter,
} from './outbox.js';
import { upsertPrices, type RawSnapshotRef } from './prices.js';
import { writeComputedResults, type ComputedResultsInput } from './results.js';
import {
  abortRun,
  finishRun,
  getRun,
  listRunningRuns,
  renewRunHeartbeat,
  startRun,
  type ComputationRun,
  type FinalRunStatus,
  type RunningRun,
  type StartRunInput,
} from './runs.js';
import type { Database, LakeObjectKind } from './schema.js';

export class WarehouseRepository {
  constructor(readonly db: Kysely<Database>) {}

  /** Bulk upsert of daily bars (one INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE). */
  upsertPrices(symbol: string, bars: readonly Bar[], raw: RawSnapshotRef): Promise<number> {
    return upsertPrices(this.db, symbol, bars, raw);
  }

  /** Indicator, percentile and feature rows plus their outbox entries, in one statement; the outbox ids. */
  writeComputedResults(input: ComputedResultsInput): Promise<number[]> {
    return writeComputedResults(this.db, input);
  }

  enqueueOutbox(entries: readonly OutboxEntryInput[]): Promise<number[]> {
    return enqueueOutbox(this.db, entries);
  }

  listPendingOutbox(limit: number): Promise<OutboxEntry[]> {
    return listPendingOutbox(this.db, limit);
  }

  /** Up to `limit` pending entries no live drain holds, now held by `claimant` (FOR UPDATE SKIP LOCKED). */
  claimPendingOutbox(claimant: string, limit: number, options?: ClaimOptions): Promise<OutboxEntry[]> {
    return claimPendingOutbox(this.db, claimant, limit, options);
  }

  /** Ends `claimant`'s holds on its pending entries (or on those of `ids`). */
  releaseOutboxClaims(claimant: string, ids?: readonly number[]): Promise<void> {
    return releaseOutboxClaims(this.db, claimant, ids);
  }

  getOutboxEntry(id: number): Promise<OutboxEntry | undefined> {
    return getOutboxEntry(this.db, id);
  }

  /** Sets done_at and catalogues the written object, in one statement. */
  markOutboxDone(id: number, written: CatalogObjectInput): Promise<void> {
    return markOutboxDone(this.db, id, written);
  }

  /** markOutboxDone for several entries in ONE statement (the UPDATE and the catalog INSERT as CTEs). */
  markOutboxEntriesDone(entries: readonly CompletedOutboxEntry[]): Promise<void> {
    return markOutboxEntriesDone(this.db, entries);
  }

  markOutboxFailed(id: number, error: unknown): Promise<void> {
    return markOutboxFailed(this.db, id, error);
  }

  countPendingOutbox(filter?: PendingFilter): Promise<number> {
    return countPendingOutbox(this.db, filter);
  }

  insertCatalogObject(object: CatalogObjectInput): Promise<'inserted' | 'exists'> {
    return insertCatalogObject(this.db, object);
  }

  insertCatalogObjects(objects: readonly CatalogObjectInput[]): Promise<('inserted' | 'exists')[]> {
    return insertCatalogObjects(this.db, objects);
  }

  findLatestObject(kind: LakeObjectKind, ticker: string, objectDate?: string): Promise<CatalogObject | undefined> {
    return findLatestObject(this.db, kind, ticker, objectDate);
  }

  getCatalogObject(key: string): Promise<CatalogObject | undefined> {
    return getCatalogObject(this.db, key);
  }

  listCatalogObjects(filter?: CatalogFilter): Promise<CatalogObject[]> {
    return listCatalogObjects(this.db, filter);
  }

  startRun(input: StartRunInput): Promise<void> {
    return startRun(this.db, input);
  }

  finishRun(runId: string, status: FinalRunStatus, summary: object): Promise<void> {
    return finishRun(this.db, runId, status, summary);
  }

  renewRunHeartbeat(runId: string): Promise<boolean> {
    return renewRunHeartbeat(this.db, runId);
  }

  listRunningRuns(): Promise<RunningRun[]> {
    return listRunningRuns(this.db);
  }

  abortRun(runId: string, summary: object): Promise<boolean> {
    return abortRun(this.db, runId, summary);
  }

  getRun(runId: string): Promise<ComputationRun | undefined> {
    return getRun(this.db, runId);
  }
}
