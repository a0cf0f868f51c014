import type { ComputationVersion } from '../compute/fields.js';
import type { DataLake, WrittenObject } from '../lake/data-lake.js';
import { catalogEntry, rawKeyParts } from '../lake/data-lake.js';
import { renderRaw, type RawReference } from '../lake/documents.js';
import { objectKey } from '../lake/keys.js';
import type { RawSnapshot } from '../market/snapshot.js';
import { normalizeTicker } from '../market/ticker.js';
import type { MarketDataSource } from '../sources/source.js';
import { recordRestatement } from '../staleness/detect.js';
import type { Warehouse } from '../warehouse/database.js';
import type { OutboxEntryInput } from '../warehouse/outbox.js';
import { barsOf, computeResults } from './compute-results.js';
import { rawOutboxEntry } from './outbox-entries.js';
import { commitResults, drainCommitted } from './result-write.js';

export interface TickerJobContext {
  runId: string;
  source: MarketDataSource;
  lake: DataLake;
  warehouse: Warehouse;
  computationVersion: ComputationVersion;
  /** Inclusive date range to fetch. */
  start: string;
  end: string;
  clock: () => Date;
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
}

/**
 * One ticker through the write path of DESIGN.md: fetch, validate, raw snapshot to the lake, prices upserted,
 * compute, then ONE transaction for the result rows and an outbox entry per lake object, then drain those.
 *
 * - A lake failure never fails the ticker: the object goes to the outbox (the raw snapshot too) and the
 *   database side completes.
 * - A database failure fails the ticker, and no processed object is written for it (they are only written
 *   from committed outbox entries).
 */
export async function runTickerJob(context: TickerJobContext, requested: string): Promise<TickerOutcome> {
  const outcome: TickerOutcome = { ticker: requested, status: 'failed', written: [], pending: [], lakeErrors: [] };
  try {
    const ticker = normalizeTicker(requested);
    outcome.ticker = ticker;
    const snapshot = await context.source.fetchSnapshot(ticker, { start: context.start, end: context.end, now: context.clock() });
    outcome.rawKey = rawKeyOf(snapshot);

    const { raw, rawOutbox } = await storeRawSnapshot(context, snapshot, outcome);
    outcome.rawKey = raw.key;
    // Vendors restate history: record how this snapshot's bars differ from the previous one (src/staleness).
    const restated = await recordRestatement(context, snapshot, raw);
    outcome.written.push(...restated.written);
    outcome.lakeErrors.push(...restated.lakeErrors);
    const { warehouse } = context;
    await warehouse.repository.upsertPrices(ticker, barsOf(snapshot), {
      key: raw.key,
      versionId: raw.versionId || null,
      fetchedAt: snapshot.fetched_at,
    });

    const results = computeResults(snapshot, context.computationVersion);
    outcome.asOf = results.asOf;
    const computedAt = context.clock().toISOString();
    // Rows and outbox entries in ONE transaction (the raw snapshot's entry first when the lake refused it).
    const committed = await commitResults(context, ticker, raw, [{ results }], computedAt, rawOutbox ? [rawOutbox] : []);

    // The database is complete for this ticker; now the lake. Failures stay in the outbox, reported.
    const drained = await drainCommitted(context, committed);
    outcome.written.push(...drained.written.map((w) => w.key));
    outcome.pending.push(...drained.pending);
    outcome.lakeErrors.push(...drained.lakeErrors);
    outcome.status = 'ok';
  } catch (error) {
    outcome.error = error instanceof Error ? error.message : String(error);
  }
  return outcome;
}

function rawKeyOf(snapshot: RawSnapshot): string {
  const parts = rawKeyParts(snapshot);
  return objectKey('raw', parts.ticker, parts.date, parts.timestamp, 1, parts.source);
}

/**
 * Writes the raw snapshot directly. If the lake refuses it, the snapshot goes into the outbox with the results
 * (same transaction), and the processed documents wait for its version id.
 */
async function storeRawSnapshot(
  context: TickerJobContext,
  snapshot: RawSnapshot,
  outcome: TickerOutcome,
): Promise<{ raw: RawReference; rawOutbox?: OutboxEntryInput }> {
  const parts = rawKeyParts(snapshot);
  const rendered = renderRaw(rawKeyOf(snapshot), snapshot);
  let written: WrittenObject;
  try {
    written = await context.lake.write(parts, rendered);
  } catch (error) {
    outcome.lakeErrors.push(`${rawKeyOf(snapshot)}: ${error instanceof Error ? error.message : String(error)}`);
    const rawOutbox = rawOutboxEntry(snapshot, context.runId);
    return { raw: { key: rawOutbox.key, versionId: '', sha256: rendered.sha256 }, rawOutbox };
  }
  outcome.written.push(written.key);
  await context.warehouse.repository.insertCatalogObject(catalogEntry(parts, written, null, null, new Date(snapshot.fetched_at)));
  return { raw: { key: written.key, versionId: written.versionId, sha256: written.sha256 } };
}
