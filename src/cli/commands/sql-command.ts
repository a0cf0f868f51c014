/**
 * `marketlake sql "SELECT ..."`: one SELECT over the lake's tables, on DuckDB (default: a confined in-memory
 * session over a local copy of the table files the query names) or on Athena (`--engine athena`: the Glue tables
 * of the lake, in a workgroup). stdout carries the result only (a text table, `--json`, `--csv`); notes go to
 * stderr. A query the user can fix (refused, failed, stopped by --timeout or --max-rows) exits 1, a bad command
 * line 2, before any I/O.
 *
 * DuckDB and the AWS SDK are loaded inside the action, never by `--help` or another command.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { type ConfigFlags, resolveConfig } from '../../config.js';
import { UsageError, UserError } from '../../errors.js';
import { quote } from '../../quote.js';
import type { QueryResult } from '../../sql/duckdb-session.js';
import { listenForInterruption } from '../interruption.js';
import { parsePath } from '../options.js';
import { withLakeOptions } from '../runtime-options.js';
import { tablesCacheDir, withLakeStore } from './table-commands.js';

export const DEFAULT_TIMEOUT_SECONDS = 60;
export const DEFAULT_MAX_ROWS = 100_000;
const ENGINES = ['duckdb', 'athena'] as const;
type Engine = (typeof ENGINES)[number];

interface SqlFlags {
  json?: boolean;
  csv?: boolean;
  parquet?: string;
  timeout: number;
  maxRows: number;
  engine: Engine;
  workgroup?: string;
  database?: string;
  outputLocation?: string;
  home?: string;
  lake?: string;
  s3Endpoint?: string;
}

type Output = { kind: 'text' | 'json' | 'csv' } | { kind: 'parquet'; file: string };

/** `--timeout 1.5`: seconds, more than 0, at most a day (a longer wait is a mistake, not a query). */
function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0) || seconds > 86_400) {
    throw new InvalidArgumentError('must be a number of seconds above 0, at most 86400');
  }
  return seconds;
}

function parseMaxRows(value: string): number {
  const rows = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(rows) || rows < 1) {
    throw new InvalidArgumentError('must be a whole number of rows, at least 1');
  }
  return rows;
}

export function registerSqlCommand(program: Command): void {
  withLakeOptions(
    program
      .command('sql')
      .description(
        "run one SELECT over the lake's tables (prices, indicators, percentiles, features, restatements, " +
          'lake_objects, runs) and their views (prices_latest, price_history, indicators_latest, ...): on a ' +
          'read-only DuckDB over a local copy of the table files, or on Athena',
      )
      .argument('<query>', 'one SELECT statement')
      .option('--json', 'print the rows as a JSON array of objects')
      .option('--csv', 'print the rows as CSV (RFC 4180)')
      .option('--parquet <file>', 'write the rows to a Parquet file instead of printing them (DuckDB only)', parsePath)
      .option('--timeout <seconds>', 'stop the query after this long', parseSeconds, DEFAULT_TIMEOUT_SECONDS)
      .option('--max-rows <n>', 'refuse a result of more rows than this', parseMaxRows, DEFAULT_MAX_ROWS)
      .addOption(new Option('--engine <engine>', 'where the query runs').choices(ENGINES).default('duckdb'))
      .option('--workgroup <name>', 'the Athena workgroup (required with --engine athena)')
      .option('--database <name>', "the Glue database of the lake's tables (required with --engine athena)")
      .option('--output-location <s3-url>', "where Athena writes the result (default: the workgroup's setting)"),
  ).action(async (query: string, flags: SqlFlags) => {
    const output = checkFlags(flags);
    if (flags.engine === 'athena') await runOnAthena(query, flags, output);
    else await runOnDuckDb(query, flags, output);
  });
}

/** Every combination of flags that cannot work is refused here, before anything is read or started. */
function checkFlags(flags: SqlFlags): Output {
  const formats = [flags.json && '--json', flags.csv && '--csv', flags.parquet !== undefined && '--parquet'];
  const given = formats.filter((format): format is string => typeof format === 'string');
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be combined: choose one output`);
  if (flags.engine === 'athena') {
    if (flags.parquet !== undefined) {
      throw new UsageError('--parquet works with --engine duckdb only (Athena writes its own result file in S3)');
    }
    const missing = [flags.workgroup === undefined && '--workgroup', flags.database === undefined && '--database'];
    const names = missing.filter((name): name is string => typeof name === 'string');
    if (names.length > 0) throw new UsageError(`--engine athena needs ${names.join(' and ')}`);
    if (flags.outputLocation !== undefined && !flags.outputLocation.startsWith('s3://')) {
      throw new UsageError(`--output-location must be an s3:// URL, got ${quote(flags.outputLocation)}`);
    }
  } else {
    const athenaOnly = [
      flags.workgroup !== undefined && '--workgroup',
      flags.database !== undefined && '--database',
      flags.outputLocation !== undefined && '--output-location',
    ].filter((name): name is string => typeof name === 'string');
    if (athenaOnly.length > 0) throw new UsageError(`${athenaOnly.join(', ')}: for --engine athena only`);
  }
  if (flags.parquet !== undefined) return { kind: 'parquet', file: resolve(flags.parquet) };
  return { kind: flags.json ? 'json' : flags.csv ? 'csv' : 'text' };
}

/**
 * DuckDB: the lake's table files that the query names are brought up to date in the local copy under the home
 * (fetched when new or changed, reused otherwise), then the query runs on a session that may read that copy only.
 */
async function runOnDuckDb(query: string, flags: SqlFlags, output: Output): Promise<void> {
  const { openLakeSession } = await import('../../sql/lake-session.js');
  const lakeFlags: ConfigFlags = { home: flags.home, lake: flags.lake, s3Endpoint: flags.s3Endpoint };
  // Opening a file lake creates its folder: a read that names a home or lake that is not there says so instead.
  const { lake } = resolveConfig(lakeFlags);
  if (lake.kind === 'file' && !existsSync(lake.path)) {
    throw new UserError(`there is no lake at ${quote(lake.path)} (give --home or --lake, or run \`marketlake run\`)`);
  }
  const { session, local } = await withLakeStore(lakeFlags, (store, config) =>
    openLakeSession({
      store,
      cacheRoot: tablesCacheDir(config, store),
      query,
      timeLimitMs: flags.timeout * 1000,
      maxRows: flags.maxRows,
      ...(output.kind === 'parquet' ? { outputFiles: [output.file] } : {}),
    }),
  );
  for (const skipped of local.skipped) {
    process.stderr.write(`marketlake: skipped ${quote(skipped.key)} under tables/: ${skipped.reason}\n`);
  }
  if (local.fetched > 0) {
    process.stderr.write(
      `marketlake: fetched ${local.fetched} table file(s) from the lake (${local.reused} reused from the local copy)\n`,
    );
  }
  try {
    if (output.kind === 'parquet') {
      const { rows } = await session.writeParquet(query, output.file);
      process.stderr.write(`marketlake: wrote ${rows} row(s) to ${quote(output.file)}\n`);
    } else {
      await printResult(await session.query(query), output.kind);
    }
  } finally {
    session.close();
  }
}

/**
 * Athena: the query runs in the workgroup; Ctrl-C (or SIGTERM) stops it there rather than leaving it to scan. The
 * query id and the bytes scanned (what Athena bills) go to stderr, so stdout stays the rows alone.
 */
async function runOnAthena(query: string, flags: SqlFlags, output: Output): Promise<void> {
  const [{ athenaClient }, { runAthenaQuery, AthenaQueryError }, { checkAthenaRead }] = await Promise.all([
    import('../../sql/athena-client.js'),
    import('../../sql/athena.js'),
    import('../../sql/athena-statement.js'),
  ]);
  checkAthenaRead(query);
  const client = athenaClient();
  const interruption = listenForInterruption('athena query', {
    first: 'stopping the Athena query (send it again to exit at once, leaving the query running in Athena)',
    again:
      'exiting at once; the Athena query may still be running (see the console or `aws athena list-query-executions`)',
  });
  try {
    const result = await runAthenaQuery({
      client,
      query,
      workgroup: flags.workgroup!,
      database: flags.database!,
      ...(flags.outputLocation === undefined ? {} : { outputLocation: flags.outputLocation }),
      maxRows: flags.maxRows,
      timeoutMs: flags.timeout * 1000,
      signal: interruption.signal,
    });
    process.stderr.write(
      `marketlake: athena query ${result.queryId}: ${result.bytesScanned} bytes scanned, ` +
        `${result.engineExecutionMs} ms in the engine\n`,
    );
    if (output.kind === 'parquet') throw new Error('unreachable: --parquet is refused with --engine athena');
    await printResult(
      { columns: result.columns.map((c) => ({ name: c.name, type: duckDbTypeName(c.type) })), rows: result.rows },
      output.kind,
    );
  } catch (error) {
    const signalled = interruption.exitCode();
    if (error instanceof AthenaQueryError && error.kind === 'interrupted' && signalled !== undefined) {
      process.stderr.write(`marketlake: ${error.message}\n`);
      process.exitCode = signalled;
      return;
    }
    throw error;
  } finally {
    interruption.dispose();
    client.destroy();
  }
}

/** Athena's type names in DuckDB's spelling, for the text table's alignment (numbers to the right). */
function duckDbTypeName(athenaType: string): string {
  const upper = athenaType.toUpperCase();
  return upper === 'REAL' ? 'FLOAT' : upper;
}

async function printResult(result: QueryResult, kind: 'text' | 'json' | 'csv'): Promise<void> {
  const { toCsv, toJson, toTextTable } = await import('../../sql/output-formats.js');
  const text = kind === 'json' ? toJson(result) : kind === 'csv' ? toCsv(result) : toTextTable(result);
  process.stdout.write(text);
}
