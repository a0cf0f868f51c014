/**
 * `lake_outbox`: lake writes the database has committed to but the lake has not confirmed yet.
 *
 * An entry is enqueued in the same transaction as the rows it mirrors, so the database never holds a result
 * whose lake object is forgotten. Draining (in the pipeline) writes `body` to the lake, then calls
 * `markOutboxEntriesDone` with the catalog rows of what was written, or `markOutboxFailed` with the error;
 * pending entries are retried later.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { insertCatalogObjects, type CatalogObjectInput } from './catalog.js';
import type { Database, LakeObjectKind, LakeOutboxTable } from './schema.js';
import { assertUniqueKeys, errorText, inTransaction, jsonText } from './sql-helpers.js';

/** The catalog row to record once the object is written, less what only the write knows (key, version id). */
export interface OutboxCatalogPlan {
  kind: LakeObjectKind;
  ticker: string;
  objectDate: string;
  /** Of the UTF-8 bytes of `body`. */
  sha256: string;
  /** Byte length of `body` in UTF-8. */
  size: number;
  computationVersion: string | null;
  sourceRawKey: string | null;
  sourceRawVersionId: string | null;
}

export interface OutboxEntryInput {
  /** The key the object is meant for; the write may take the next free `{TS}_N.json` instead. */
  key: string;
  kind: LakeObjectKind;
  ticker: string;
  /** The exact serialised object. */
  body: string;
  contentType: string;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  catalog: OutboxCatalogPlan;
  runId?: string | null;
}

export interface OutboxEntry extends OutboxEntryInput {
  id: number;
  runId: string | null;
  createdAt: Date;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: Date | null;
  doneAt: Date | null;
}

/**
 * Inserts entries in one multi-row statement and returns their ids in the order given. Pass the transaction
 * that writes the rows these objects mirror. Refuses an entry whose catalog plan does not describe its body.
 */
export async function enqueueOutbox(db: Kysely<Database>, entries: readonly OutboxEntryInput[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const rows = entries.map((entry) => {
    assertPlanMatchesBody(entry);
    return {
      key: entry.key,
      kind: entry.kind,
      ticker: entry.ticker,
      body: entry.body,
      content_type: entry.contentType,
      tags: jsonText(entry.tags, `outbox ${entry.key} tags`),
      metadata: jsonText(entry.metadata, `outbox ${entry.key} metadata`),
      catalog: jsonText(entry.catalog, `outbox ${entry.key} catalog`),
      run_id: entry.runId ?? null,
    };
  });
  // Bodies can be large (a full raw history); they travel as single parameters, so the row count per statement
  // is not the constraint here and one statement keeps the enqueue atomic even outside a transaction.
  const inserted = await db.insertInto('lake_outbox').values(rows).returning('id').execute();
  // Identity values are drawn in VALUES order, so ascending ids follow the order of `entries`.
  return inserted.map((row) => row.id).sort((a, b) => a - b);
}

/** Pending entries, oldest first. */
export async function listPendingOutbox(db: Kysely<Database>, limit: number): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('lake_outbox')
    .selectAll()
    .where('done_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(fromRow);
}

export async function getOutboxEntry(db: Kysely<Database>, id: number): Promise<OutboxEntry | undefined> {
  const row = await db.selectFrom('lake_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

export async function countPendingOutbox(db: Kysely<Database>): Promise<number> {
  const { count } = await db
    .selectFrom('lake_outbox')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('done_at', 'is', null)
    .executeTakeFirstOrThrow();
  return count;
}

/**
 * Completes a pending entry: sets `done_at` and records the written object in `lake_objects`, together, so the
 * catalog never lacks an object whose entry is done. Throws if the entry is not pending or the written object
 * is not the one planned (other kind, ticker or content).
 */
export async function markOutboxDone(
  db: Kysely<Database>,
  id: number,
  written: CatalogObjectInput,
): Promise<void> {
  await markOutboxEntriesDone(db, [{ id, written }]);
}

/** One entry whose object the lake has taken: its id and the catalog row of what was written. */
export interface CompletedOutboxEntry {
  id: number;
  written: CatalogObjectInput;
}

/**
 * `markOutboxDone` for several entries in ONE transaction of (at least) two statements, whatever their number:
 * one `UPDATE ... WHERE id IN (...)` and one multi-row INSERT into `lake_objects`. All or nothing: if one entry
 * is not pending or not as planned, none is marked done (their objects are in the lake, so the next drain finds
 * them by sha256 and completes them without writing a second copy).
 */
export async function markOutboxEntriesDone(db: Kysely<Database>, entries: readonly CompletedOutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  assertUniqueKeys(entries, (entry) => String(entry.id), 'markOutboxEntriesDone: outbox id');
  await inTransaction(db, async (trx) => {
    const done = await trx
      .updateTable('lake_outbox')
      .set((eb) => ({ done_at: eb.fn<Date>('now') }))
      .where('id', 'in', entries.map((entry) => entry.id))
      .where('done_at', 'is', null)
      .returning(['id', 'key', 'kind', 'ticker', 'catalog'])
      .execute();
    const doneById = new Map(done.map((row) => [row.id, row]));
    for (const entry of entries) {
      const row = doneById.get(entry.id);
      if (row === undefined) throw await notPendingError(trx, entry.id, 'mark done');
      assertWrittenAsPlanned(entry.id, row.catalog as unknown as OutboxCatalogPlan, entry.written);
    }
    await insertCatalogObjects(trx, entries.map((entry) => entry.written));
    for (const entry of entries) {
      const planned = doneById.get(entry.id)!;
      if (entry.written.key !== planned.key) await retargetResultRows(trx, planned.kind, planned.key, entry.written.key);
    }
  });
}

function assertWrittenAsPlanned(id: number, plan: OutboxCatalogPlan, written: CatalogObjectInput): void {
  const mismatched = (['kind', 'ticker', 'sha256', 'size'] as const).filter((field) => plan[field] !== written[field]);
  if (mismatched.length > 0) {
    throw new Error(`outbox entry ${id}: the written object differs from the plan in ${mismatched.join(', ')}`);
  }
}

const RESULT_TABLE_OF_KIND = {
  indicators: 'daily_indicators',
  percentiles: 'indicator_percentiles',
  features: 'comparative_features',
} as const;

/**
 * The object went to another key than planned (the planned one was taken, DESIGN.md "Keys"): the result rows
 * that still name the planned key must name the key actually written. Rows since rewritten by a later
 * computation name their own key and are left alone.
 *
 * Raw objects are not retargeted here: the processed bodies already written cite the raw key and cannot change;
 * the pipeline must settle a raw object's key before computing from it.
 */
async function retargetResultRows(
  db: Kysely<Database>,
  kind: LakeObjectKind,
  plannedKey: string,
  writtenKey: string,
): Promise<void> {
  if (kind === 'raw') return;
  await db
    .updateTable(RESULT_TABLE_OF_KIND[kind])
    .set({ lake_key: writtenKey })
    .where('lake_key', '=', plannedKey)
    .execute();
}

/** Records a failed attempt (attempts + 1, the error and its time); the entry stays pending. */
export async function markOutboxFailed(db: Kysely<Database>, id: number, error: unknown): Promise<void> {
  const updated = await db
    .updateTable('lake_outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: errorText(error),
      last_attempt_at: eb.fn<Date>('now'),
    }))
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (updated === undefined) throw await notPendingError(db, id, 'record a failure of');
}

/** The catalog row for an entry's object once written under `key` with `versionId`. */
export function catalogRowFor(
  entry: Pick<OutboxEntryInput, 'catalog'>,
  written: { key: string; versionId: string | null },
): CatalogObjectInput {
  return { ...entry.catalog, key: written.key, versionId: written.versionId };
}

/** sha256 (hex) and UTF-8 byte length of a body, as the catalog plan records them. */
export function describeBody(body: string): { sha256: string; size: number } {
  const bytes = Buffer.from(body, 'utf8');
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

function assertPlanMatchesBody(entry: OutboxEntryInput): void {
  const actual = describeBody(entry.body);
  const problems: string[] = [];
  if (entry.catalog.kind !== entry.kind) problems.push(`catalog kind ${entry.catalog.kind} is not ${entry.kind}`);
  if (entry.catalog.ticker !== entry.ticker) {
    problems.push(`catalog ticker ${entry.catalog.ticker} is not ${entry.ticker}`);
  }
  if (entry.catalog.sha256 !== actual.sha256) problems.push('catalog sha256 is not the sha256 of the body');
  if (entry.catalog.size !== actual.size) problems.push(`catalog size ${entry.catalog.size} is not ${actual.size}`);
  if (problems.length > 0) throw new Error(`outbox entry for ${entry.key}: ${problems.join('; ')}`);
}

async function notPendingError(db: Kysely<Database>, id: number, action: string): Promise<Error> {
  const entry = await db.selectFrom('lake_outbox').select('done_at').where('id', '=', id).executeTakeFirst();
  const why = entry === undefined ? 'no such entry' : `it was done at ${entry.done_at?.toISOString()}`;
  return new Error(`cannot ${action} outbox entry ${id}: ${why}`);
}

function fromRow(row: Selectable<LakeOutboxTable>): OutboxEntry {
  return {
    id: row.id,
    key: row.key,
    kind: row.kind,
    ticker: row.ticker,
    body: row.body,
    contentType: row.content_type,
    tags: row.tags,
    metadata: row.metadata,
    catalog: row.catalog as unknown as OutboxCatalogPlan,
    runId: row.run_id,
    createdAt: row.created_at,
    attempts: row.attempts,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    doneAt: row.done_at,
  };
}
