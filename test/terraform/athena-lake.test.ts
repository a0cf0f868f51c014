/**
 * The Terraform module terraform/modules/athena-lake against the code it mirrors: its Glue tables against the
 * tables' one schema (src/tables/schema.ts), its named queries against the views (src/tables/views.ts), and its
 * raw snapshot table against the raw document (src/lake/formats/raw.ts). As in module.test.ts, no provider can be
 * downloaded, so the .tf files are parsed (test/support/hcl.ts) and the few expressions the module evaluates are
 * rendered here from the parsed blocks. The views' SQL files are run on DuckDB over a small lake of Parquet files
 * laid out as marketlake writes them. With a terraform binary, `terraform fmt -check` and the variables'
 * validation blocks run too.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVariablesPlan, terraformVersion, type VariablesPlan } from '../support/terraform.js';
import { ATHENA_VIEWS_DIR, athenaViewFiles } from '../../scripts/generate-athena-views.js';
import { renderRaw, type RawBar, type RawSnapshot } from '../../src/lake/formats/raw.js';
import { TABLE_NAMES, glueType, tableSchema, type Column, type TableName } from '../../src/tables/schema.js';
import { VIEWS } from '../../src/tables/views.js';
import { blocks, dynamicBlocks, loadModule, soleVariable, type Block, type TerraformModule } from '../support/hcl.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TERRAFORM_DIR = join(ROOT, 'terraform');
const MODULE_DIR = join(TERRAFORM_DIR, 'modules/athena-lake');
const EXAMPLE_DIR = join(TERRAFORM_DIR, 'examples/lake-and-athena');

const BUCKET = 'marketlake-data';

let mod: TerraformModule;

beforeAll(async () => {
  mod = await loadModule(MODULE_DIR);
});

function resourceOf(type: string, name: string): Block {
  const block = mod.resource[type]?.[name];
  if (!block) throw new Error(`the module has no resource ${type}.${name}`);
  return block;
}

function only(list: Block[], what: string): Block {
  expect(list, what).toHaveLength(1);
  return list[0];
}

function defaultOf(name: string): unknown {
  const variable = mod.variable[name];
  if (!variable) throw new Error(`the module has no variable ${name}`);
  return variable.default;
}

// ---- Rendering the module's templates -----------------------------------------------------------------------

/** A reference Terraform would resolve (`each.value.partition.name`, `var.x`, `local.y`) => its value. */
type Scope = (reference: string) => unknown;

/**
 * A template string of the parsed module ("s3://${var.bucket_name}/...") with every interpolation resolved through
 * `scope`, and `$${` (Terraform's escape for a literal `${`) unescaped. Only plain references are interpolated: a
 * function call or an operator is not rendered but refused, so the test cannot silently read an expression wrong.
 */
function render(template: string, scope: Scope): string {
  const rendered = template.replace(/(?<!\$)\$\{([^{}]*)\}/g, (_, reference: string) => {
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$/.test(reference)) {
      throw new Error(`not a plain reference: \${${reference}} in ${template}`);
    }
    const value = scope(reference);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`\${${reference}} in ${template} is not a string or number: ${JSON.stringify(value)}`);
    }
    return String(value);
  });
  if (/(?<!\$)\$\{/.test(rendered)) throw new Error(`unrendered interpolation in ${rendered}`);
  return rendered.replaceAll('$${', '${');
}

function renderValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return render(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [render(k, scope), renderValue(v, scope)] as const),
    );
  }
  return value;
}

/** Follows `a.b.c` through nested objects. */
function path(root: unknown, steps: string[], reference: string): unknown {
  let value = root;
  for (const step of steps) {
    if (value === null || typeof value !== 'object' || !(step in value)) {
      throw new Error(`cannot resolve ${reference}`);
    }
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** The module's scope for the given variable values (defaults where not given): var.*, local.* (rendered). */
function moduleScope(variables: Record<string, unknown>, extra: Record<string, unknown> = {}): Scope {
  const scope: Scope = (reference) => {
    const [head, ...rest] = reference.split('.');
    if (head === 'var') {
      const name = rest[0];
      const value = name in variables ? variables[name] : defaultOf(name);
      if (value === undefined) throw new Error(`no value for ${reference}`);
      return value;
    }
    if (head === 'local') return renderValue(path(mod.locals, rest, reference), scope);
    if (head in extra) return path(extra[head], rest, reference);
    throw new Error(`cannot resolve ${reference}`);
  };
  return scope;
}

interface GlueTable {
  name: string;
  description: string;
  tableType: string;
  parameters: Record<string, string>;
  partitionKeys: { name: string; type: string; comment: string }[];
  location: string;
  inputFormat: string;
  outputFormat: string;
  serde: { name: string; serialization_library: string; parameters: Record<string, string> };
  columns: { name: string; type: string; comment: string }[];
}

/** A Glue table resource as the provider would send it, for one instance (`each`, when the resource has for_each). */
function renderGlueTable(resource: Block, scope: Scope): GlueTable {
  const storage = only(blocks(resource, 'storage_descriptor'), 'one storage_descriptor');
  const serde = only(blocks(storage, 'ser_de_info'), 'one ser_de_info');
  const staticColumns = blocks(storage, 'columns');
  const dynamicColumns = dynamicBlocks(storage, 'columns');
  // Either written out or one dynamic block over a list of {name, type, comment}: never both.
  expect(staticColumns.length === 0 || dynamicColumns.length === 0, 'columns are static or dynamic').toBe(true);
  const columns = staticColumns.map((c) => renderValue(c, scope));
  for (const dynamic of dynamicColumns) {
    const content = only(blocks(dynamic, 'content'), 'columns content');
    const list = scope(/^\$\{(.+)\}$/.exec(dynamic.for_each as string)![1]) as unknown[];
    for (const item of list)
      columns.push(
        renderValue(content, (ref) =>
          ref.startsWith('columns.') ? path({ columns: { value: item } }, ref.split('.'), ref) : scope(ref),
        ),
      );
  }
  return {
    name: render(resource.name as string, scope),
    description: render(resource.description as string, scope),
    tableType: resource.table_type as string,
    parameters: renderValue(resource.parameters, scope) as Record<string, string>,
    partitionKeys: blocks(resource, 'partition_keys').map((k) => renderValue(k, scope)) as GlueTable['partitionKeys'],
    location: render(storage.location as string, scope),
    inputFormat: storage.input_format as string,
    outputFormat: storage.output_format as string,
    serde: renderValue(serde, scope) as GlueTable['serde'],
    columns: columns as GlueTable['columns'],
  };
}

/** The table `name` of the for_each resource aws_glue_catalog_table.tables, for the given variable values. */
function renderLakeTable(name: string, variables: Record<string, unknown> = { bucket_name: BUCKET }): GlueTable {
  const resource = resourceOf('aws_glue_catalog_table', 'tables');
  expect(resource.for_each).toBe('${local.tables}');
  const value = (mod.locals.tables as Record<string, unknown>)[name];
  if (value === undefined) throw new Error(`local.tables has no ${name}`);
  return renderGlueTable(resource, moduleScope(variables, { each: { key: name, value } }));
}

const glueColumn = (column: Column) => ({
  name: column.name,
  type: glueType(column.type),
  comment: column.description,
});

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
};

// ---- Glue tables ----------------------------------------------------------------------------------------------

describe('the Glue tables of terraform/modules/athena-lake equal src/tables/schema.ts', () => {
  it('has one table per TABLE_NAMES entry and the raw snapshot table, nothing else', () => {
    // The parser sorts an object's keys, so the order of the tables in main.tf cannot be checked (nor matters).
    expect(Object.keys(mod.locals.tables as object).sort()).toEqual([...TABLE_NAMES].sort());
    expect(Object.keys(mod.resource.aws_glue_catalog_table).sort()).toEqual(['raw_snapshots', 'tables']);
    expect(mod.locals.raw_table_name).toBe('raw_snapshots');
    expect(TABLE_NAMES).not.toContain(mod.locals.raw_table_name);
  });

  it.each(TABLE_NAMES.map((name) => [name]))('%s: columns, types, order, comments and partition key', (name) => {
    const schema = tableSchema(name as TableName);
    const table = renderLakeTable(name);
    expect(table.name).toBe(name);
    expect(table.description).toBe(schema.description);
    expect(table.tableType).toBe('EXTERNAL_TABLE');
    expect(table.columns).toEqual(schema.columns.map(glueColumn));
    // The partition column lives in the path only: a key, never also a stored column.
    expect(schema.partition.type).toBe('date');
    expect(table.partitionKeys).toEqual([glueColumn(schema.partition)]);
    expect(table.columns.map((c) => c.name)).not.toContain(schema.partition.name);
  });

  it.each(TABLE_NAMES.map((name) => [name]))('%s: Parquet at tables/{table}/, projected by date', (name) => {
    const key = tableSchema(name as TableName).partition.name;
    const table = renderLakeTable(name);
    expect(table.location).toBe(`s3://${BUCKET}/tables/${name}/`);
    expect(table.inputFormat).toBe(PARQUET.inputFormat);
    expect(table.outputFormat).toBe(PARQUET.outputFormat);
    expect(table.serde.serialization_library).toBe(PARQUET.serializationLibrary);
    expect(table.parameters).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'projection.enabled': 'true',
      [`projection.${key}.type`]: 'date',
      [`projection.${key}.format`]: 'yyyy-MM-dd',
      [`projection.${key}.range`]: `${defaultOf('projection_start_date') as string},NOW`,
      [`projection.${key}.interval`]: '1',
      [`projection.${key}.interval.unit`]: 'DAYS',
      'storage.location.template': `s3://${BUCKET}/tables/${name}/${key}=\${${key}}/`,
    });
  });

  it('follows the lake prefix and the projection start date', () => {
    const table = renderLakeTable('runs', {
      bucket_name: BUCKET,
      key_prefix: 'lake/',
      projection_start_date: '2025-06-01',
    });
    expect(table.location).toBe(`s3://${BUCKET}/lake/tables/runs/`);
    expect(table.parameters['storage.location.template']).toBe(
      `s3://${BUCKET}/lake/tables/runs/run_date=\${run_date}/`,
    );
    expect(table.parameters['projection.run_date.range']).toBe('2025-06-01,NOW');
  });
});

// ---- The raw snapshot table -----------------------------------------------------------------------------------

/** A raw document with every field the format has (optional ones too), so a field the table misses shows. */
const RAW_DOCUMENT: Required<RawSnapshot> = {
  schema: 'marketlake.raw/1',
  source: 'yfinance',
  ticker: '^GSPC',
  fetched_at: '2024-03-01T21:00:05.123Z',
  interval: '1d',
  currency: 'USD',
  exchange: 'SNP',
  timezone: 'America/New_York',
  bars: [
    {
      date: '2024-02-29',
      open: 5085.36,
      high: 5104.99,
      low: 5061.89,
      close: 5096.27,
      adj_close: 5096.27,
      volume: 5219520000,
    },
    {
      date: '2024-03-01',
      open: 5098.51,
      high: 5140.33,
      low: 5094.16,
      close: 5137.08,
      adj_close: null,
      volume: 4748110000,
    },
  ] satisfies Required<RawBar>[],
  events: {
    dividends: [{ date: '2024-02-29', amount: 0.5 }],
    splits: [{ date: '2024-03-01', numerator: 2, denominator: 1 }],
  },
  dropped_bars: [{ date: '2024-02-28', reason: 'all values null' }],
  synthetic: false,
};

/** A Hive type string (as Glue holds it) in DuckDB's spelling, to read documents with the table's own types. */
function duckdbType(hive: string): string {
  let at = 0;
  const name = () => {
    const match = /^[a-z_][a-z0-9_]*/.exec(hive.slice(at));
    if (!match) throw new Error(`bad type at ${at}: ${hive}`);
    at += match[0].length;
    return match[0];
  };
  const expectChar = (char: string) => {
    if (hive[at] !== char) throw new Error(`expected ${char} at ${at}: ${hive}`);
    at += 1;
  };
  const type = (): string => {
    const head = name();
    if (head === 'array') {
      expectChar('<');
      const element = type();
      expectChar('>');
      return `${element}[]`;
    }
    if (head === 'struct') {
      expectChar('<');
      const fields: string[] = [];
      for (;;) {
        const field = name();
        expectChar(':');
        fields.push(`"${field}" ${type()}`);
        if (hive[at] === ',') at += 1;
        else break;
      }
      expectChar('>');
      return `STRUCT(${fields.join(', ')})`;
    }
    const scalar = { string: 'VARCHAR', double: 'DOUBLE', boolean: 'BOOLEAN', bigint: 'BIGINT', date: 'DATE' }[head];
    if (!scalar) throw new Error(`no DuckDB type for ${head}`);
    return scalar;
  };
  const result = type();
  if (at !== hive.length) throw new Error(`trailing text in ${hive}`);
  return result;
}

describe('the raw snapshot table reads the raw documents', () => {
  const raw = () =>
    renderGlueTable(resourceOf('aws_glue_catalog_table', 'raw_snapshots'), moduleScope({ bucket_name: BUCKET }));

  it('is JSON through the OpenX SerDe under raw/, partitioned and projected as the keys are', () => {
    const table = raw();
    expect(table.tableType).toBe('EXTERNAL_TABLE');
    expect(table.location).toBe(`s3://${BUCKET}/raw/`);
    expect(table.serde.serialization_library).toBe('org.openx.data.jsonserde.JsonSerDe');
    // Text input: decompresses `.json.gz` objects by their extension.
    expect(table.inputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
    expect(table.serde.parameters['ignore.malformed.json']).toBe('FALSE');
    expect(table.partitionKeys.map((k) => [k.name, k.type])).toEqual([
      ['source', 'string'],
      ['ticker', 'string'],
      ['fetch_date', 'date'],
    ]);
    expect(table.parameters).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'json',
      'projection.enabled': 'true',
      'projection.source.type': 'enum',
      'projection.source.values': 'yfinance,csv,sample',
      'projection.ticker.type': 'injected',
      'projection.fetch_date.type': 'date',
      'projection.fetch_date.format': 'yyyy-MM-dd',
      'projection.fetch_date.range': `${defaultOf('projection_start_date') as string},NOW`,
      'projection.fetch_date.interval': '1',
      'projection.fetch_date.interval.unit': 'DAYS',
      'storage.location.template': `s3://${BUCKET}/raw/\${source}/\${ticker}/\${fetch_date}/`,
    });
  });

  it('has one column per field of the document (renamed where a partition key has the name)', () => {
    const table = raw();
    const mapping = Object.fromEntries(
      Object.entries(table.serde.parameters)
        .filter(([k]) => k.startsWith('mapping.'))
        .map(([k, v]) => [k.slice('mapping.'.length), v]),
    );
    const fields = table.columns.map((c) => mapping[c.name] ?? c.name);
    const body = JSON.parse(
      renderRaw('raw/yfinance/_5EGSPC/2024-03-01/20240301_210005.json', RAW_DOCUMENT).body.toString(),
    ) as object;
    expect(fields).toEqual(Object.keys(body));
    const names = new Set([...table.columns, ...table.partitionKeys].map((c) => c.name));
    expect(names.size, 'no column shares a partition key name').toBe(table.columns.length + table.partitionKeys.length);
  });

  it('DuckDB reads a .json and a .json.gz document with the columns the table declares', async () => {
    const table = raw();
    const mapping = Object.fromEntries(
      Object.entries(table.serde.parameters)
        .filter(([k]) => k.startsWith('mapping.'))
        .map(([k, v]) => [k.slice('mapping.'.length), v]),
    );
    const body = renderRaw('raw/yfinance/_5EGSPC/2024-03-01/20240301_210005.json', RAW_DOCUMENT).body;
    const dir = await mkdtemp(join(tmpdir(), 'marketlake-raw-json-'));
    const instance = await DuckDBInstance.create(':memory:', NO_EXTENSION_DOWNLOADS);
    const connection = await instance.connect();
    try {
      await writeFile(join(dir, '20240301_210005.json'), body);
      await writeFile(join(dir, '20240301_210006.json.gz'), gzipSync(body));
      const columns = table.columns.map((c) => `'${mapping[c.name] ?? c.name}': '${duckdbType(c.type)}'`).join(', ');
      const reader = await connection.runAndReadAll(
        `SELECT to_json(d) AS document FROM read_json('${dir}/*', format = 'newline_delimited', ` +
          `columns = {${columns}}) AS d`,
      );
      const documents = reader.getRowObjectsJson().map((row) => JSON.parse(row.document as string) as unknown);
      expect(documents).toEqual([RAW_DOCUMENT, RAW_DOCUMENT]);
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---- Views ----------------------------------------------------------------------------------------------------

describe('the named queries are the views of src/tables/views.ts', () => {
  it('views/*.sql are what scripts/generate-athena-views.ts writes (run it after changing a view)', async () => {
    const expected = athenaViewFiles();
    expect(ATHENA_VIEWS_DIR).toBe(join(MODULE_DIR, 'views'));
    const files = (await readdir(ATHENA_VIEWS_DIR)).sort();
    expect(files).toEqual([...expected.keys()].sort());
    for (const [name, contents] of expected) {
      expect(await readFile(join(ATHENA_VIEWS_DIR, name), 'utf8'), name).toBe(contents);
      expect(contents).toMatch(
        /^-- Generated by scripts\/generate-athena-views\.ts from VIEWS in src\/tables\/views\.ts/,
      );
    }
  });

  it('has one named query per view, in creation order, reading its file', () => {
    const views = mod.locals.views as { name: string; description: string }[];
    expect(views).toEqual(VIEWS.map((v) => ({ name: v.name, description: v.description })));
    const query = resourceOf('aws_athena_named_query', 'views');
    expect(query.for_each).toBe(
      '${{ for index, view in local.views : view.name => merge(view, { step = index + 1 }) }}',
    );
    expect(query.name).toBe('${each.key}');
    expect(query.query).toBe('${file("${path.module}/views/${each.key}.sql")}');
    expect(query.database).toBe('${aws_glue_catalog_database.this.name}');
    expect(query.workgroup).toBe('${aws_athena_workgroup.this.id}');
    expect(Object.keys(mod.resource.aws_athena_named_query)).toEqual(['views']);
  });
});

const NO_EXTENSION_DOWNLOADS = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

function sqlLiteral(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `CAST('${String(value).replaceAll("'", "''")}' AS ${type.toUpperCase()})`;
}

type Row = Record<string, string | number | null>;

const T1 = '2024-03-01 21:00:00';
const T2 = '2024-03-02 21:00:00';
const BETWEEN = '2024-03-02 00:00:00';

const priceRow = (row: Row): Row => ({ raw_version_id: 'v', raw_sha256: 'sha', source: 'yfinance', ...row });
const bar = (date: string, close: number | null): Row => ({
  date,
  open: close,
  high: close,
  low: close,
  close,
  adj_close: close,
  volume: close === null ? null : 1000,
});
const computed = (row: Row): Row => ({
  computation_version: '2.0',
  raw_key: 'raw/yfinance/NVDA/2024-03-01/20240301_210000.json',
  ...row,
});

/**
 * A small lake: prices of two fetches of NVDA (a changed close, a removed bar, a new bar) and one of ^GSPC on the
 * same dates; indicators, percentiles and features of one as_of computed twice; a row in every other table.
 */
const LAKE: Record<TableName, Row[]> = {
  prices: [
    priceRow({
      ticker: 'NVDA',
      ...bar('2024-02-28', 10),
      change: 'new',
      fetched_at: T1,
      raw_key: 'k1',
      fetch_date: '2024-03-01',
    }),
    priceRow({
      ticker: 'NVDA',
      ...bar('2024-02-29', 11),
      change: 'new',
      fetched_at: T1,
      raw_key: 'k1',
      fetch_date: '2024-03-01',
    }),
    priceRow({
      ticker: 'NVDA',
      ...bar('2024-02-28', null),
      change: 'removed',
      fetched_at: T2,
      raw_key: 'k2',
      previous_raw_key: 'k1',
      fetch_date: '2024-03-02',
    }),
    priceRow({
      ticker: 'NVDA',
      ...bar('2024-02-29', 11.5),
      change: 'changed',
      fetched_at: T2,
      raw_key: 'k2',
      previous_raw_key: 'k1',
      fetch_date: '2024-03-02',
    }),
    priceRow({
      ticker: 'NVDA',
      ...bar('2024-03-01', 12),
      change: 'new',
      fetched_at: T2,
      raw_key: 'k2',
      previous_raw_key: 'k1',
      fetch_date: '2024-03-02',
    }),
    // Another ticker, fetched between the two: price_history must not take its fetch for NVDA's next version.
    priceRow({
      ticker: '^GSPC',
      ...bar('2024-02-29', 5000),
      change: 'new',
      fetched_at: '2024-03-01 22:00:00',
      raw_key: 'g1',
      fetch_date: '2024-03-01',
    }),
  ],
  indicators: [
    computed({ ticker: 'NVDA', rsi_14: 40, computed_at: '2024-03-01 21:05:00', object_key: 'i1', as_of: '2024-03-01' }),
    computed({ ticker: 'NVDA', rsi_14: 45, computed_at: '2024-03-02 08:00:00', object_key: 'i2', as_of: '2024-03-01' }),
    computed({
      ticker: 'NVDA',
      rsi_14: 50,
      computed_at: '2024-03-02 09:00:00',
      object_key: 'i3',
      as_of: '2024-03-01',
      computation_version: '1.0',
    }),
  ],
  percentiles: [
    computed({
      ticker: 'NVDA',
      metric: 'rsi_14',
      percentile: 30,
      count: 252,
      computed_at: '2024-03-01 21:05:00',
      object_key: 'p1',
      as_of: '2024-03-01',
    }),
    computed({
      ticker: 'NVDA',
      metric: 'rsi_14',
      percentile: 35,
      count: 252,
      computed_at: '2024-03-02 08:00:00',
      object_key: 'p2',
      as_of: '2024-03-01',
    }),
    computed({
      ticker: 'NVDA',
      metric: 'macd',
      percentile: 60,
      count: 252,
      computed_at: '2024-03-01 21:05:00',
      object_key: 'p1',
      as_of: '2024-03-01',
    }),
  ],
  features: [
    computed({
      ticker: 'NVDA',
      return_1d: 0.01,
      bars: 250,
      computed_at: '2024-03-01 21:05:00',
      object_key: 'f1',
      as_of: '2024-03-01',
    }),
    computed({
      ticker: 'NVDA',
      return_1d: 0.02,
      bars: 251,
      computed_at: '2024-03-02 08:00:00',
      object_key: 'f2',
      as_of: '2024-03-01',
    }),
  ],
  restatements: [
    {
      ticker: 'NVDA',
      date: '2024-02-29',
      change: 'changed',
      field: 'close',
      old_value: 11,
      new_value: 11.5,
      detected_at: T2,
      restatement_key: 'r1',
      raw_key: 'k2',
      previous_raw_key: 'k1',
      fetch_date: '2024-03-02',
    },
  ],
  lake_objects: [
    {
      key: 'k1',
      version_id: 'v',
      kind: 'raw',
      ticker: 'NVDA',
      source: 'yfinance',
      sha256: 'sha',
      size: 1234,
      created_at: T1,
      object_date: '2024-03-01',
    },
  ],
  runs: [
    {
      run_id: 'run-1',
      job: 'daily_run',
      status: 'ok',
      started_at: T1,
      ended_at: T2,
      objects_written: 4,
      outbox_pending: 0,
      failed_tickers: 0,
      run_date: '2024-03-01',
    },
  ],
  quality: [
    {
      ticker: 'NVDA',
      market: 'US',
      check_id: 'consistency.high_low',
      severity: 'error',
      passed: 'true',
      observed: '0',
      expected: '0',
      details: '',
      as_of: '2024-03-01',
      raw_key: 'k1',
      raw_version_id: 'v',
      raw_sha256: 'sha',
      policy: 'block',
      checked_at: T1,
      computation_version: '2.0',
      quality_key: 'quality/2024-03-01/run-1.json',
      run_id: 'run-1',
      run_date: '2024-03-01',
    },
  ],
};

describe('the views run on DuckDB over Parquet files laid out as the lake writes them', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marketlake-athena-views-'));
    instance = await DuckDBInstance.create(':memory:', NO_EXTENSION_DOWNLOADS);
    connection = await instance.connect();
    for (const name of TABLE_NAMES) {
      const schema = tableSchema(name);
      const columns = [...schema.columns, schema.partition];
      const staging = `staging_${name}`;
      await connection.run(`CREATE TABLE "${staging}" (${columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
      for (const row of LAKE[name]) {
        for (const key of Object.keys(row))
          expect(
            columns.map((c) => c.name),
            `${name}.${key}`,
          ).toContain(key);
        const values = columns.map((c) => sqlLiteral(row[c.name], c.type));
        await connection.run(`INSERT INTO "${staging}" VALUES (${values.join(', ')})`);
      }
      const tableDir = join(dir, 'tables', name);
      await mkdir(tableDir, { recursive: true });
      // Hive-style partitions; DuckDB leaves the partition column out of the files, as the lake's writer does.
      await connection.run(
        `COPY "${staging}" TO '${tableDir}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ("${schema.partition.name}"), OVERWRITE_OR_IGNORE)`,
      );
      await connection.run(
        `CREATE VIEW "${name}" AS SELECT * FROM read_parquet('${tableDir}/*/*.parquet', hive_partitioning = true, ` +
          `hive_types = {'${schema.partition.name}': DATE}, union_by_name = true)`,
      );
    }
    // The named queries' SQL, as Athena would run it: the files, in creation order.
    for (const view of mod.locals.views as { name: string }[]) {
      await connection.run(await readFile(join(MODULE_DIR, 'views', `${view.name}.sql`), 'utf8'));
    }
  });

  afterAll(async () => {
    connection?.closeSync();
    instance?.closeSync();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the files hold the columns of schema.ts, the partition key only in the path', async () => {
    for (const name of TABLE_NAMES) {
      const schema = tableSchema(name);
      const stored = await rows(
        `SELECT name FROM parquet_schema('${join(dir, 'tables', name)}/*/*.parquet') WHERE name <> 'duckdb_schema'`,
      );
      expect(new Set(stored.map((r) => r.name)), name).toEqual(new Set(schema.columns.map((c) => c.name)));
      const described = await rows(`DESCRIBE "${name}"`);
      expect(described.map((r) => [r.column_name, (r.column_type as string).toLowerCase()])).toEqual(
        [...schema.columns, schema.partition].map((c) => [c.name, c.type]),
      );
    }
  });

  it('indicators_latest keeps the row computed last, per computation version', async () => {
    expect(
      await rows(
        `SELECT "ticker", CAST("as_of" AS VARCHAR) AS "as_of", "computation_version", "rsi_14", "object_key" ` +
          `FROM "indicators_latest" ORDER BY "computation_version"`,
      ),
    ).toEqual([
      { ticker: 'NVDA', as_of: '2024-03-01', computation_version: '1.0', rsi_14: 50, object_key: 'i3' },
      { ticker: 'NVDA', as_of: '2024-03-01', computation_version: '2.0', rsi_14: 45, object_key: 'i2' },
    ]);
  });

  it('percentiles_latest keeps the row computed last per metric; features_latest likewise', async () => {
    expect(await rows(`SELECT "metric", "percentile" FROM "percentiles_latest" ORDER BY "metric"`)).toEqual([
      { metric: 'macd', percentile: 60 },
      { metric: 'rsi_14', percentile: 35 },
    ]);
    expect(await rows(`SELECT "return_1d", "bars" FROM "features_latest"`)).toEqual([{ return_1d: 0.02, bars: '251' }]);
  });

  it('prices_latest shows the changed close and not the removed bar', async () => {
    expect(
      await rows(
        `SELECT "ticker", CAST("date" AS VARCHAR) AS "date", "close", "change", "raw_key" FROM "prices_latest" ` +
          `ORDER BY "ticker", "date"`,
      ),
    ).toEqual([
      { ticker: 'NVDA', date: '2024-02-29', close: 11.5, change: 'changed', raw_key: 'k2' },
      { ticker: 'NVDA', date: '2024-03-01', close: 12, change: 'new', raw_key: 'k2' },
      { ticker: '^GSPC', date: '2024-02-29', close: 5000, change: 'new', raw_key: 'g1' },
    ]);
  });

  it('price_history: a version is known until the next fetch that changed or removed it', async () => {
    expect(
      await rows(
        `SELECT CAST("date" AS VARCHAR) AS "date", "close", CAST("known_from" AS VARCHAR) AS "known_from", ` +
          `CAST("known_until" AS VARCHAR) AS "known_until" FROM "price_history" WHERE "ticker" = 'NVDA' ` +
          `ORDER BY "date", "known_from"`,
      ),
    ).toEqual([
      { date: '2024-02-28', close: 10, known_from: T1, known_until: T2 },
      { date: '2024-02-28', close: null, known_from: T2, known_until: null },
      { date: '2024-02-29', close: 11, known_from: T1, known_until: T2 },
      { date: '2024-02-29', close: 11.5, known_from: T2, known_until: null },
      { date: '2024-03-01', close: 12, known_from: T2, known_until: null },
    ]);
  });

  it("price_history: the prices as known at a time between the fetches are the first fetch's", async () => {
    const asKnownAt = (at: string) =>
      rows(
        `SELECT CAST("date" AS VARCHAR) AS "date", "close" FROM "price_history" WHERE "ticker" = 'NVDA' ` +
          `AND "known_from" <= TIMESTAMP '${at}' AND ("known_until" IS NULL OR "known_until" > TIMESTAMP '${at}') ` +
          `AND "change" <> 'removed' ORDER BY "date"`,
      );
    expect(await asKnownAt(BETWEEN)).toEqual([
      { date: '2024-02-28', close: 10 },
      { date: '2024-02-29', close: 11 },
    ]);
    expect(await asKnownAt(T2)).toEqual([
      { date: '2024-02-29', close: 11.5 },
      { date: '2024-03-01', close: 12 },
    ]);
  });
});

// ---- Athena workgroup and results bucket ----------------------------------------------------------------------

describe('the Athena workgroup and its results bucket', () => {
  it('enforces its configuration: engine 3, CloudWatch metrics, a scan cutoff, encrypted results in the bucket', async () => {
    const workgroup = resourceOf('aws_athena_workgroup', 'this');
    expect(await soleVariable(workgroup.name)).toBe('workgroup_name');
    const configuration = only(blocks(workgroup, 'configuration'), 'configuration');
    expect(configuration.enforce_workgroup_configuration).toBe(true);
    expect(configuration.publish_cloudwatch_metrics_enabled).toBe(true);
    expect(await soleVariable(configuration.bytes_scanned_cutoff_per_query)).toBe('bytes_scanned_cutoff_per_query');
    expect(defaultOf('bytes_scanned_cutoff_per_query')).toBe(10 * 1024 ** 3);
    expect(blocks(configuration, 'engine_version')).toEqual([{ selected_engine_version: 'Athena engine version 3' }]);
    const result = only(blocks(configuration, 'result_configuration'), 'result_configuration');
    expect(result.output_location).toBe('s3://${aws_s3_bucket.results.id}/');
    expect(blocks(result, 'encryption_configuration')).toEqual([{ encryption_option: 'SSE_S3' }]);
  });

  it('the results bucket is private, encrypted, and expires results after results_expiration_days', async () => {
    expect(resourceOf('aws_s3_bucket', 'results').bucket).toBe('${local.results_bucket_name}');
    expect(mod.locals.results_bucket_name).toBe(
      '${coalesce(var.results_bucket_name, "${var.bucket_name}-athena-results")}',
    );
    const pab = resourceOf('aws_s3_bucket_public_access_block', 'results');
    expect(pab).toMatchObject({
      bucket: '${aws_s3_bucket.results.id}',
      block_public_acls: true,
      ignore_public_acls: true,
      block_public_policy: true,
      restrict_public_buckets: true,
    });
    const sse = only(
      blocks(resourceOf('aws_s3_bucket_server_side_encryption_configuration', 'results'), 'rule'),
      'sse',
    );
    expect(blocks(sse, 'apply_server_side_encryption_by_default')).toEqual([{ sse_algorithm: 'AES256' }]);
    const lifecycle = resourceOf('aws_s3_bucket_lifecycle_configuration', 'results');
    expect(lifecycle.bucket).toBe('${aws_s3_bucket.results.id}');
    const rule = only(blocks(lifecycle, 'rule'), 'one lifecycle rule');
    expect(rule.status).toBe('Enabled');
    // An empty filter: the rule covers the whole bucket.
    expect(blocks(rule, 'filter')).toEqual([{}]);
    const expiration = only(blocks(rule, 'expiration'), 'expiration');
    expect(await soleVariable(expiration.days)).toBe('results_expiration_days');
    expect(defaultOf('results_expiration_days')).toBe(7);
  });

  it('puts the tables and the views in the Glue database', async () => {
    const database = resourceOf('aws_glue_catalog_database', 'this');
    expect(await soleVariable(database.name)).toBe('database_name');
    for (const name of ['tables', 'raw_snapshots']) {
      expect(resourceOf('aws_glue_catalog_table', name).database_name).toBe('${aws_glue_catalog_database.this.name}');
    }
  });
});

describe('variables, outputs, README and example', () => {
  it('describes and types every variable, and validates every one a user could get wrong', () => {
    for (const [name, variable] of Object.entries(mod.variable)) {
      expect(variable.description, name).toEqual(expect.any(String));
      expect(variable.type, name).toEqual(expect.stringMatching(/^\$\{.+\}$/));
      if (!['results_force_destroy'].includes(name))
        expect(blocks(variable, 'validation').length, `${name} validation`).toBeGreaterThan(0);
    }
  });

  it('outputs the database, workgroup, results bucket, table names and named query ids', () => {
    expect(Object.keys(mod.output)).toEqual(
      expect.arrayContaining(['database_name', 'workgroup_name', 'results_bucket', 'table_names', 'named_query_ids']),
    );
  });

  it('documents every variable and output, the ^ escape and why no key is injected', async () => {
    const readme = await readFile(join(MODULE_DIR, 'README.md'), 'utf8');
    for (const name of [...Object.keys(mod.variable), ...Object.keys(mod.output)])
      expect(readme, name).toContain(`\`${name}\``);
    expect(readme).toContain('_5E');
    expect(readme).toContain('injected');
    expect(readme).toContain('.json.gz');
  });

  it('the example feeds the lake bucket of s3-data-lake into athena-lake', async () => {
    const example = await loadModule(EXAMPLE_DIR);
    expect(example.module.data_lake.source).toBe('../../modules/s3-data-lake');
    const athena = example.module.athena;
    expect(athena.source).toBe('../../modules/athena-lake');
    expect(athena.bucket_name).toBe('${module.data_lake.bucket_name}');
    for (const argument of Object.keys(athena).filter((k) => !['source', 'providers', 'depends_on'].includes(k))) {
      expect(Object.keys(mod.variable), argument).toContain(argument);
    }
    expect(example.provider.aws).toBeDefined();
  });
});

// ---- With a terraform binary (optional: none can be installed here, but a developer machine may have one) -------

describe.skipIf(terraformVersion === undefined)(`athena-lake with ${terraformVersion ?? 'terraform'}`, () => {
  let variables: VariablesPlan;

  beforeAll(async () => {
    variables = await openVariablesPlan(MODULE_DIR);
  });

  afterAll(async () => {
    await variables?.close();
  });

  /** `terraform plan` with these tfvars (and a bucket name unless they give one): '' when the values are accepted. */
  function plan(tfvars: string): Promise<string> {
    return variables.plan(`${/^bucket_name\s*=/m.test(tfvars) ? '' : `bucket_name = "${BUCKET}"\n`}${tfvars}`);
  }

  it('the variables accept the defaults and sensible values', async () => {
    expect(await plan('')).toBe('');
    expect(
      await plan(
        [
          'key_prefix = "lake/"',
          'database_name = "marketlake_prod"',
          'workgroup_name = "marketlake-prod"',
          'projection_start_date = "2024-02-29"',
          'bytes_scanned_cutoff_per_query = 10485760',
          'results_bucket_name = "marketlake-athena-results"',
          'results_expiration_days = 1',
          'tags = { Team = "data" }',
        ].join('\n'),
      ),
    ).toBe('');
  });

  it.each([
    ['bucket_name = "Market_Lake"', /bucket_name must be 3-63 characters/],
    ['key_prefix = "lake"', /key_prefix must be empty or end with/],
    ['database_name = "market-lake"', /database_name must be 1-255 characters/],
    ['workgroup_name = "market lake"', /workgroup_name must be 1-128 characters/],
    ['projection_start_date = "2024-2-1"', /projection_start_date must be a calendar date/],
    ['projection_start_date = "2023-02-29"', /projection_start_date must be a calendar date/],
    ['bytes_scanned_cutoff_per_query = 1000', /bytes_scanned_cutoff_per_query must be a whole number/],
    ['results_bucket_name = "Results"', /results_bucket_name must follow S3's bucket naming rules/],
    ['results_expiration_days = 0', /results_expiration_days must be a whole number >= 1/],
    ['tags = { "aws:owner" = "x" }', /Tag keys must be 1-128 characters/],
  ])('refuses %s', async (tfvars, message) => {
    expect(await plan(tfvars)).toMatch(message);
  });
});
