/**
 * `lake_outbox`: lake writes the database has committed to but the lake has not confirmed yet.
 *
 * An entry is enqueued in the same statement (or transaction) as the rows it mirrors, so the database never holds
 * a result whose lake object is forgotten. Draining (in the pipeline) writes `body` to the lake, then calls
 * `markOutboxEntriesDone` with the catalog rows of what was written, or `markOutboxFailed` with the error;
 * pending entries are retried later.
 *
 * Several processes may drain one PostgreSQL outbox at once (concurrent runs, shards). An entry is HELD by one
 * drain at a time (`claimed_by`, `claimed_until`): a run holds the entries it enqueues from the start (it
 * writes them right after the commit), and a drain of the backlog claims entries nobody holds
 * (`claimPendingOutbox`, FOR UPDATE SKIP LOCKED). A hold ends when its holder releases it, when its lease
 * (`OUTBOX_CLAIM_LEASE`) runs out (the process died), or when the run holding it is no longer `running`.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type QueryCreator, type Selectable } from 'kysely';
import {
  catalogColumnArrays,
  catalogConflictOf,
  catalogInsertStep,
  CATALOG_RELATION_COLUMNS,
  type CatalogObjectInput,
} from './lake-objects.js';
import type { Database, LakeObjectKind, LakeObjectsTable, LakeOutboxTable } from './schema.js';
import { assertUniqueKeys, errorText, isUniqueViolation, jsonText } from './sql-helpers.js';

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
 * that writes the rows these objects mirror, or write them in the same statement (`outboxInsertStep`). Refuses an
 * entry whose catalog plan does not describe its body.
 */
export async function enqueueOutbox(db: Kysely<Database>, entries: readonly OutboxEntryInput[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const inserted = await outboxInsertStep(entries)(db).execute();
  return outboxIdsInOrder(entries, inserted);
}

/**
 * The multi-row INSERT of `enqueueOutbox` as a step (checked and built, not run), returning each row's id AND
 * planned key: PostgreSQL does not promise that RETURNING lists the rows of a multi-row INSERT in VALUES order,
 * so `outboxIdsInOrder` matches them by key, which is why the keys of one insert must be distinct (they are: a
 * key names one object).
 */
export function outboxInsertStep(entries: readonly OutboxEntryInput[]) {
  assertUniqueKeys(entries, (entry) => entry.key, 'outbox entries of one insert: key');
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
      // A run holds what it enqueues: it writes these objects right after this statement commits, and another
      // process's drain must neither write them meanwhile nor count them as its own pending ones.
      ...(entry.runId ? { claimed_by: entry.runId, claimed_until: leaseEnd() } : {}),
    };
  });
  // Bodies can be large (a full raw history); they travel as single parameters, so the row count per statement
  // is not the constraint here and one statement keeps the enqueue atomic even outside a transaction.
  return (creator: QueryCreator<Database>) => creator.insertInto('lake_outbox').values(rows).returning(['id', 'key']);
}

/** The ids of an `outboxInsertStep`'s RETURNING rows, in the order of its entries. */
export function outboxIdsInOrder(
  entries: readonly OutboxEntryInput[],
  inserted: readonly { id: number; key: string }[],
): number[] {
  const idByKey = new Map(inserted.map((row) => [row.key, row.id]));
  return entries.map((entry) => {
    const id = idByKey.get(entry.key);
    if (id === undefined || inserted.length !== entries.length) {
      throw new Error(
        `the outbox insert returned ${inserted.length} rows for ${entries.length} entries (missing ${entry.key})`,
      );
    }
    return id;
  });
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

/**
 * How long a hold lasts without its holder finishing: longer than any drain of one page or one ticker takes
 * (a few lake writes), so a live holder never loses an entry; after a crash, the entries wait that long at most
 * before another process takes them over (at once if the dead run was marked finished, e.g. aborted).
 */
export const OUTBOX_CLAIM_LEASE = sql`interval '10 minutes'`;

const leaseEnd = () => sql<Date>`now() + ${OUTBOX_CLAIM_LEASE}`;

/**
 * True for an entry held by a live drain: its lease runs, and its holder is not a run that has finished (a run
 * releases its holds before it finishes, so a finished holder's are left over from a crash).
 */
function heldByLiveDrain(alias: string) {
  const entry = sql.table(alias);
  return sql<boolean>`(${entry}.claimed_until is not null and ${entry}.claimed_until > now()
    and not exists (select 1 from computation_runs r where r.run_id = ${entry}.claimed_by and r.status <> 'running'))`;
}

export interface ClaimOptions {
  /**
   * Take entries whatever holds them, except this claimant's own: for the embedded database, where the home's
   * lock makes this process the only writer, so any other hold is left over from a process that died.
   */
  takeOver?: boolean;
}

/**
 * Claims up to `limit` pending entries, oldest first, for `claimant` (a run id or a drain's own id), in one
 * statement: entries another live drain holds are skipped, and so are entries locked by a concurrent claim
 * (FOR UPDATE SKIP LOCKED), so two concurrent claims never take the same entry. Entries this claimant already
 * holds are not taken again (a drain does not retry in a loop what just failed). Returns them by id.
 */
export async function claimPendingOutbox(
  db: Kysely<Database>,
  claimant: string,
  limit: number,
  options: ClaimOptions = {},
): Promise<OutboxEntry[]> {
  const claimable = options.takeOver
    ? sql<boolean>`(o.claimed_by is distinct from ${claimant} or o.claimed_until is null or o.claimed_until <= now())`
    : sql<boolean>`not ${heldByLiveDrain('o')}`;
  const rows = await db
    .updateTable('lake_outbox')
    .set({ claimed_by: claimant, claimed_until: leaseEnd() })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('lake_outbox as o')
        .select('o.id')
        .where('o.done_at', 'is', null)
        .where(claimable)
        .orderBy('o.id')
        .limit(limit)
        .forUpdate('o')
        .skipLocked(),
    )
    .returningAll()
    .execute();
  return rows.map(fromRow).sort((a, b) => a.id - b.id);
}

/**
 * Ends `claimant`'s holds on the entries still pending (all of them, or those of `ids`): others may retry them
 * now. `claimed_by` stays, naming the last holder (see countPendingOutbox).
 */
export async function releaseOutboxClaims(
  db: Kysely<Database>,
  claimant: string,
  ids?: readonly number[],
): Promise<void> {
  if (ids !== undefined && ids.length === 0) return;
  await db
    .updateTable('lake_outbox')
    .set({ claimed_until: null })
    .where('claimed_by', '=', claimant)
    .where('done_at', 'is', null)
    .$if(ids !== undefined, (qb) => qb.where('id', 'in', [...ids!]))
    .execute();
}

export async function getOutboxEntry(db: Kysely<Database>, id: number): Promise<OutboxEntry | undefined> {
  const row = await db.selectFrom('lake_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/**
 * Which pending entries to count: all; those whose last holder is `lastHeldBy` (a run's own pending writes:
 * what it enqueued or retried and could not get into the lake); or those a live drain holds right now
 * (`heldByLiveDrain: true`: being written by another process, not pending for anyone else to report), or not.
 */
export type PendingFilter = { lastHeldBy: string } | { heldByLiveDrain: boolean };

export async function countPendingOutbox(db: Kysely<Database>, filter?: PendingFilter): Promise<number> {
  const { count } = await db
    .selectFrom('lake_outbox as o')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('o.done_at', 'is', null)
    .$if(filter !== undefined && 'lastHeldBy' in filter, (qb) =>
      qb.where('o.claimed_by', '=', (filter as { lastHeldBy: string }).lastHeldBy),
    )
    .$if(filter !== undefined && 'heldByLiveDrain' in filter, (qb) =>
      qb.where(
        (filter as { heldByLiveDrain: boolean }).heldByLiveDrain
          ? heldByLiveDrain('o')
          : sql<boolean>`not ${heldByLiveDrain('o')}`,
      ),
    )
    .executeTakeFirstOrThrow();
  return count;
}

/**
 * Completes a pending entry: sets `done_at` and records the written object in `lake_objects`, together, so the
 * catalog never lacks an object whose entry is done. Throws if the entry is not pending or the written object
 * is not the one planned (other kind, ticker or content).
 */
export async function markOutboxDone(db: Kysely<Database>, id: number, written: CatalogObjectInput): Promise<void> {
  await markOutboxEntriesDone(db, [{ id, written }]);
}

/** One entry whose object the lake has taken: its id and the catalog row of what was written. */
export interface CompletedOutboxEntry {
  id: number;
  written: CatalogObjectInput;
  /**
   * The key the entry planned, when the caller knows it. If every entry of a call was written under its planned
   * key (the usual case), the statement leaves out the steps that repoint result rows to a moved object.
   */
  plannedKey?: string;
}

/**
 * `markOutboxDone` for several entries in ONE statement, whatever their number (data-modifying CTEs):
 *
 *   with written   as (the entries' ids and catalog rows, one array parameter per column)
 *        ready     as (those entries that are pending and whose written object is the planned one)
 *        done      as (update lake_outbox set done_at = now(), body = '' where id in ready, only if ALL entries
 *                     are ready)
 *        catalogued as (insert into lake_objects the written rows of the entries done, see `catalogInsertStep`)
 *        moved     as (the entries done whose object was written under another key than planned)
 *        <table>_retargeted as (result rows naming such a planned key repointed at the key written, see below)
 *   select id from done
 *
 * All or nothing, without a transaction: if one entry is not pending or not as planned, `done` updates no row,
 * so nothing is catalogued or repointed either, and the error is then worked out by one more query; if a written
 * key is catalogued with another object, the insert fails and with it the whole statement (their objects are in
 * the lake, so the next drain finds them by sha256 and completes them without writing a second copy).
 */
export async function markOutboxEntriesDone(
  db: Kysely<Database>,
  entries: readonly CompletedOutboxEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  assertUniqueKeys(entries, (entry) => String(entry.id), 'markOutboxEntriesDone: outbox id');
  const written = entries.map((entry) => entry.written);
  assertUniqueKeys(written, (object) => object.key, 'markOutboxEntriesDone: written key');
  let done: { id: number }[];
  try {
    done = await markDoneStatement(db, entries).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw (await catalogConflictOf(db, written)) ?? error;
    throw error;
  }
  if (done.length !== entries.length) throw await notDoneError(db, entries, done.length);
}

/**
 * A row of the `written` relation of `markDoneStatement`: an entry's id and the catalog row of its object (whose
 * creation time may be absent: the table's default fills it).
 */
type WrittenRow = Omit<Selectable<LakeObjectsTable>, 'created_at'> & { id: number; created_at: Date | null };

function markDoneStatement(db: Kysely<Database>, entries: readonly CompletedOutboxEntry[]) {
  const ids = `{${entries.map((entry) => entry.id).join(',')}}`;
  const arrays = catalogColumnArrays(entries.map((entry) => entry.written));
  // Nothing moved: the three retargeting updates are left out (a third of this statement's time on PGlite:
  // docs/benchmarks.md, "Measurements behind design choices"), and `ready` also requires the written key to be
  // the planned one, so a wrong claim marks nothing.
  const nothingMoved = entries.every(
    (entry) => entry.plannedKey !== undefined && entry.plannedKey === entry.written.key,
  );
  const base = db
    // Parenthesised here: Kysely wraps the builders' CTEs, not raw SQL.
    .with(
      'written',
      () => sql<WrittenRow>`(select * from unnest(${ids}::int8[], ${arrays}) as w(id, ${CATALOG_RELATION_COLUMNS}))`,
    )
    .with('ready', (creator) =>
      creator
        .selectFrom('lake_outbox as o')
        .innerJoin('written as w', 'w.id', 'o.id')
        .select('o.id')
        .where('o.done_at', 'is', null)
        // What assertWrittenAsPlanned checks: the object written is the one the entry planned.
        .where(
          sql<boolean>`o.catalog->>'kind' = w.kind and o.catalog->>'ticker' = w.ticker
                       and o.catalog->>'sha256' = w.sha256 and (o.catalog->>'size')::int8 = w.size`,
        )
        .$if(nothingMoved, (qb) => qb.whereRef('o.key', '=', 'w.key')),
    )
    .with('done', (creator) =>
      creator
        .updateTable('lake_outbox')
        // The body is dropped: the lake holds those bytes now, and `lake_objects` their sha256 and size.
        .set((eb) => ({ done_at: eb.fn<Date>('now'), body: '' }))
        .where('id', 'in', creator.selectFrom('ready').select('ready.id'))
        .where('done_at', 'is', null)
        // All or nothing: unless every entry is ready, no row is updated (and so nothing below happens).
        .where((eb) =>
          eb(
            creator.selectFrom('ready').select((e) => e.fn.countAll().as('n')),
            '=',
            entries.length,
          ),
        )
        .returning(['id', 'key as planned_key', 'kind']),
    )
    // Only the entries done: the catalog never lists an object whose entry stays pending, nor the reverse.
    .with('catalogued', (creator) =>
      catalogInsertStep(sql`(select w.* from written w join done d on d.id = w.id) as c`)(
        creator as unknown as QueryCreator<Database>,
      ),
    );
  if (nothingMoved) return base.selectFrom('done').select('done.id');
  return base
    .with('moved', (creator) =>
      creator
        .selectFrom('done as d')
        .innerJoin('written as w', 'w.id', 'd.id')
        .whereRef('w.key', '<>', 'd.planned_key')
        .select(['d.kind', 'd.planned_key', 'w.key as written_key']),
    )
    .with('indicators_retargeted', (creator) =>
      retargetStep(creator as unknown as QueryCreator<DoneDatabase>, 'indicators'),
    )
    .with('percentiles_retargeted', (creator) =>
      retargetStep(creator as unknown as QueryCreator<DoneDatabase>, 'percentiles'),
    )
    .with('features_retargeted', (creator) =>
      retargetStep(creator as unknown as QueryCreator<DoneDatabase>, 'features'),
    )
    .selectFrom('done')
    .select('done.id');
}

/** The tables of `markDoneStatement` as its retargeting steps see them (the creators there also know `ready`). */
type DoneDatabase = Database & {
  written: WrittenRow;
  done: { id: number; planned_key: string; kind: LakeObjectKind };
  moved: { kind: LakeObjectKind; planned_key: string; written_key: string };
};

/**
 * The object went to another key than planned (the planned one was taken, docs/design.md "Keys"): the result rows
 * that still name the planned key must name the key actually written. Rows since rewritten by a later
 * computation name their own key and are left alone.
 *
 * Raw objects are not retargeted here: the processed bodies already written cite the raw key and cannot change;
 * the pipeline must settle a raw object's key before computing from it.
 */
function retargetStep(creator: QueryCreator<DoneDatabase>, kind: Exclude<LakeObjectKind, 'raw'>) {
  return (
    creator
      .updateTable(RESULT_TABLE_OF_KIND[kind])
      .from('moved as m')
      .set((eb) => ({ lake_key: eb.ref('m.written_key') }))
      .where('m.kind', '=', kind)
      .whereRef('lake_key', '=', 'm.planned_key')
      // Uncorrelated, so PostgreSQL evaluates it once, up front (a one-time filter): when no object of this kind
      // moved, the usual case, the table is not scanned at all (lake_key has no index).
      .where((eb) => eb.exists(eb.selectFrom('moved').select('moved.kind').where('moved.kind', '=', kind)))
  );
}

/**
 * Why `markOutboxEntriesDone` marked fewer entries done than asked (none, unless a concurrent writer changed
 * one of them meanwhile): the first entry, in the order given, that is not pending or not as planned.
 */
async function notDoneError(
  db: Kysely<Database>,
  entries: readonly CompletedOutboxEntry[],
  doneCount: number,
): Promise<Error> {
  const rows = await db
    .selectFrom('lake_outbox')
    .select(['id', 'key', 'done_at', 'catalog'])
    .where(
      'id',
      'in',
      entries.map((entry) => entry.id),
    )
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const entry of entries) {
    const row = byId.get(entry.id);
    if (row === undefined) return new Error(`cannot mark done outbox entry ${entry.id}: no such entry`);
    // When some entries were marked done (a concurrent change), done_at no longer tells which ones were not.
    if (row.done_at !== null && doneCount === 0) {
      return new Error(`cannot mark done outbox entry ${entry.id}: it was done at ${row.done_at.toISOString()}`);
    }
    const mismatch = writtenDiffersFromPlan(entry.id, row.catalog as unknown as OutboxCatalogPlan, entry.written);
    if (mismatch !== undefined) return mismatch;
    if (entry.plannedKey !== undefined && entry.plannedKey !== row.key) {
      return new Error(`cannot mark done outbox entry ${entry.id}: it planned ${row.key}, not ${entry.plannedKey}`);
    }
  }
  return new Error(
    `marked ${doneCount} of ${entries.length} outbox entries done: the others changed while being marked (a concurrent drain?)`,
  );
}

function writtenDiffersFromPlan(id: number, plan: OutboxCatalogPlan, written: CatalogObjectInput): Error | undefined {
  const mismatched = (['kind', 'ticker', 'sha256', 'size'] as const).filter((field) => plan[field] !== written[field]);
  if (mismatched.length === 0) return undefined;
  return new Error(`outbox entry ${id}: the written object differs from the plan in ${mismatched.join(', ')}`);
}

const RESULT_TABLE_OF_KIND = {
  indicators: 'daily_indicators',
  percentiles: 'indicator_percentiles',
  features: 'comparative_features',
} as const;

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
