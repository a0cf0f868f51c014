/**
 * Table rows to the bytes of one Parquet file, written by DuckDB (`@duckdb/node-api`; Parquet is built in).
 *
 * The rows are appended in chunks (DuckDB's data chunks, 2,048 rows each) into an in-memory staging table, which
 * DuckDB then copies to a Parquet file (zstd) in a private temporary folder; the bytes are read back for the lake's
 * write path, which puts them like any other object. One thread a file, the rows in the order given: the same rows
 * make the same bytes, which the content-named keys (keys.ts) rely on. A file can be filled at once
 * (`renderBatches`) or batch by batch as its rows come (`begin`: a run appends each ticker's prices when its job
 * ends).
 *
 * Text, date and timestamp columns are appended as integer codes into a dictionary of their distinct values (a
 * table of its own, decoded when copying): handing DuckDB a string costs about ten times a number, and these
 * columns repeat (a prices file of a first run has 260,000 rows but 500 raw keys and about 520 dates), so a
 * file's rows cost a few numbers each (docs/benchmarks.md "Measurements behind design choices").
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { cleanUpAfter } from '../errors.js';
import { duckdb } from './duckdb-api.js';
import { cellProblem, requiredColumns, TableRowError, textProblem, unknownColumns } from './row-check.js';
import { type CellValue, isColumns, type RowBatchContent, type TableRow } from './rows.js';
import { type Column, type ColumnType, type TableName, tableSchema } from './schema.js';

const CHUNK_ROWS = 2048;
const MS_PER_DAY = 86_400_000;

const { BIGINT, BOOLEAN, DATE, DOUBLE, DuckDBDataChunk, INTEGER, TIMESTAMP, VARCHAR, dateValue, timestampValue } =
  duckdb;

const DUCKDB_TYPES: Record<ColumnType, DuckDBType> = {
  varchar: VARCHAR,
  double: DOUBLE,
  bigint: BIGINT,
  boolean: BOOLEAN,
  date: DATE,
  timestamp: TIMESTAMP,
};

/** Columns appended as codes into a dictionary of their values. */
const isCoded = (column: Column) => column.type === 'varchar' || column.type === 'date' || column.type === 'timestamp';

/**
 * Dictionaries up to this many values a column are decoded by list index, larger ones by a join (see
 * renderBatches). DuckDB copies the list into every chunk it decodes: cheap for a first run's prices file (about 500
 * raw keys and 520 dates), while a column of 200,000 distinct values (a `tables rebuild` of a big lake's
 * `lake_objects`) took 1.7x the time and more memory than the join.
 */
export const LIST_DECODE_LIMIT = 10_000;

export class ParquetRenderer {
  private count = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly folder: string,
    private readonly listDecodeLimit: number,
  ) {}

  /** `listDecodeLimit`: LIST_DECODE_LIMIT; tests lower it to render the same rows both ways. */
  static async open(options: { listDecodeLimit?: number } = {}): Promise<ParquetRenderer> {
    const folder = await mkdtemp(join(tmpdir(), 'marketlake-parquet-'));
    try {
      const instance = await duckdb.DuckDBInstance.create(':memory:', {
        threads: '1',
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        temp_directory: join(folder, 'spill'),
      });
      return new ParquetRenderer(instance, folder, options.listDecodeLimit ?? LIST_DECODE_LIMIT);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** The Parquet bytes of `rows` (every column of the table but its partition column, in schema order). */
  async render(table: TableName, rows: readonly TableRow[]): Promise<Uint8Array> {
    return this.renderBatches(table, [() => rows]);
  }

  /**
   * The same for rows made batch by batch (a ticker's at a time): only one batch and one chunk are held at once,
   * however many rows the file gets (a first run's prices: every bar of every ticker).
   */
  async renderBatches(table: TableName, batches: Iterable<() => RowBatchContent>): Promise<Uint8Array> {
    const file = await this.begin(table);
    try {
      for (const batch of batches) file.append(batch());
    } catch (error) {
      return cleanUpAfter(error, () => file.discard());
    }
    return file.finish();
  }

  /**
   * A file whose rows are appended as they come (a run's prices, ticker by ticker while its jobs run), on a
   * connection of its own: several can fill at once, and one copies to Parquet while another is appended to.
   */
  async begin(table: TableName): Promise<ParquetFileBuilder> {
    const staging = `staging_${++this.count}`;
    const connection = await this.instance.connect();
    try {
      return await ParquetFileBuilder.create(connection, table, staging, this.folder, this.listDecodeLimit);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
  }

  /** After every file begun is finished or discarded. */
  async close(): Promise<void> {
    try {
      this.instance.closeSync();
    } finally {
      await rm(this.folder, { recursive: true, force: true });
    }
  }
}

/**
 * One file being filled (ParquetRenderer.begin): `append` each batch of rows in the file's order, then `finish`
 * for its bytes, or `discard`. Either one ends it and closes its connection.
 */
export class ParquetFileBuilder {
  private readonly columns: readonly Column[];
  private readonly dictionaries: Map<string, number>[];
  // One array a column, filled row by row and handed over per chunk: no per-row or per-chunk garbage.
  private readonly values: DuckDBValue[][];
  private readonly types: DuckDBType[];
  private readonly names: string[];
  private readonly coded: boolean[];
  private readonly bigint: boolean[];
  private readonly boolean: boolean[];
  private readonly mandatory: boolean[];
  // Most text repeats from one row to the next (a ticker's raw key, its run): the last value's code is reused.
  private readonly lastValue: unknown[];
  private readonly lastCode: number[];
  private filled = 0;
  /** Rows appended, counted over the whole file: what a TableRowError names. */
  private row = 0;
  private ended = false;
  /** An append failed part way through a batch: the file can only be discarded. */
  private broken = false;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly appender: DuckDBAppender,
    private readonly table: TableName,
    private readonly staging: string,
    private readonly folder: string,
    private readonly listDecodeLimit: number,
  ) {
    const columns = tableSchema(table).columns;
    const required = requiredColumns(tableSchema(table));
    this.columns = columns;
    this.dictionaries = columns.map(() => new Map<string, number>());
    this.values = columns.map(() => new Array<DuckDBValue>(CHUNK_ROWS));
    this.types = columns.map((column) => (isCoded(column) ? INTEGER : DUCKDB_TYPES[column.type]));
    this.names = columns.map((column) => column.name);
    this.coded = columns.map(isCoded);
    this.bigint = columns.map((column) => column.type === 'bigint');
    this.boolean = columns.map((column) => column.type === 'boolean');
    this.mandatory = columns.map((column) => required.has(column.name));
    this.lastValue = columns.map(() => undefined);
    this.lastCode = columns.map(() => -1);
  }

  static async create(
    connection: DuckDBConnection,
    table: TableName,
    staging: string,
    folder: string,
    listDecodeLimit: number,
  ): Promise<ParquetFileBuilder> {
    const definition = tableSchema(table).columns.map(
      (column, i) => `c${i} ${isCoded(column) ? 'INTEGER' : column.type.toUpperCase()}`,
    );
    await connection.run(`CREATE TABLE ${staging} (${definition.join(', ')})`);
    try {
      const appender = await connection.createAppender(staging);
      return new ParquetFileBuilder(connection, appender, table, staging, folder, listDecodeLimit);
    } catch (error) {
      return cleanUpAfter(error, () => connection.run(`DROP TABLE ${staging}`).then(() => undefined));
    }
  }

  /** The rows appended so far. */
  get rows(): number {
    return this.row;
  }

  /** Appends one batch of rows after those before. A row that does not fit its table throws a TableRowError. */
  append(made: RowBatchContent): void {
    if (this.ended) throw new Error(`the ${this.table} file is already finished or discarded`);
    if (this.broken) throw new Error(`the ${this.table} file failed an append: it can only be discarded`);
    try {
      this.appendRows(made);
    } catch (error) {
      this.broken = true;
      throw error;
    }
  }

  private appendRows(made: RowBatchContent): void {
    const schema = tableSchema(this.table);
    // A column the table does not have would be dropped silently: a columnar batch's names are checked once, a row
    // object's with the row (row objects make the small tables; prices, the big one, are columnar).
    const unknownIn = (record: object) => {
      const unknown = unknownColumns(schema, Object.keys(record));
      if (unknown.length > 0)
        throw new TableRowError(this.table, unknown.join(', '), this.row, 'not a column of the table');
    };
    const names = this.names;
    if (isColumns(made)) {
      unknownIn(made.columns);
      // Columnar: no row objects, and a constant column read once.
      const sources = names.map((name) => made.columns[name]);
      for (let index = 0; index < made.length; index++, this.row++) {
        for (let i = 0; i < sources.length; i++) {
          const source = sources[i];
          this.put(i, Array.isArray(source) ? (source as readonly CellValue[])[index] : (source as CellValue));
        }
        if (++this.filled === CHUNK_ROWS) this.flush();
      }
      return;
    }
    for (const tableRow of made) {
      unknownIn(tableRow);
      for (let i = 0; i < names.length; i++) this.put(i, tableRow[names[i]]);
      this.row++;
      if (++this.filled === CHUNK_ROWS) this.flush();
    }
  }

  private put(i: number, value: CellValue | undefined): void {
    const column = this.columns[i];
    const problem = cellProblem(column, this.mandatory[i], value);
    if (problem !== undefined) throw new TableRowError(this.table, this.names[i], this.row, problem);
    const values = this.values[i];
    if (value === null || value === undefined) values[this.filled] = null;
    else if (this.coded[i]) {
      if (value !== this.lastValue[i]) {
        const text = String(value);
        const dictionary = this.dictionaries[i];
        let code = dictionary.get(text);
        if (code === undefined) {
          // A text's format is checked once, when it enters the dictionary.
          const invalid = textProblem(column, text);
          if (invalid !== undefined) throw new TableRowError(this.table, this.names[i], this.row, invalid);
          dictionary.set(text, (code = dictionary.size));
        }
        this.lastValue[i] = value;
        this.lastCode[i] = code;
      }
      values[this.filled] = this.lastCode[i];
    } else values[this.filled] = this.bigint[i] ? BigInt(value) : this.boolean[i] ? value === true : Number(value);
  }

  private flush(): void {
    const filled = this.filled;
    const chunk = DuckDBDataChunk.create(this.types, filled);
    chunk.setColumns(filled === CHUNK_ROWS ? this.values : this.values.map((column) => column.slice(0, filled)));
    this.appender.appendDataChunk(chunk);
    this.filled = 0;
  }

  /** The file's bytes: the rows appended, in that order. */
  async finish(): Promise<Uint8Array> {
    if (this.ended) throw new Error(`the ${this.table} file is already finished or discarded`);
    if (this.broken) throw new Error(`the ${this.table} file failed an append: it can only be discarded`);
    this.ended = true;
    const { connection, staging } = this;
    const columns = this.columns;
    const file = join(this.folder, `${staging}.parquet`);
    const dictionary = `${staging}_dictionary`;
    const created = [staging];
    const variables: string[] = [];
    let bytes: Uint8Array;
    try {
      try {
        if (this.filled > 0) this.flush();
        this.appender.flushSync();
      } finally {
        this.appender.closeSync();
      }
      // One dictionary for every coded column: (column, code) -> the value, in the column of its type.
      await connection.run(
        `CREATE TABLE ${dictionary} (col INTEGER, code INTEGER, text VARCHAR, day DATE, instant TIMESTAMP)`,
      );
      created.push(dictionary);
      await appendDictionary(await connection.createAppender(dictionary), columns, this.dictionaries);
      // Decoded in the rows' order. With small dictionaries, each coded column by indexing a list of its values (a
      // session variable) in a single-table SELECT, which keeps insertion order: no join, so nothing to sort back
      // (sorting held every decoded row: about 0.1 GB of a first run's prices file). With a large one, by joining
      // the dictionary and ordering by row id, as a join gives no order. Both make the same bytes.
      const byList = this.dictionaries.every((values) => values.size <= this.listDecodeLimit);
      const selected: string[] = [];
      const joins: string[] = [];
      const settings: string[] = [];
      for (const [i, column] of columns.entries()) {
        if (!isCoded(column)) {
          selected.push(`s.c${i} AS "${column.name}"`);
          continue;
        }
        const value = column.type === 'date' ? 'day' : column.type === 'timestamp' ? 'instant' : 'text';
        if (!byList) {
          selected.push(`d${i}.${value} AS "${column.name}"`);
          joins.push(`LEFT JOIN ${dictionary} d${i} ON d${i}.col = ${i} AND d${i}.code = s.c${i}`);
          continue;
        }
        const variable = `${staging}_values_${i}`;
        variables.push(variable);
        settings.push(
          `SET VARIABLE ${variable} = (SELECT list(${value} ORDER BY code) FROM ${dictionary} WHERE col = ${i});`,
        );
        // Cast: a column with no value at all has no list (NULL), whose type the variable does not keep.
        const type = column.type.toUpperCase();
        selected.push(`CAST(getvariable('${variable}')[s.c${i} + 1] AS ${type}) AS "${column.name}"`);
      }
      // The statements of a step go to DuckDB at once: each call is a round trip through Node's thread pool.
      if (settings.length > 0) await connection.run(settings.join('\n'));
      const query = byList
        ? `SELECT ${selected.join(', ')} FROM ${staging} s`
        : `SELECT ${selected.join(', ')} FROM ${staging} s ${joins.join(' ')} ORDER BY s.rowid`;
      await connection.run(`COPY (${query}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`);
      bytes = new Uint8Array(await readFile(file));
    } catch (error) {
      return cleanUpAfter(error, () => this.cleanUp(created, variables, file));
    }
    await this.cleanUp(created, variables, file);
    return bytes;
  }

  /** Drops what was appended. */
  async discard(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      this.appender.closeSync();
    } finally {
      await this.cleanUp([this.staging], []);
    }
  }

  private async cleanUp(tables: readonly string[], variables: readonly string[], file?: string): Promise<void> {
    try {
      // Variables first: they hold copies of the dictionary, whatever happens to the tables.
      await this.connection.run(
        [...variables.map((name) => `RESET VARIABLE ${name};`), ...tables.map((name) => `DROP TABLE ${name};`)].join(
          '\n',
        ),
      );
    } finally {
      try {
        this.connection.closeSync();
      } finally {
        if (file !== undefined) await rm(file, { force: true });
      }
    }
  }
}

/** Every coded column's distinct values, each converted once to the column's type. */
async function appendDictionary(
  appender: DuckDBAppender,
  columns: readonly Column[],
  dictionaries: readonly ReadonlyMap<string, number>[],
): Promise<void> {
  try {
    const entries = columns.flatMap((column, i) =>
      isCoded(column) ? [...dictionaries[i]].map(([text, code]) => ({ i, column, text, code })) : [],
    );
    for (let start = 0; start < entries.length; start += CHUNK_ROWS) {
      const slice = entries.slice(start, start + CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create([INTEGER, INTEGER, VARCHAR, DATE, TIMESTAMP], slice.length);
      chunk.setColumns([
        slice.map((entry) => entry.i),
        slice.map((entry) => entry.code),
        slice.map((entry) => (entry.column.type === 'varchar' ? entry.text : null)),
        slice.map((entry) =>
          entry.column.type === 'date'
            ? dateValue(Math.round(instant(entry.column, `${entry.text}T00:00:00Z`) / MS_PER_DAY))
            : null,
        ),
        slice.map((entry) =>
          entry.column.type === 'timestamp' ? timestampValue(BigInt(instant(entry.column, entry.text)) * 1000n) : null,
        ),
      ]);
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await Promise.resolve();
}

function instant(column: Column, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`table column ${column.name}: ${JSON.stringify(text)} is not a ${column.type}`);
  return ms;
}
