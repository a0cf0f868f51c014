/**
 * Table rows to the bytes of one Parquet file, written by DuckDB (`@duckdb/node-api`; Parquet is built in).
 *
 * The rows are appended in chunks (DuckDB's data chunks, 2,048 rows each) into an in-memory staging table, which
 * DuckDB then copies to a Parquet file (zstd) in a private temporary folder; the bytes are read back for the lake's
 * write path, which puts them like any other object. One thread, the rows in the order given: the same rows make
 * the same bytes, which the content-named keys (keys.ts) rely on.
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
    private readonly connection: DuckDBConnection,
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
      return new ParquetRenderer(
        instance,
        await instance.connect(),
        folder,
        options.listDecodeLimit ?? LIST_DECODE_LIMIT,
      );
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
    const schema = tableSchema(table);
    const columns = schema.columns;
    const required = requiredColumns(schema);
    const staging = `staging_${++this.count}`;
    const file = join(this.folder, `${staging}.parquet`);
    const created: string[] = [];
    const variables: string[] = [];
    const definition = columns.map((column, i) => `c${i} ${isCoded(column) ? 'INTEGER' : column.type.toUpperCase()}`);
    await this.connection.run(`CREATE TABLE ${staging} (${definition.join(', ')})`);
    created.push(staging);
    try {
      const dictionaries = columns.map(() => new Map<string, number>());
      const appender = await this.connection.createAppender(staging);
      try {
        const types = columns.map((column) => (isCoded(column) ? INTEGER : DUCKDB_TYPES[column.type]));
        // One array a column, filled row by row and handed over per chunk: no per-row or per-chunk garbage.
        const values: DuckDBValue[][] = columns.map(() => new Array<DuckDBValue>(CHUNK_ROWS));
        const names = columns.map((column) => column.name);
        const coded = columns.map(isCoded);
        const bigint = columns.map((column) => column.type === 'bigint');
        const boolean = columns.map((column) => column.type === 'boolean');
        // Most text repeats from one row to the next (a ticker's raw key, its run): the last value's code is reused.
        const lastValue: unknown[] = columns.map(() => undefined);
        const lastCode: number[] = columns.map(() => -1);
        const mandatory = columns.map((column) => required.has(column.name));
        let filled = 0;
        /** The row being appended, counted over the whole file: what a TableRowError names. */
        let row = 0;
        const flush = () => {
          const chunk = DuckDBDataChunk.create(types, filled);
          chunk.setColumns(filled === CHUNK_ROWS ? values : values.map((column) => column.slice(0, filled)));
          appender.appendDataChunk(chunk);
          filled = 0;
        };
        const put = (i: number, value: CellValue | undefined) => {
          const problem = cellProblem(columns[i], mandatory[i], value);
          if (problem !== undefined) throw new TableRowError(table, names[i], row, problem);
          if (value === null || value === undefined) values[i][filled] = null;
          else if (coded[i]) {
            if (value !== lastValue[i]) {
              const text = String(value);
              let code = dictionaries[i].get(text);
              if (code === undefined) {
                // A text's format is checked once, when it enters the dictionary.
                const invalid = textProblem(columns[i], text);
                if (invalid !== undefined) throw new TableRowError(table, names[i], row, invalid);
                dictionaries[i].set(text, (code = dictionaries[i].size));
              }
              lastValue[i] = value;
              lastCode[i] = code;
            }
            values[i][filled] = lastCode[i];
          } else values[i][filled] = bigint[i] ? BigInt(value) : boolean[i] ? value === true : Number(value);
        };
        for (const batch of batches) {
          const made = batch();
          // A column the table does not have would be dropped silently: a columnar batch's names are checked once,
          // a row object's with the row (row objects make the small tables; prices, the big one, are columnar).
          const unknownIn = (record: object) => {
            const unknown = unknownColumns(schema, Object.keys(record));
            if (unknown.length > 0)
              throw new TableRowError(table, unknown.join(', '), row, 'not a column of the table');
          };
          if (isColumns(made)) {
            unknownIn(made.columns);
            // Columnar: no row objects, and a constant column read once.
            const sources = names.map((name) => made.columns[name]);
            for (let index = 0; index < made.length; index++, row++) {
              for (let i = 0; i < sources.length; i++) {
                const source = sources[i];
                put(i, Array.isArray(source) ? (source as readonly CellValue[])[index] : (source as CellValue));
              }
              if (++filled === CHUNK_ROWS) flush();
            }
            continue;
          }
          for (const tableRow of made) {
            unknownIn(tableRow);
            for (let i = 0; i < names.length; i++) put(i, tableRow[names[i]]);
            row++;
            if (++filled === CHUNK_ROWS) flush();
          }
        }
        if (filled > 0) flush();
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      // One dictionary for every coded column: (column, code) -> the value, in the column of its type.
      const dictionary = `${staging}_dictionary`;
      await this.connection.run(
        `CREATE TABLE ${dictionary} (col INTEGER, code INTEGER, text VARCHAR, day DATE, instant TIMESTAMP)`,
      );
      created.push(dictionary);
      await appendDictionary(await this.connection.createAppender(dictionary), columns, dictionaries);
      // Decoded in the rows' order. With small dictionaries, each coded column by indexing a list of its values (a
      // session variable) in a single-table SELECT, which keeps insertion order: no join, so nothing to sort back
      // (sorting held every decoded row: about 0.1 GB of a first run's prices file). With a large one, by joining
      // the dictionary and ordering by row id, as a join gives no order. Both make the same bytes.
      const byList = dictionaries.every((values) => values.size <= this.listDecodeLimit);
      const selected: string[] = [];
      const joins: string[] = [];
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
        await this.connection.run(
          `SET VARIABLE ${variable} = (SELECT list(${value} ORDER BY code) FROM ${dictionary} WHERE col = ${i})`,
        );
        // Cast: a column with no value at all has no list (NULL), whose type the variable does not keep.
        const type = column.type.toUpperCase();
        selected.push(`CAST(getvariable('${variable}')[s.c${i} + 1] AS ${type}) AS "${column.name}"`);
      }
      const query = byList
        ? `SELECT ${selected.join(', ')} FROM ${staging} s`
        : `SELECT ${selected.join(', ')} FROM ${staging} s ${joins.join(' ')} ORDER BY s.rowid`;
      await this.connection.run(
        `COPY (${query}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`,
      );
      return new Uint8Array(await readFile(file));
    } finally {
      // Variables first: they hold copies of the dictionary, whatever happens to the tables.
      for (const name of variables) await this.connection.run(`RESET VARIABLE ${name}`);
      for (const name of created) await this.connection.run(`DROP TABLE ${name}`);
      await rm(file, { force: true });
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.folder, { recursive: true, force: true });
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
