import type { FeatureValues } from '../compute/features.js';
import type { ComputationVersion } from '../compute/fields.js';
import type { PercentileValues } from '../compute/percentiles.js';
import type { DataLake, WrittenObject } from '../lake/data-lake.js';
import { processedDocument as documentOf, type RawReference } from '../lake/formats/processed.js';
import type { QualityMark } from '../lake/formats/quality-mark.js';
import { PROCESSED_KINDS, type ProcessedKind } from '../lake/keys.js';
import type { Warehouse } from '../warehouse/database.js';
import type { OutboxEntry, OutboxEntryInput } from '../warehouse/outbox.js';
import { commitComputedResults, type ComputedResultsInput, type ResultsCommit } from '../warehouse/results.js';
import type { TickerResults } from '../compute/results.js';
import type { DoneMarks } from './done-marks.js';
import { drainOutbox } from './outbox-drain.js';
import { processedOutboxEntry, type PendingProcessedDocument } from './outbox-entries.js';

/**
 * The second half of the write path of docs/design.md, shared by the daily run (ticker-job.ts) and reprocessing:
 * computed results become result rows AND one outbox entry per lake object in ONE statement (atomic by itself, so
 * it needs no transaction), then the committed entries are drained to the lake. A lake failure leaves entries
 * pending (reported); a database failure throws before anything reaches the lake, because objects are only ever
 * written from committed entries.
 */
export interface ResultWriteContext {
  runId: string;
  lake: DataLake;
  warehouse: Warehouse;
  computationVersion: ComputationVersion;
  /** Who marks the processed entries done once written (default: each drain at once; see drainOutbox). */
  processedDone?: DoneMarks;
}

/** An object of the same kind, ticker, as_of, computation version and raw snapshot that is already in the lake. */
export interface ExistingObject {
  key: string;
  computedAt: string;
}

/** One set of results as of one date, all computed from `raw`. */
export interface ResultSet {
  results: TickerResults;
  /**
   * Kinds whose identical object exists already: their rows are upserted pointing at that object, and no new
   * object is enqueued (reprocessing is idempotent this way). The daily run never passes any.
   */
  existing?: Partial<Record<ProcessedKind, ExistingObject>>;
  /**
   * The quality checks `results`' snapshot failed, when it was computed all the same (docs/design.md "Data
   * quality"): the new objects carry it in their tags and metadata, the rows in `quality_failed`. Absent: clean
   * (the rows' mark is cleared).
   */
  quality?: QualityMark;
}

export interface DrainOutcome {
  written: WrittenObject[];
  /** Planned keys still in the outbox. */
  pending: string[];
  lakeErrors: string[];
}

export interface CommitOptions {
  /**
   * Entries enqueued before those of the sets: the daily run puts a raw snapshot the lake refused here, so that
   * it is drained before what was computed from it.
   */
  leading?: readonly OutboxEntryInput[];
  /**
   * Other rows that belong to the same all-or-nothing unit, written by the same statement (the daily run: the raw
   * object's catalog row and the prices).
   */
  alsoWrite?: Pick<ResultsCommit, 'catalogObject' | 'prices'>;
}

/**
 * Commits the rows and outbox entries of every set in ONE statement (`commitComputedResults`) and returns the
 * committed entries (`leading` first): one multi-row upsert per result table for all the sets (each row carries
 * its own object's key and time) and one multi-row INSERT for all the outbox entries, as data-modifying CTEs.
 * The sets' as-of dates must be distinct, since one statement cannot upsert a row twice (reprocessing computes
 * each date once; a repeated one is refused before anything is sent). Everything is computed and rendered
 * before, so the statement only writes.
 */
export async function commitResults(
  context: ResultWriteContext,
  ticker: string,
  raw: RawReference,
  sets: readonly ResultSet[],
  computedAt: string,
  options: CommitOptions = {},
): Promise<OutboxEntry[]> {
  const rows: ComputedResultsInput[] = [];
  const inputs: OutboxEntryInput[] = [...(options.leading ?? [])];
  for (const set of sets) {
    for (const kind of PROCESSED_KINDS) {
      const document = processedDocument(kind, ticker, set.results, context.computationVersion, computedAt, raw);
      let object = set.existing?.[kind];
      if (object === undefined) {
        const entry = processedOutboxEntry(kind, document, context.runId, context.lake.compression, set.quality);
        inputs.push(entry);
        object = { key: entry.key, computedAt };
      }
      rows.push(resultRowsOf(kind, document, object, set.results.bars, set.quality));
    }
  }

  const ids = await commitComputedResults(context.warehouse.db, {
    ...options.alsoWrite,
    results: rows,
    outbox: inputs,
  });
  return inputs.map((input, i) => ({
    ...input,
    id: ids[i],
    runId: context.runId,
    createdAt: new Date(computedAt),
    attempts: 0,
    lastError: null,
    lastAttemptAt: null,
    doneAt: null,
  }));
}

/**
 * Drains exactly the given committed entries; what the lake refuses stays pending and is reported. With
 * `context.processedDone`, the processed entries the lake took may still be waiting there to be marked done.
 */
export async function drainCommitted(
  context: ResultWriteContext,
  committed: readonly OutboxEntry[],
): Promise<DrainOutcome> {
  if (committed.length === 0) return { written: [], pending: [], lakeErrors: [] };
  const drained = await drainOutbox(context.lake, context.warehouse, committed, {
    processedDone: context.processedDone,
  });
  // By entry id, not key: an object whose planned key was taken is written under the next free one.
  const done = new Set(drained.doneIds);
  return {
    written: drained.written,
    pending: committed.filter((entry) => !done.has(entry.id)).map((entry) => entry.key),
    lakeErrors: drained.failed.map((f) => `${f.key}: ${f.error}`),
  };
}

/** The processed document of one kind made of a ticker's results (its version id null while the raw one is pending). */
export function processedDocument(
  kind: ProcessedKind,
  ticker: string,
  results: TickerResults,
  computationVersion: ComputationVersion,
  computedAt: string,
  raw: RawReference,
): PendingProcessedDocument {
  const values =
    kind === 'indicators' ? results.indicators : kind === 'percentiles' ? results.percentiles : results.features;
  const document = documentOf(
    kind,
    { ticker, as_of: results.asOf, computation_version: computationVersion, computed_at: computedAt, values },
    raw,
  );
  // '' marks a raw snapshot still in the outbox: its version id is filled in when it is written.
  return { ...document, source_raw_data_version_id: raw.versionId === '' ? null : raw.versionId };
}

/**
 * The result rows that mirror one processed object: what the write path upserts next to it, and what
 * `warehouse rebuild` restores from the object alone. `object` is the lake object the rows name (its key and
 * computed_at: for a reprocess that found an identical object, that older object); `bars` is the number of bars
 * the results were computed over (`lookback_days` of the percentile row), which the percentiles document does
 * not carry itself; `mark` is the object's quality mark (its metadata's, quality-mark.ts `qualityMarkOf`), which
 * the document does not carry either: the rows' `quality_failed`, null without one.
 */
export function resultRowsOf(
  kind: ProcessedKind,
  document: PendingProcessedDocument,
  object: ExistingObject,
  bars: number,
  mark?: QualityMark,
): ComputedResultsInput {
  const base = {
    symbol: document.ticker,
    computationVersion: document.computation_version,
    computedAt: object.computedAt,
    sourceRawKey: document.source_raw_data_key,
    sourceRawVersionId: document.source_raw_data_version_id,
    qualityFailed: mark?.failed ?? null,
    // The entries of all kinds and sets are enqueued together, in one insert (see commitResults).
    outbox: [],
  };
  const date = document.as_of;
  if (kind === 'indicators') {
    return { ...base, indicators: { lakeKey: object.key, rows: [{ date, values: document.values as never }] } };
  }
  if (kind === 'percentiles') {
    const percentiles = document.values as PercentileValues;
    return {
      ...base,
      percentiles: {
        lakeKey: object.key,
        date,
        lookbackDays: bars,
        currentPricePercentile: percentiles.current_price_percentile,
        statistics: percentiles,
      },
    };
  }
  const features = document.values as FeatureValues;
  return { ...base, features: { lakeKey: object.key, date, values: features as never, bars: features.bars } };
}
