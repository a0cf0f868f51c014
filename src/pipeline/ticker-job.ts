import type { ComputationVersion } from '../compute/fields.js';
import type { LakeCompression } from '../lake/compression.js';
import type { DataLake, WrittenObject } from '../lake/data-lake.js';
import { catalogEntry, rawKeyParts } from '../lake/data-lake.js';
import type { RawReference } from '../lake/formats/processed.js';
import { renderRaw, type RawSnapshot } from '../lake/formats/raw.js';
import { barsOf } from '../lake/formats/raw-bars.js';
import { objectKey } from '../lake/keys.js';
import { normalizeTicker } from '../market/ticker.js';
import type { MarketDataSource } from '../sources/source.js';
import { recordRestatement } from '../staleness/detect.js';
import type { PreviousRawFinder } from '../staleness/previous-raw.js';
import { type CatalogObjectInput, insertCatalogObject } from '../warehouse/lake-objects.js';
import type { Warehouse } from '../warehouse/database.js';
import { barsToWrite } from '../warehouse/prices.js';
import type { OutboxEntry, OutboxEntryInput } from '../warehouse/outbox.js';
import { computeResults, type TickerResults } from '../compute/results.js';
import type { RestatementDocument } from '../lake/formats/restatement.js';
import type { QualityMark } from '../lake/formats/quality-mark.js';
import type { RowBatch } from '../tables/table-files.js';
import { tableBatches } from './table-write.js';
import type { DoneMarks } from './done-marks.js';
import { rawOutboxEntry } from './outbox-entries.js';
import { commitResults, drainCommitted } from './result-write.js';
import { messageOf } from '../errors.js';
import { validateBars } from '../market/validate.js';
import { VendorFormatError } from '../sources/source.js';
import type { QualityGate, TickerQuality } from './quality-gate.js';

/** What a run gives each of its ticker jobs, and what the caller of a daily run chooses: the same fields. */
export interface TickerJobSettings {
  source: MarketDataSource;
  lake: DataLake;
  warehouse: Warehouse;
  computationVersion: ComputationVersion;
  /** Inclusive range of bars to fetch (the CLI derives it from `--range`, two years by default: see dateRange). */
  start: string;
  end: string;
}

export interface TickerJobContext extends TickerJobSettings {
  runId: string;
  clock: () => Date;
  /** Marks the processed objects done once written; the daily run batches them across tickers. */
  processedDone?: DoneMarks;
  /** The previous raw snapshots of the run's tickers, found up front (default: one query per ticker). */
  previousRaws?: PreviousRawFinder;
  /**
   * The snapshot each ticker's prices were last brought up to date with (`priceSourcesOf`, read when the run
   * starts). A ticker absent sends every bar of its snapshot (the upsert keeps what did not change).
   */
  priceSources?: ReadonlyMap<string, string>;
  /** Leave the ticker's rows of the lake's tables in the outcome (`tableBatches`), for the run to write. */
  tables?: boolean;
  /** The quality checks (src/quality); none run without it. */
  quality?: QualityGate;
}

export interface TickerOutcome {
  ticker: string;
  status: 'ok' | 'failed';
  /** Why the ticker failed (no data, invalid bars, database error...). */
  error?: string;
  asOf?: string;
  rawKey?: string;
  /** Keys written to the lake for this ticker in this run. */
  written: string[];
  /** Keys left in the outbox (the lake refused them); `lake retry` writes them later. */
  pending: string[];
  lakeErrors: string[];
  /** The new snapshot restated bars of the previous one (a restatement was recorded). */
  restated?: boolean;
  /** The ticker's rows of the lake's tables (with `context.tables`, once the lake took its raw snapshot). */
  tableBatches?: RowBatch[];
  /**
   * What the quality checks said (with `context.quality`). A `blocked` ticker is `ok` (its raw snapshot is stored
   * and catalogued) but wrote no prices and no results; a `marked` one wrote them with the failed checks named.
   */
  quality?: TickerQuality;
}

/**
 * One ticker through the write path of docs/design.md: fetch, validate, raw snapshot to the lake, compute, then ONE
 * statement for the raw object's catalog row, the prices, the result rows and an outbox entry per lake object,
 * then drain those (the three processed objects in parallel, marked done together in one statement).
 *
 * - A lake failure never fails the ticker: the object goes to the outbox (the raw snapshot too) and the
 *   database side completes.
 * - A database failure fails the ticker, and no processed object is written for it (they are only written
 *   from committed outbox entries).
 *
 * Per ticker, on a first run, that is 3 statements and no explicit transaction (each statement is atomic by
 * itself; on PostgreSQL, each autocommitted write is one WAL flush): the restatement lookup; one statement for
 * the catalog row, the prices, the 3 result rows and the outbox entries (data-modifying CTEs); one for the outbox
 * update and the catalog rows of the processed objects. (A restatement found adds its own writes.) The daily
 * run makes that ONE statement per ticker plus a share of two: it looks every ticker's previous snapshot up
 * at once (`previousRaws`) and marks the processed objects of several tickers done together (`processedDone`).
 */
export async function runTickerJob(context: TickerJobContext, requested: string): Promise<TickerOutcome> {
  const outcome: TickerOutcome = { ticker: requested, status: 'failed', written: [], pending: [], lakeErrors: [] };
  try {
    const ticker = normalizeTicker(requested);
    outcome.ticker = ticker;
    const snapshot = await fetchJudged(context, ticker, outcome);
    // Without the quality checks to judge the vendor's values, the bars pass the strict rules before anything is
    // stored, as they did before the checks existed (a zero price, high below low: the ticker fails).
    if (context.quality === undefined) {
      validateBars(barsOf(snapshot), `${ticker} (${snapshot.source})`, () => undefined, 'strict');
    }
    outcome.rawKey = rawKeyOf(snapshot, context.lake.compression);

    const stored = await storeRawSnapshot(context, snapshot, outcome);
    outcome.rawKey = stored.raw.key;
    const committed = await catalogRawIfFailing(context, stored, () =>
      commitTicker(context, ticker, snapshot, stored, outcome),
    );

    // The database is complete for this ticker; now the lake. Failures stay in the outbox, reported.
    const drained = await drainCommitted(context, committed.entries);
    outcome.written.push(...drained.written.map((w) => w.key));
    outcome.pending.push(...drained.pending);
    outcome.lakeErrors.push(...drained.lakeErrors);
    if (context.tables && stored.catalogRow !== undefined) {
      // A blocked ticker's bars go to the prices table all the same: it mirrors what each fetch said (like the raw
      // snapshot), and the next fetch's rows are the changes against this one.
      outcome.tableBatches = tableBatches({
        ticker,
        runId: context.runId,
        snapshot,
        raw: { ...stored.raw, size: stored.catalogRow.size },
        previous: committed.previous,
        ...(committed.previousUnreadable ? { previousUnreadable: committed.previousUnreadable } : {}),
        ...(committed.results ? { results: committed.results } : {}),
        ...(committed.qualityFailed ? { qualityFailed: committed.qualityFailed } : {}),
        computationVersion: context.computationVersion,
        computedAt: committed.computedAt,
        written: drained.written,
        ...(committed.restatement ? { restatement: committed.restatement } : {}),
      });
    }
    outcome.status = 'ok';
  } catch (error) {
    outcome.error = messageOf(error);
  }
  return outcome;
}

/**
 * The database side of a ticker: the restatement check, then everything else in ONE statement. The results are
 * computed and rendered before it is sent (computing is pure).
 */
async function commitTicker(
  context: TickerJobContext,
  ticker: string,
  snapshot: RawSnapshot,
  stored: StoredRaw,
  outcome: TickerOutcome,
): Promise<CommittedTicker> {
  // Vendors restate history: record how this snapshot's bars differ from the previous one (src/staleness).
  const restated = await recordRestatement(context, snapshot, stored.raw);
  if (restated.restatement !== undefined) outcome.restated = true;
  outcome.written.push(...restated.written);
  outcome.lakeErrors.push(...restated.lakeErrors);

  // The stability checks compare with the newest previous snapshot not blocked (the restatement, with the previous).
  const judged = judge(context, snapshot, restated.baseline?.snapshot, stored, outcome);
  const computedAt = context.clock().toISOString();
  if (judged.blocked) {
    // The vendor's record is kept (the raw object and its catalog row); nothing computed from it is written.
    outcome.asOf = snapshot.bars.at(-1)?.date;
    const entries = await commitResults(context, ticker, stored.raw, [], computedAt, {
      leading: stored.rawOutbox ? [stored.rawOutbox] : [],
      alsoWrite: { catalogObject: stored.catalogRow },
    });
    return {
      entries,
      computedAt,
      previous: restated.previous,
      ...(restated.previousUnreadable ? { previousUnreadable: restated.previousUnreadable } : {}),
      ...(restated.restatement ? { restatement: restated.restatement } : {}),
    };
  }
  const results = judged.results ?? computeResults(snapshot, context.computationVersion);
  outcome.asOf = results.asOf;
  // Only the bars that may differ from what the table holds: none of the others would be written anyway.
  const previous = restated.previous && { key: restated.previous.key, bars: barsOf(restated.previous.snapshot) };
  const bars = barsToWrite(barsOf(snapshot), previous, context.priceSources?.get(ticker));
  const prices = { key: stored.raw.key, versionId: stored.raw.versionId || null, fetchedAt: snapshot.fetched_at };
  const set = { results, ...(judged.mark ? { quality: judged.mark } : {}) };
  const entries = await commitResults(context, ticker, stored.raw, [set], computedAt, {
    // The raw snapshot's entry first when the lake refused it: it is drained before what was computed from it.
    leading: stored.rawOutbox ? [stored.rawOutbox] : [],
    alsoWrite: { catalogObject: stored.catalogRow, prices: { symbol: ticker, bars, raw: prices } },
  });
  return {
    entries,
    results,
    computedAt,
    ...(judged.mark ? { qualityFailed: judged.mark.failed } : {}),
    previous: restated.previous,
    ...(restated.previousUnreadable ? { previousUnreadable: restated.previousUnreadable } : {}),
    ...(restated.restatement ? { restatement: restated.restatement } : {}),
  };
}

/** What the database side committed, and what the ticker's table rows are made of. */
interface CommittedTicker {
  entries: OutboxEntry[];
  /** Absent when the quality checks blocked the ticker's results. */
  results?: TickerResults;
  computedAt: string;
  /** The quality mark's `quality_failed` text when the results were written although checks failed. */
  qualityFailed?: string;
  previous: { key: string; snapshot: RawSnapshot } | undefined;
  previousUnreadable?: string;
  restatement?: RestatementDocument & { lake_key: string | null };
}

/**
 * Fetches the snapshot; a vendor answer whose shape changed is a quality finding of its own (there is no snapshot
 * for the other checks to judge) before it fails the ticker.
 */
async function fetchJudged(context: TickerJobContext, ticker: string, outcome: TickerOutcome): Promise<RawSnapshot> {
  try {
    return await context.source.fetchSnapshot(ticker, { start: context.start, end: context.end, now: context.clock() });
  } catch (error) {
    if (context.quality !== undefined && error instanceof VendorFormatError) {
      const verdict = context.quality.vendorFormat(ticker, error.message);
      outcome.quality = { results: verdict ? [verdict] : [], blocked: true, marked: false };
    }
    throw error;
  }
}

/**
 * The snapshot and result checks (QualityGate.judgeTicker): under `block`, a snapshot with an error finding is not
 * computed at all; otherwise its results are computed there, once, and handed on (with their quality mark when a
 * check failed).
 */
function judge(
  context: TickerJobContext,
  snapshot: RawSnapshot,
  previous: RawSnapshot | undefined,
  stored: StoredRaw,
  outcome: TickerOutcome,
): { blocked: boolean; results?: TickerResults; mark?: QualityMark } {
  const gate = context.quality;
  if (gate === undefined) return { blocked: false };
  // A raw snapshot the lake refused is named by its planned key and sha256, with no version id yet.
  const request = { start: context.start, end: context.end };
  const judged = gate.judgeTicker(context.runId, snapshot, previous, stored.raw, request, () =>
    computeResults(snapshot, context.computationVersion),
  );
  outcome.quality = judged.quality;
  return {
    blocked: judged.quality.blocked,
    ...(judged.results ? { results: judged.results } : {}),
    ...(judged.mark ? { mark: judged.mark } : {}),
  };
}

/**
 * Runs the database side; if it fails after the raw object reached the lake, catalogues that object on its own
 * before failing, so that the catalog still lists every object in the lake (the next run's restatement check
 * and reprocessing find raw snapshots through it). The ticker fails either way, with both errors if both fail.
 */
async function catalogRawIfFailing<T>(
  context: TickerJobContext,
  stored: StoredRaw,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (stored.catalogRow === undefined) throw error;
    try {
      await insertCatalogObject(context.warehouse.db, stored.catalogRow);
    } catch (catalogError) {
      const message = `${messageOf(error)}; the raw object ${stored.catalogRow.key} is in the lake but could not be catalogued either: ${messageOf(catalogError)}`;
      // The first failure is the cause; the catalogue's own failure is named in the message beside it.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(message, { cause: error });
    }
    throw error;
  }
}

function rawKeyOf(snapshot: RawSnapshot, compression: LakeCompression): string {
  const parts = rawKeyParts(snapshot);
  return objectKey('raw', parts.ticker, parts.date, parts.timestamp, 1, parts.source, compression);
}

/** The raw snapshot once the lake was asked to take it. */
interface StoredRaw {
  raw: RawReference;
  /** The catalog row of the written object, committed with the ticker's rows; absent when the lake refused it. */
  catalogRow?: CatalogObjectInput;
  /** The snapshot's outbox entry when the lake refused it. */
  rawOutbox?: OutboxEntryInput;
}

/**
 * Writes the raw snapshot directly; its catalog row is committed later with the rest of the ticker. If the lake
 * refuses it, the snapshot goes into the outbox with the results (same statement), and the processed documents
 * wait for its version id.
 */
async function storeRawSnapshot(
  context: TickerJobContext,
  snapshot: RawSnapshot,
  outcome: TickerOutcome,
): Promise<StoredRaw> {
  const parts = rawKeyParts(snapshot);
  const plannedKey = rawKeyOf(snapshot, context.lake.compression);
  const rendered = renderRaw(plannedKey, snapshot);
  let written: WrittenObject;
  try {
    written = await context.lake.write(parts, rendered);
  } catch (error) {
    outcome.lakeErrors.push(`${plannedKey}: ${messageOf(error)}`);
    const rawOutbox = rawOutboxEntry(snapshot, context.runId, context.lake.compression);
    return { raw: { key: rawOutbox.key, versionId: '', sha256: rendered.sha256 }, rawOutbox };
  }
  outcome.written.push(written.key);
  return {
    raw: { key: written.key, versionId: written.versionId, sha256: written.sha256 },
    catalogRow: catalogEntry(parts, written, null, null, new Date(snapshot.fetched_at)),
  };
}
