/**
 * A read-only, confined DuckDB session over the lake's Parquet tables: what `marketlake sql` runs on.
 *
 * One in-memory DuckDB a session. Trusted code (the caller) creates the views first; then the session locks itself
 * down before any user statement: it may read only `readableDirectories` (DuckDB's `allowed_directories`, with
 * `enable_external_access=false`: no other file, no URL, no environment variable), write only the temporary
 * siblings of the declared `outputFiles` (`allowed_paths`, for `writeParquet`'s own COPY), install or load no
 * extension, and change no setting (`lock_configuration`). On top of that every user statement must be a single
 * SELECT (single-select.ts), so COPY, ATTACH, SET and the like are refused before they run.
 *
 * DuckDB resolves symbolic links before it checks a path: a link inside a readable directory that points outside
 * it is refused like the outside path itself (duckdb-session.test.ts "symbolic links").
 *
 * Every statement runs under `timeLimitMs` (the connection is interrupted when it runs longer) and may return at
 * most `maxRows` rows: results are read a chunk at a time, so a huge result stops at the cap, not in memory.
 * The session runs one statement at a time: await each call before the next.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { messageOf, UserError } from '../errors.js';
import { quote } from '../quote.js';
import { duckdb } from '../tables/duckdb-api.js';
import { json, type JsonValue } from './json-values.js';
import { canonicalSelect, failingAsQuery, prepareSingleSelect } from './single-select.js';
import { SqlError } from './sql-error.js';

export interface SqlView {
  /** The view's name, as queries spell it (quoted when created, so any name is taken literally). */
  name: string;
  /** Its SELECT, e.g. `SELECT * FROM read_parquet('/lake/tables/runs/*\/*.parquet', hive_partitioning=true)`. */
  sql: string;
}

export interface SqlSessionOptions {
  /** Directories the session may read (the lake's tables folder, a cache folder). Nothing else is readable. */
  readableDirectories: readonly string[];
  /** Views created before the lock-down, by trusted code: they may read only the readable directories too. */
  views: readonly SqlView[];
  /** A statement that runs longer is interrupted (SqlError 'time-limit', naming the limit and --timeout). */
  timeLimitMs: number;
  /** A result with more rows is refused whole (SqlError 'row-limit', naming the limit and --max-rows). */
  maxRows: number;
  /**
   * The files `writeParquet` may write. Declared at open because the configuration is locked before any user
   * statement: the session allows writing one temporary sibling of each (renamed over the file once complete).
   * Their directories must exist.
   */
  outputFiles?: readonly string[];
  /** DuckDB's worker threads (default: DuckDB's, one a core). */
  threads?: number;
  /** DuckDB's memory limit, in its spelling ('1GB', '80%'); beyond it DuckDB spills to the session's temp dir. */
  memoryLimit?: string;
  /** How much the session may spill to its temporary folder (DuckDB's `max_temp_directory_size`; default DuckDB's). */
  maxTempDirectorySize?: string;
}

export interface QueryColumn {
  name: string;
  /** DuckDB's name of the type: 'BIGINT', 'DATE', 'TIMESTAMP', 'VARCHAR[]', 'STRUCT(a INTEGER)', ... */
  type: string;
}

/** A result in JSON-safe values (json-values.ts says how each DuckDB type is written). */
export interface QueryResult {
  columns: QueryColumn[];
  rows: JsonValue[][];
}

export interface SqlSession {
  /** Runs one SELECT and returns all its rows (at most `maxRows`). */
  query(sql: string): Promise<QueryResult>;
  /** Writes the rows of one SELECT (at most `maxRows`) to `file`, one of `outputFiles`, as Parquet; all or nothing. */
  writeParquet(sql: string, file: string): Promise<{ rows: number }>;
  /** Closes DuckDB and removes the session's temporary directory. Safe to call twice. */
  close(): void;
}

/** A string literal in DuckDB SQL. */
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
/** An identifier in DuckDB SQL, taken literally. */
const identifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const listOf = (texts: readonly string[]): string => `[${texts.map(literal).join(', ')}]`;

/** The real path of a directory, with a trailing separator: DuckDB matches allowed directories as prefixes. */
function directoryPrefix(directory: string): string {
  const absolute = resolve(directory);
  const real = existsSync(absolute) ? realpathSync(absolute) : absolute;
  return real.endsWith(sep) ? real : real + sep;
}

/** The temporary sibling `writeParquet` writes first, in the real directory of `file` (so the rename stays local). */
function partialPathOf(file: string, session: string): string {
  const directory = dirname(resolve(file));
  if (!existsSync(directory))
    throw new UserError(`cannot write ${quote(file)}: the folder ${quote(directory)} does not exist`);
  return join(realpathSync(directory), `.${basename(file)}.${session}.partial`);
}

function checkLimits(options: SqlSessionOptions): void {
  if (!Number.isSafeInteger(options.maxRows) || options.maxRows < 0) {
    throw new RangeError(`maxRows must be a whole number >= 0, got ${options.maxRows}`);
  }
  if (!Number.isFinite(options.timeLimitMs) || options.timeLimitMs <= 0) {
    throw new RangeError(`timeLimitMs must be > 0, got ${options.timeLimitMs}`);
  }
}

/**
 * Opens a session: an in-memory DuckDB whose spill, extension, secret and home directories all sit in a fresh
 * temporary directory (removed at close), so nothing lands in the working directory or ~/.duckdb; the views; the
 * lock-down. A view that DuckDB cannot create (an empty table's glob matches no file, for one) fails the open with
 * a SqlError naming the view.
 */
export async function openSqlSession(options: SqlSessionOptions): Promise<SqlSession> {
  checkLimits(options);
  const sessionId = randomUUID().slice(0, 8);
  const partialFiles = new Map(
    (options.outputFiles ?? []).map((file) => [resolve(file), partialPathOf(file, sessionId)]),
  );
  const tempDirectory = mkdtempSync(join(tmpdir(), 'marketlake-sql-'));
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  try {
    instance = await duckdb.DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      allow_unsigned_extensions: 'false',
      allow_persistent_secrets: 'false',
      temp_directory: join(tempDirectory, 'spill'),
      extension_directory: join(tempDirectory, 'extensions'),
      secret_directory: join(tempDirectory, 'secrets'),
      home_directory: tempDirectory,
      ...(options.threads === undefined ? {} : { threads: String(options.threads) }),
      ...(options.memoryLimit === undefined ? {} : { memory_limit: options.memoryLimit }),
      ...(options.maxTempDirectorySize === undefined ? {} : { max_temp_directory_size: options.maxTempDirectorySize }),
    });
    connection = await instance.connect();
    for (const view of options.views) {
      await connection.run(`CREATE VIEW ${identifier(view.name)} AS ${view.sql}`).catch((error: unknown) => {
        throw new SqlError('view', `${view.name}: ${messageOf(error)}`);
      });
    }
    await lockDown(connection, options.readableDirectories.map(directoryPrefix), [...partialFiles.values()]);
  } catch (error) {
    connection?.closeSync();
    instance?.closeSync();
    rmSync(tempDirectory, { recursive: true, force: true });
    throw error;
  }
  return new ConfinedSession(instance, connection, tempDirectory, partialFiles, options);
}

/** From here on the session reads only `directories`, writes only `writable`, and cannot undo either. */
async function lockDown(connection: DuckDBConnection, directories: string[], writable: string[]): Promise<void> {
  await connection.run(`SET allowed_directories = ${listOf(directories)}`);
  await connection.run(`SET allowed_paths = ${listOf(writable)}`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

class ConfinedSession implements SqlSession {
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly tempDirectory: string,
    private readonly partialFiles: ReadonlyMap<string, string>,
    private readonly options: SqlSessionOptions,
  ) {}

  async query(sql: string): Promise<QueryResult> {
    this.checkOpen();
    return this.withinTimeLimit(async (checkTime) => {
      const prepared = await prepareSingleSelect(this.connection, sql);
      try {
        const result = await failingAsQuery(prepared.stream());
        const columns = result
          .columnNames()
          .map((name, index) => ({ name, type: result.columnType(index).toString() }));
        const rows: JsonValue[][] = [];
        for (;;) {
          const chunk = await failingAsQuery(result.fetchChunk());
          checkTime();
          if (chunk === null || chunk.rowCount === 0) break;
          if (rows.length + chunk.rowCount > this.options.maxRows) throw this.rowLimitError();
          for (const row of chunk.convertRows(json)) rows.push(row);
        }
        return { columns, rows };
      } finally {
        prepared.destroySync();
      }
    });
  }

  async writeParquet(sql: string, file: string): Promise<{ rows: number }> {
    this.checkOpen();
    const partial = this.partialFiles.get(resolve(file));
    if (partial === undefined) throw new Error(`writeParquet: ${file} is not one of the session's outputFiles`);
    return this.withinTimeLimit(async () => {
      (await prepareSingleSelect(this.connection, sql)).destroySync();
      const select = await canonicalSelect(this.connection, sql);
      // One row past the cap is enough to know it is exceeded; the rest is never computed.
      const copy =
        `COPY (SELECT * FROM (${select}) LIMIT ${this.options.maxRows + 1}) ` +
        `TO ${literal(partial)} (FORMAT parquet, USE_TMP_FILE false)`;
      try {
        const rows = await this.runCopy(copy);
        if (rows > this.options.maxRows) throw this.rowLimitError();
        renameSync(partial, file);
        return { rows };
      } catch (error) {
        rmSync(partial, { force: true });
        throw error;
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.connection.closeSync();
      this.instance.closeSync();
    } finally {
      rmSync(this.tempDirectory, { recursive: true, force: true });
    }
  }

  /** Runs the trusted COPY around the user's SELECT, after checking it is the one COPY statement it was built as. */
  private async runCopy(copy: string): Promise<number> {
    const extracted = await failingAsQuery(this.connection.extractStatements(copy));
    if (extracted.count !== 1) throw new SqlError('refused', 'the SELECT does not fit in one COPY statement');
    const prepared = await failingAsQuery(extracted.prepare(0));
    try {
      if (prepared.statementType !== duckdb.StatementType.COPY) {
        throw new SqlError('refused', 'the SELECT does not fit in one COPY statement');
      }
      const result = await failingAsQuery(prepared.runAndReadAll());
      return Number(result.getRowsJS()[0][0]);
    } finally {
      prepared.destroySync();
    }
  }

  /**
   * Runs `work`, interrupting DuckDB once the time limit passes; `checkTime` lets `work` stop between chunks when
   * the limit passed while it was converting rows (DuckDB was not running then, so the interrupt hit nothing).
   */
  private async withinTimeLimit<T>(work: (checkTime: () => void) => Promise<T>): Promise<T> {
    const { timeLimitMs } = this.options;
    const timeLimitError = () =>
      new SqlError(
        'time-limit',
        `it ran longer than the time limit of ${timeLimitMs / 1000} s (give more time with --timeout)`,
      );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.connection.interrupt();
    }, timeLimitMs);
    try {
      return await work(() => {
        if (timedOut) throw timeLimitError();
      });
    } catch (error) {
      if (timedOut && !(error instanceof SqlError && error.reason === 'row-limit')) throw timeLimitError();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private rowLimitError(): SqlError {
    const { maxRows } = this.options;
    return new SqlError(
      'row-limit',
      `the result has more than ${maxRows} rows, the limit (raise it with --max-rows, or narrow the query)`,
    );
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('the SQL session is closed');
  }
}
