/**
 * Small helpers the warehouse modules share: transactions that compose, statement chunking and the
 * number/JSON rules of docs/design.md (null, never NaN).
 */
import {
  sql,
  type InsertQueryBuilder,
  type Kysely,
  type OnConflictTables,
  type OnConflictUpdateDatabase,
  type QueryCreator,
  type Transaction,
  type UpdateObject,
  type UpdateQueryBuilder,
} from 'kysely';
import { redact } from '../secrets.js';
import type { Database } from './schema.js';

/**
 * Runs `work` in a transaction, or inside the caller's transaction when `db` already is one, so that a function
 * can be used on its own or as a step of a larger all-or-nothing write.
 *
 * On PGlite there is a single connection: inside `work`, use only the executor passed in; a query sent through
 * the outer `Kysely` instance would wait for the transaction to end, forever.
 */
export function inTransaction<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute((trx: Transaction<DB>) => work(trx));
}

/**
 * One data-modifying statement of a larger one: built on the query creator it is given (inside `with(...)` that is
 * Kysely's own, which leaves plugins to the statement as a whole), run either as a CTE or as the main statement.
 */
export type WriteStep = (creator: QueryCreator<Database>) =>
  // Any table, any output: the steps of one statement write different tables.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  InsertQueryBuilder<Database, any, any> | UpdateQueryBuilder<Database, any, any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Runs `steps` as ONE statement: every step but the last as a data-modifying CTE (`with step_1 as (insert ...)`),
 * the last one as the main statement, whose rows are returned. PostgreSQL runs every CTE exactly once and to
 * completion whether or not the main statement reads it, and a single statement is atomic on its own: all the
 * steps take effect or none does, without BEGIN/COMMIT. Two limits follow from sharing one snapshot: no step sees
 * another's rows, and no row may be modified by two steps (callers write disjoint tables or keys).
 */
export async function executeAsOneStatement<R>(
  db: Kysely<Database>,
  steps: readonly (readonly [name: string, step: WriteStep])[],
): Promise<R[]> {
  if (steps.length === 0) throw new Error('executeAsOneStatement: no step');
  let creator: QueryCreator<Database> = db;
  for (const [name, step] of steps.slice(0, -1)) {
    // The CTEs' rows are not read by the main statement, so the widened table type is not needed.
    creator = creator.with(name, step) as unknown as QueryCreator<Database>;
  }
  const [, main] = steps[steps.length - 1];
  const compiled = main(creator).compile();
  // One statement cannot be split to fit: say so rather than let the driver fail with a protocol error.
  if (compiled.parameters.length > MAX_BIND_PARAMETERS) {
    throw new RangeError(
      `one statement of ${steps.map(([name]) => name).join(', ')} would take ${compiled.parameters.length} parameters; PostgreSQL takes at most ${MAX_BIND_PARAMETERS} (write fewer rows at once)`,
    );
  }
  return (await db.executeQuery(compiled)).rows as R[];
}

/** The most bind parameters one statement can carry (the wire protocol counts them in 16 bits). */
const MAX_BIND_PARAMETERS = 65_535;

/** PostgreSQL's wire protocol allows 65535 bind parameters per statement; stay well below it. */
const MAX_PARAMETERS = 60_000;
const MAX_ROWS_PER_STATEMENT = 1_000;

/** Splits rows into multi-row INSERT chunks that fit the bind-parameter limit. */
export function chunkRows<T>(rows: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columnsPerRow)));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}

/** The `do update set` object of an upsert into `TB`. */
export type ExcludedSet<TB extends keyof Database> = UpdateObject<
  OnConflictUpdateDatabase<Database, TB>,
  OnConflictTables<TB>,
  OnConflictTables<TB>
>;

/**
 * `set column = excluded.column` for every listed column of an upsert into `table` (named only so that the
 * compiler can check the columns against it).
 */
export function setFromExcluded<TB extends keyof Database>(
  _table: TB,
  columns: readonly (keyof Database[TB] & string)[],
): ExcludedSet<TB> {
  const set: Record<string, unknown> = {};
  for (const column of columns) set[column] = sql.ref(`excluded.${column}`);
  // The keys are columns of the table (checked by the signature); each value references the column itself.
  return set as ExcludedSet<TB>;
}

/**
 * A value for a nullable double column. NaN is how the kernels mark "cannot be computed", which the store
 * records as null; an infinity is a computation bug and is refused.
 */
export function nullableDouble(value: number | null | undefined, what: string): number | null {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  if (!Number.isFinite(value)) throw new RangeError(`${what} is ${value}; only finite numbers or null are stored`);
  return value;
}

/** A value for a required double column. */
export function finiteDouble(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${what} is ${value}; a finite number is required`);
  return value;
}

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, and a NUL byte can reach a message through user input (a path,
 * a universe file): it is stored as the two characters `\0` instead of failing the statement.
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\\0') : text;
}

/** JSON text for a jsonb column (see schema.ts for why it is never left to the driver). */
export function jsonText(value: unknown, what: string): string {
  const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? storableText(item) : item));
  if (text === undefined) throw new TypeError(`${what} cannot be represented as JSON`);
  return text;
}

/** Fails on the first repeated key: ON CONFLICT DO UPDATE cannot touch one row twice in a statement. */
export function assertUniqueKeys<T>(rows: readonly T[], keyOf: (row: T) => string, what: string): void {
  const seen = new Set<string>();
  for (const row of rows) {
    const key = keyOf(row);
    if (seen.has(key)) throw new Error(`${what}: ${key} appears more than once`);
    seen.add(key);
  }
}

/** A PostgreSQL unique violation (SQLSTATE 23505), as node-postgres and PGlite (also via its worker) report it. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/**
 * `{"a","b",NULL}`: every element quoted, with `"` and `\` escaped, so no element can break the literal; null is
 * NULL. Built here rather than left to the driver because node-postgres and PGlite serialise JS arrays
 * differently; text is sent the same way by both.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/** `{1.5,NULL,...}`, for numbers checked finite (see `textArrayLiteral` for why the literal is built here). */
export function numberArrayLiteral(values: readonly (number | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : String(value))).join(',')}}`;
}

/** An error as stored in an error column, redacted (src/secrets.ts): a driver's message may quote a URL. */
export function errorText(error: unknown): string {
  if (error instanceof Error)
    return storableText(redact(error.message === '' ? error.name : `${error.name}: ${error.message}`));
  return storableText(redact(String(error)));
}
