/**
 * The views `marketlake sql` gives a query: one per table of the lake (`prices`, `indicators`, ...) over the local
 * copy of its files (src/tables/local-copy.ts), then the shared views of src/tables/views.ts over those. A table
 * without files yet is an empty view with the table's columns, so a query over it returns no rows instead of
 * failing, and every view can still be created.
 */
import type { LocalTables } from '../tables/local-copy.js';
import { type Column, type ColumnType, TABLE_NAMES, type TableName, tableSchema } from '../tables/schema.js';
import { VIEWS } from '../tables/views.js';

export interface ViewStatement {
  name: string;
  sql: string;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const SQL_TYPES: Record<ColumnType, string> = {
  varchar: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/**
 * The `SELECT` of one table's view: its files, or no row with its columns.
 *
 * Files written before a column was added (`addedLater` in src/tables/schema.ts: `quality_failed`) lack it: the
 * files are united BY NAME with an empty, typed relation of those columns, so that such a column reads as null in
 * them instead of failing the view. Only those: a file without any other column of the table still fails the
 * query. DuckDB still pushes the projection and the partition filters down into read_parquet through the union
 * (checked with EXPLAIN: "Projections", "File Filters", "Scanning Files: 0/1").
 */
export function tableViewQuery(table: TableName, files: readonly string[]): string {
  const schema = tableSchema(table);
  const all = [...schema.columns, schema.partition];
  const nullOf = (c: Column) => `CAST(NULL AS ${SQL_TYPES[c.type]}) AS "${c.name}"`;
  if (files.length === 0) return `SELECT ${all.map(nullOf).join(', ')} WHERE false`;
  const columns = all.map((c) => `"${c.name}"`).join(', ');
  const partition = schema.partition;
  const scan =
    `read_parquet([${files.map(literal).join(', ')}], hive_partitioning = true, ` +
    `hive_types = {'${partition.name}': ${SQL_TYPES[partition.type]}}, union_by_name = true)`;
  const later = schema.columns.filter((c) => c.addedLater);
  if (later.length === 0) return `SELECT ${columns} FROM ${scan}`;
  return `SELECT ${columns} FROM (SELECT ${later.map(nullOf).join(', ')} WHERE false UNION ALL BY NAME SELECT * FROM ${scan})`;
}

/** Every view, in creation order: the tables', then the shared views (which read them). */
export function lakeViewStatements(local: Pick<LocalTables, 'files'>): ViewStatement[] {
  return [
    ...TABLE_NAMES.map((table) => ({
      name: table,
      sql: `CREATE OR REPLACE VIEW "${table}" AS ${tableViewQuery(table, local.files.get(table) ?? [])}`,
    })),
    ...VIEWS.map((view) => ({ name: view.name, sql: view.statement })),
  ];
}

/**
 * The same views as `openSqlSession` takes them (src/sql/duckdb-session.ts): a name and its SELECT, which the session
 * creates itself before it locks down.
 */
export function lakeSessionViews(local: Pick<LocalTables, 'files'>): ViewStatement[] {
  return [
    ...TABLE_NAMES.map((table) => ({ name: table, sql: tableViewQuery(table, local.files.get(table) ?? []) })),
    ...VIEWS.map((view) => ({ name: view.name, sql: selectOf(view.name, view.statement) })),
  ];
}

/** The SELECT of a shared view's `CREATE OR REPLACE VIEW "name" AS SELECT ...` (views.ts writes them so). */
function selectOf(name: string, statement: string): string {
  const head = `CREATE OR REPLACE VIEW "${name}" AS `;
  if (!statement.startsWith(head)) throw new Error(`view ${name}: its statement does not start with ${head}`);
  return statement.slice(head.length);
}

/**
 * The tables a query may read, to copy only those: each table named in it, and the tables behind each shared view
 * it names. A word match, so it may take a table the query does not read (a column named `prices`): that costs
 * a copy, never a wrong answer.
 */
export function tablesNamedIn(sql: string): TableName[] {
  const words = wordsOf(sql);
  // A view may read another view (prices_latest reads price_history): follow them until nothing new is named.
  for (let grew = true; grew;) {
    grew = false;
    for (const view of VIEWS) {
      if (!words.has(view.name) || words.has(`${view.name}#read`)) continue;
      words.add(`${view.name}#read`);
      for (const word of wordsOf(view.statement)) words.add(word);
      grew = true;
    }
  }
  return TABLE_NAMES.filter((table) => words.has(table));
}

function wordsOf(sql: string): Set<string> {
  return new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
}
