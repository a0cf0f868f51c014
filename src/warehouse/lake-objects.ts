/**
 * `lake_objects`: the catalog of every object written to the lake, with its lineage.
 */
import { sql, type Kysely, type QueryCreator, type RawBuilder, type Selectable } from 'kysely';
import type { Database, LakeObjectKind, LakeObjectsTable } from './schema.js';
import { assertUniqueKeys, chunkRows, numberArrayLiteral, textArrayLiteral, type WriteStep } from './sql-helpers.js';

export interface CatalogObjectInput {
  key: string;
  kind: LakeObjectKind;
  ticker: string;
  /** Fetch date for raw objects, `as_of` for processed ones (`YYYY-MM-DD`). */
  objectDate: string;
  versionId: string | null;
  sha256: string;
  size: number;
  /** Null for raw objects. */
  computationVersion: string | null;
  /** Null for raw objects. */
  sourceRawKey: string | null;
  sourceRawVersionId: string | null;
  /** Defaults to the database's now(). */
  createdAt?: Date | string;
}

export interface CatalogObject extends CatalogObjectInput {
  createdAt: Date;
}

export interface CatalogFilter {
  kind?: LakeObjectKind;
  ticker?: string;
  /** Inclusive bounds on `objectDate`. */
  fromDate?: string;
  toDate?: string;
  computationVersion?: string;
  /** Objects computed from this raw key (lineage, downstream). */
  sourceRawKey?: string;
  /** Default: all. */
  limit?: number;
}

export class CatalogConflictError extends Error {
  override readonly name = 'CatalogConflictError';
  constructor(
    readonly key: string,
    readonly differences: string[],
  ) {
    super(`lake object ${key} is already catalogued with different ${differences.join(', ')}`);
  }
}

/**
 * Records an object. Idempotent on the key: recording the same object again is a no-op ('exists'); recording a
 * different object under a catalogued key throws `CatalogConflictError`, since keys are never overwritten.
 */
export async function insertCatalogObject(
  db: Kysely<Database>,
  object: CatalogObjectInput,
): Promise<'inserted' | 'exists'> {
  const [outcome] = await insertCatalogObjects(db, [object]);
  return outcome;
}

/**
 * Records several objects with one multi-row INSERT (per 1000 rows), with the rules of `insertCatalogObject`
 * for each: a key catalogued with the same object is 'exists', with another object a `CatalogConflictError`.
 * The keys that conflicted are then read back in one query. Returns one outcome per object, in order. Pass a
 * transaction to make the whole set all-or-nothing.
 */
export async function insertCatalogObjects(
  db: Kysely<Database>,
  objects: readonly CatalogObjectInput[],
): Promise<('inserted' | 'exists')[]> {
  if (objects.length === 0) return [];
  // Within one statement a repeated key would be silently skipped as its own conflict; refuse it instead.
  assertUniqueKeys(objects, (object) => object.key, 'insertCatalogObjects: key');
  const inserted = new Set<string>();
  for (const chunk of chunkRows(objects.map(toRow), CATALOG_COLUMNS)) {
    const rows = await db
      .insertInto('lake_objects')
      .values(chunk)
      .onConflict((conflict) => conflict.column('key').doNothing())
      .returning('key')
      .execute();
    for (const row of rows) inserted.add(row.key);
  }
  const conflicting = objects.filter((object) => !inserted.has(object.key));
  if (conflicting.length > 0) await assertSameAsCatalogued(db, conflicting);
  return objects.map((object) => (inserted.has(object.key) ? 'inserted' : 'exists'));
}

/** Columns of a `lake_objects` row, for chunking multi-row inserts. */
const CATALOG_COLUMNS = 11;

/** The catalog rows of these objects' keys, by key (one query). */
async function cataloguedByKey(
  db: Kysely<Database>,
  objects: readonly CatalogObjectInput[],
): Promise<Map<string, CatalogObject>> {
  const rows = await db
    .selectFrom('lake_objects')
    .selectAll()
    .where(
      'key',
      'in',
      objects.map((object) => object.key),
    )
    .execute();
  return new Map(rows.map((row) => [row.key, fromRow(row)]));
}

/** Throws unless every object is catalogued already, exactly as given. */
async function assertSameAsCatalogued(db: Kysely<Database>, objects: readonly CatalogObjectInput[]): Promise<void> {
  const existing = await cataloguedByKey(db, objects);
  for (const object of objects) {
    const found = existing.get(object.key);
    if (found === undefined) {
      // The conflicting row vanished between the two statements; only a concurrent delete can do that.
      throw new Error(`lake object ${object.key} conflicted on insert but is no longer catalogued`);
    }
    const differences = differingFields(found, object);
    if (differences.length > 0) throw new CatalogConflictError(object.key, differences);
  }
}

/** The columns of a `lake_objects` row, in the order of `catalogColumnArrays`. */
const CATALOG_COLUMN_NAMES = [
  'key',
  'kind',
  'ticker',
  'object_date',
  'version_id',
  'sha256',
  'size',
  'computation_version',
  'source_raw_key',
  'source_raw_version_id',
  'created_at',
] as const;

/** `key, kind, ...`: the column list of a relation made of `catalogColumnArrays`. */
export const CATALOG_RELATION_COLUMNS = sql.join(CATALOG_COLUMN_NAMES.map((column) => sql.ref(column)));

/**
 * The objects column by column, as the typed array arguments of `unnest(...)` (one parameter per column whatever
 * the number of objects; see prices.ts for why arrays). A null `created_at` stands for the database's now().
 */
export function catalogColumnArrays(objects: readonly CatalogObjectInput[]): RawBuilder<unknown> {
  const text = (field: (object: CatalogObjectInput) => string | null) => textArrayLiteral(objects.map(field));
  return sql.join([
    sql`${text((o) => o.key)}::text[]`,
    sql`${text((o) => o.kind)}::text[]`,
    sql`${text((o) => o.ticker)}::text[]`,
    sql`${text((o) => o.objectDate)}::date[]`,
    sql`${text((o) => o.versionId)}::text[]`,
    sql`${text((o) => o.sha256)}::text[]`,
    sql`${numberArrayLiteral(objects.map((o) => o.size))}::int8[]`,
    sql`${text((o) => o.computationVersion)}::text[]`,
    sql`${text((o) => o.sourceRawKey)}::text[]`,
    sql`${text((o) => o.sourceRawVersionId)}::text[]`,
    // A string goes as it is, for PostgreSQL to parse as a single insert would.
    sql`${text((o) => (o.createdAt === undefined ? null : typeof o.createdAt === 'string' ? o.createdAt : o.createdAt.toISOString()))}::timestamptz[]`,
  ]);
}

/** `unnest(...) as c(key, kind, ...)`: the objects as a relation named `c`, for `catalogInsertStep`. */
export function catalogRelation(objects: readonly CatalogObjectInput[]): RawBuilder<unknown> {
  return sql`unnest(${catalogColumnArrays(objects)}) as c(${CATALOG_RELATION_COLUMNS})`;
}

/**
 * `insertCatalogObjects` as a step of a larger statement, for the rows of the relation `from` (aliased `c`, with
 * the columns of `CATALOG_RELATION_COLUMNS`): a row whose identical object is catalogued already is skipped, and
 * a row whose key is catalogued with ANOTHER object is inserted anyway, so that the primary key refuses it and
 * the whole statement fails (a unique violation; `catalogConflictOf` then says which key and how). There is no
 * ON CONFLICT clause on purpose: a skipped conflict could not undo the other steps of the statement, a failed
 * statement undoes them all. (The check reads the statement's snapshot; an identical row catalogued by a
 * concurrent writer after it was taken also fails the statement, which is the safe way to be wrong.)
 */
export function catalogInsertStep(from: RawBuilder<unknown>): WriteStep {
  return (creator: QueryCreator<Database>) =>
    creator
      .insertInto('lake_objects')
      .columns([...CATALOG_COLUMN_NAMES])
      .expression(
        sql`select c.key, c.kind, c.ticker, c.object_date, c.version_id, c.sha256, c.size, c.computation_version,
                   c.source_raw_key, c.source_raw_version_id, coalesce(c.created_at, now())
            from ${from}
            where not exists (
              select from lake_objects o
              where o.key = c.key
                and (o.kind, o.ticker, o.object_date, o.version_id, o.sha256, o.size, o.computation_version,
                     o.source_raw_key, o.source_raw_version_id)
                    is not distinct from
                    (c.kind, c.ticker, c.object_date, c.version_id, c.sha256, c.size, c.computation_version,
                     c.source_raw_key, c.source_raw_version_id))`,
      );
}

/**
 * After a statement with a `catalogInsertStep` failed: the `CatalogConflictError` of the first object whose key
 * is catalogued with another object, or undefined if there is none (the failure had another cause). One query;
 * run it outside the failed transaction, which accepts no further statement.
 */
export async function catalogConflictOf(
  db: Kysely<Database>,
  objects: readonly CatalogObjectInput[],
): Promise<CatalogConflictError | undefined> {
  if (objects.length === 0 || db.isTransaction) return undefined;
  const existing = await cataloguedByKey(db, objects);
  for (const object of objects) {
    const found = existing.get(object.key);
    const differences = found === undefined ? [] : differingFields(found, object);
    if (differences.length > 0) return new CatalogConflictError(object.key, differences);
  }
  return undefined;
}

/**
 * The newest object of a kind for a ticker, on `objectDate` if given: the greatest (object_date, key), which is
 * the latest write because keys end in a sortable UTC timestamp. One index scan (`lake_objects_latest_idx`).
 */
export async function findLatestObject(
  db: Kysely<Database>,
  kind: LakeObjectKind,
  ticker: string,
  objectDate?: string,
): Promise<CatalogObject | undefined> {
  let query = db.selectFrom('lake_objects').selectAll().where('kind', '=', kind).where('ticker', '=', ticker);
  if (objectDate !== undefined) query = query.where('object_date', '=', objectDate);
  const row = await query.orderBy('object_date', 'desc').orderBy('key', 'desc').limit(1).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/** The catalogued object with this key, if any (primary-key lookup). */
export async function getCatalogObject(db: Kysely<Database>, key: string): Promise<CatalogObject | undefined> {
  const row = await db.selectFrom('lake_objects').selectAll().where('key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/** Catalogued objects matching every given filter field, ordered by ticker, kind, date and key. */
export async function listCatalogObjects(db: Kysely<Database>, filter: CatalogFilter = {}): Promise<CatalogObject[]> {
  let query = db.selectFrom('lake_objects').selectAll();
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.ticker !== undefined) query = query.where('ticker', '=', filter.ticker);
  if (filter.fromDate !== undefined) query = query.where('object_date', '>=', filter.fromDate);
  if (filter.toDate !== undefined) query = query.where('object_date', '<=', filter.toDate);
  if (filter.computationVersion !== undefined) {
    query = query.where('computation_version', '=', filter.computationVersion);
  }
  if (filter.sourceRawKey !== undefined) query = query.where('source_raw_key', '=', filter.sourceRawKey);
  query = query.orderBy('ticker').orderBy('kind').orderBy('object_date').orderBy('key');
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return (await query.execute()).map(fromRow);
}

/**
 * Per ticker, kind and as-of date the newest processed object: the greatest key (keys end in the UTC time).
 * Every ticker when `tickers` is undefined.
 */
export async function listLatestProcessedObjects(
  db: Kysely<Database>,
  tickers?: readonly string[],
): Promise<CatalogObject[]> {
  if (tickers !== undefined && tickers.length === 0) return [];
  let query = db.selectFrom('lake_objects').selectAll().where('kind', '<>', 'raw');
  if (tickers !== undefined) query = query.where('ticker', 'in', [...tickers]);
  const rows = await query
    .distinctOn(['ticker', 'kind', 'object_date'])
    .orderBy('ticker')
    .orderBy('kind')
    .orderBy('object_date')
    .orderBy('key', 'desc')
    .execute();
  return rows.map(fromRow);
}

/** Tickers with processed objects computed under any of `computationVersions`, sorted. */
export async function listTickersWithResults(
  db: Kysely<Database>,
  computationVersions: readonly string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom('lake_objects')
    .select('ticker')
    .distinct()
    .where('kind', '<>', 'raw')
    .where('computation_version', 'in', [...computationVersions])
    .orderBy('ticker')
    .execute();
  return rows.map((row) => row.ticker);
}

/** The version ids the catalog recorded for those of `keys` it knows; one query per thousand keys. */
export async function listVersionIdsOfKeys(
  db: Kysely<Database>,
  keys: readonly string[],
): Promise<Map<string, string | null>> {
  const versions = new Map<string, string | null>();
  for (let start = 0; start < keys.length; start += 1000) {
    const rows = await db
      .selectFrom('lake_objects')
      .select(['key', 'version_id'])
      .where('key', 'in', keys.slice(start, start + 1000))
      .execute();
    for (const row of rows) versions.set(row.key, row.version_id);
  }
  return versions;
}

function toRow(object: CatalogObjectInput) {
  return {
    key: object.key,
    kind: object.kind,
    ticker: object.ticker,
    object_date: object.objectDate,
    version_id: object.versionId,
    sha256: object.sha256,
    size: object.size,
    computation_version: object.computationVersion,
    source_raw_key: object.sourceRawKey,
    source_raw_version_id: object.sourceRawVersionId,
    ...(object.createdAt === undefined ? {} : { created_at: object.createdAt }),
  };
}

function fromRow(row: Selectable<LakeObjectsTable>): CatalogObject {
  return {
    key: row.key,
    kind: row.kind,
    ticker: row.ticker,
    objectDate: row.object_date,
    versionId: row.version_id,
    sha256: row.sha256,
    size: row.size,
    computationVersion: row.computation_version,
    sourceRawKey: row.source_raw_key,
    sourceRawVersionId: row.source_raw_version_id,
    createdAt: row.created_at,
  };
}

const COMPARED_FIELDS = [
  'kind',
  'ticker',
  'objectDate',
  'versionId',
  'sha256',
  'size',
  'computationVersion',
  'sourceRawKey',
  'sourceRawVersionId',
] as const satisfies readonly (keyof CatalogObjectInput)[];

function differingFields(existing: CatalogObject, candidate: CatalogObjectInput): string[] {
  return COMPARED_FIELDS.filter((field) => existing[field] !== candidate[field]);
}
