/**
 * The gate every user statement passes before it runs: exactly one statement, and a SELECT. Two independent checks,
 * both DuckDB's own parser (no regular expressions):
 *
 * - `json_serialize_sql` parses the text as written and serializes SELECT statements only. It sees PRAGMA as PRAGMA,
 *   where the prepared statement does not: DuckDB rewrites `PRAGMA version` into a SELECT of `pragma_version()`
 *   before preparing it.
 * - the prepared statement's `statementType` must be SELECT (what DuckDB will execute, after any rewriting).
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { duckdb } from '../tables/duckdb-api.js';
import { messageOf } from '../errors.js';
import { SqlError } from './sql-error.js';

const ONLY_SELECT =
  'only a single SELECT statement may run (no COPY, CREATE, INSERT, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL, EXPORT)';

/** `json_serialize_sql`'s answer: the statements, or the error that stopped it. */
interface SerializedSql {
  error: boolean;
  error_type?: string;
  error_message?: string;
  statements?: unknown[];
}

/** DuckDB's error for a rejected promise, as a SqlError that says a query failed (its message is DuckDB's). */
export async function failingAsQuery<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof SqlError ? error : new SqlError('failed', messageOf(error));
  }
}

async function parse(connection: DuckDBConnection, sql: string): Promise<SerializedSql> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql], [duckdb.VARCHAR]);
  return JSON.parse(String(reader.getRowsJS()[0][0])) as SerializedSql;
}

/**
 * The statement of `sql`, prepared, when it is a single SELECT; a SqlError ('refused') before anything runs when it
 * is not, or ('failed') when DuckDB cannot parse or bind it (a syntax error, an unknown table, a file the session
 * may not read). The caller destroys the statement.
 */
export async function prepareSingleSelect(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  const parsed = await parse(connection, sql);
  if (parsed.error) {
    if (parsed.error_type === 'parser') throw new SqlError('failed', `Parser Error: ${parsed.error_message}`);
    throw new SqlError('refused', ONLY_SELECT);
  }
  const count = parsed.statements?.length ?? 0;
  if (count === 0) throw new SqlError('refused', 'there is no statement to run');
  if (count > 1) throw new SqlError('refused', `only one statement may run, this text has ${count}`);

  const extracted = await failingAsQuery(connection.extractStatements(sql));
  if (extracted.count !== 1) {
    throw new SqlError('refused', `only one statement may run, this text has ${extracted.count}`);
  }
  const prepared = await failingAsQuery(extracted.prepare(0));
  if (prepared.statementType !== duckdb.StatementType.SELECT) {
    prepared.destroySync();
    throw new SqlError('refused', ONLY_SELECT);
  }
  return prepared;
}

/**
 * The single SELECT of `sql` as DuckDB writes it back from its parse tree: one statement, no comments, no trailing
 * semicolon, so trusted code can wrap it (`COPY (SELECT * FROM (...)) TO ...`) without the text escaping the wrap.
 * Call after `prepareSingleSelect` accepted `sql`.
 */
export async function canonicalSelect(connection: DuckDBConnection, sql: string): Promise<string> {
  const reader = await failingAsQuery(
    connection.runAndReadAll('SELECT json_deserialize_sql(json_serialize_sql($1::VARCHAR))', [sql], [duckdb.VARCHAR]),
  );
  return String(reader.getRowsJS()[0][0]);
}
