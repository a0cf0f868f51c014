/**
 * SQL over the lake: `npm run bench:sql` (node --import tsx bench/sql.bench.ts). The built CLI (`npm run build`
 * first) on a 500-ticker embedded lake with two years of history (one `marketlake run` of the bench tickers, then
 * `tables rebuild`):
 *
 *   queries, end to end from the shell, one process per query (start-up included):
 *     marketlake sql ... --json        the command as a user runs it
 *     duckdb direct                    the reference: `node -e` with @duckdb/node-api, read_parquet over the same
 *                                      local Parquet files (the sql command's local copy), the same SQL and views
 *                                      (only those the query reads), the rows printed as JSON
 *     node -e 0                        a bare Node start-up
 *   targets: each query within 1.5x of the direct DuckDB reference, and under 1 s.
 *
 *   tables rebuild of the lake (fresh tables: a copy of the lake without tables/, a fresh cache folder each time):
 *     CLI                              `marketlake tables rebuild` from the shell
 *     in process                       rebuildTables(); and apart, one after the other, its two halves:
 *                                      readTableBatches (what it reads and makes) and writeTableBatches (what it
 *                                      renders and puts), which rebuildTables overlaps for the prices' files
 *     from memory                      the reference: writeTableBatches of the same batches, read once before and
 *                                      kept in memory (a first snapshot's prices as columns, made when written,
 *                                      as in the rebuild and in a run), into a fresh lake; checked to write the
 *                                      same files, by their keys
 *   target: rebuildTables within 2x of the reference.
 *
 * Each round runs every case once, in order, so a busy moment of the machine falls on all cases alike; the tables
 * give each case's median and minimum over the rounds.
 *
 * Flags:
 *   --home DIR          an existing home with a rebuilt lake (its lake only read; the sql command keeps its local
 *                       copy under it); default: one built in a temp folder, removed at the end
 *   --tickers N         tickers of the built home (default 500)
 *   --rounds N          query rounds (default 7)
 *   --rebuild-rounds N  rebuild rounds (default 5)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapAll } from '../src/concurrency.js';
import { parseRawDocument } from '../src/lake/formats/raw-parse.js';
import { fetchObject } from '../src/lake-scan/fetch.js';
import { listLakeKeys } from '../src/lake-scan/scope.js';
import { readTableBatches, rebuildTables, writeTableBatches } from '../src/rebuild/tables/rebuild-tables.js';
import { FsObjectStore } from '../src/storage/fs/fs-object-store.js';
import type { TableName } from '../src/tables/schema.js';
import { VIEWS } from '../src/tables/views.js';
import { benchTickers, loadavg, machineInfo, median } from './pipeline/common.js';
import { flag, positiveInt } from './args.js';

const BIN = fileURLToPath(new URL('../bin/marketlake.js', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOW = '2026-12-02T22:00:00Z';

/** Runs a command to completion; throws with its stderr when it fails, since a failed case times nothing useful. */
function run(command: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command.slice(0, 4).join(' ')} ... exited ${result.status}: ${result.stderr || result.error?.message}`,
    );
  }
  return result.stdout;
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => run([process.execPath, BIN, ...args], env);

/** Wall milliseconds of one run of `command`, its output discarded. */
function timeOnce(command: string[]): number {
  const started = performance.now();
  const result = spawnSync(command[0]!, command.slice(1), { cwd: ROOT, stdio: 'ignore' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command.slice(0, 4).join(' ')} ... exited ${result.status}`);
  return elapsed;
}

function buildHome(tickers: number): { home: string; remove: () => void } {
  const scratch = mkdtempSync(join(tmpdir(), 'marketlake-bench-sql-'));
  const home = join(scratch, 'home');
  const universe = join(scratch, 'universe.txt');
  writeFileSync(universe, benchTickers(tickers).join('\n') + '\n');
  let started = performance.now();
  cli(['run', '--home', home, '--universe', universe, '--json'], { MARKETLAKE_NOW: NOW });
  console.error(`built ${tickers} tickers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  cli(['tables', 'rebuild', '--home', home]);
  console.error(`tables rebuild in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { home, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}

interface QueryCase {
  name: string;
  sql: string;
  /** The tables and shared views the reference creates, in order. */
  tables: TableName[];
  views: string[];
}

/**
 * The reference: a plain DuckDB over the same local Parquet files, the views the query reads made with
 * read_parquet over a glob (no confinement, no lake listing, no copy check), the rows printed as JSON.
 */
function referenceScript(copy: string, query: QueryCase): string {
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const statements = [
    ...query.tables.map(
      (table) =>
        `CREATE VIEW "${table}" AS SELECT * FROM read_parquet(${literal(join(copy, table, '*', '*.parquet'))}, ` +
        'hive_partitioning = true)',
    ),
    ...query.views.map((name) => VIEWS.find((view) => view.name === name)!.statement),
  ];
  return `
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  for (const statement of ${JSON.stringify(statements)}) await connection.run(statement);
  const reader = await connection.runAndReadAll(${JSON.stringify(query.sql)});
  process.stdout.write(JSON.stringify(reader.getRowObjectsJson()) + '\\n');
  connection.closeSync();
  instance.closeSync();
})();`;
}

const DIST = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;

/**
 * Where the time of one `marketlake sql` goes: the command's steps replayed in a fresh process from the built
 * modules, each timed (what the CLI loads, DuckDB's load, the lake and its copy, the session, the query, the
 * output). Prints a JSON object: milliseconds per step, in order.
 */
function phasesScript(home: string, sql: string): string {
  const load = (paths: string[]) => paths.map((path) => `import(${JSON.stringify(DIST(path))})`).join(', ');
  return `
const laps = {};
let t = performance.now();
const lap = (name) => { laps[name] = performance.now() - t; t = performance.now(); };
await import(${JSON.stringify(DIST('cli/main.js'))});
await import(${JSON.stringify(DIST('cli/commands/sql-command.js'))});
lap('CLI modules (main.js and the sql command module)');
const [{ resolveConfig }, { openObjectStore }, { tablesCacheDir }, { syncLocalTables }, { lakeSessionViews, tablesNamedIn }] =
  await Promise.all([${load(['config.js', 'storage/open-store.js', 'cli/commands/table-commands.js', 'tables/local-copy.js', 'sql/lake-views.js'])}]);
lap('modules of the sql action');
const { openSqlSession } = await import(${JSON.stringify(DIST('sql/duckdb-session.js'))});
lap('DuckDB and the session module');
const config = resolveConfig({ home: ${JSON.stringify(home)} });
const store = await openObjectStore(config);
const sql = ${JSON.stringify(sql)};
const local = await syncLocalTables(store, tablesCacheDir(config, store), tablesNamedIn(sql));
lap('open the lake, check the local copy');
const session = await openSqlSession({
  readableDirectories: [local.root], views: lakeSessionViews(local), timeLimitMs: 60000, maxRows: 100000 });
lap('open the session (views, lock-down)');
const result = await session.query(sql);
lap('the query (gate, run, rows to JSON values)');
const { toJson } = await import(${JSON.stringify(DIST('sql/output-formats.js'))});
toJson(result);
session.close();
lap('output and close');
process.stdout.write(JSON.stringify(laps));`;
}

/** The local copy the sql command made under the home (one lake, so one folder). */
function localCopyOf(home: string): string {
  const folders = readdirSync(join(home, 'cache', 'tables'));
  if (folders.length !== 1) throw new Error(`expected one local copy under ${home}/cache/tables, found ${folders}`);
  return join(home, 'cache', 'tables', folders[0]!);
}

interface Stats {
  median: number;
  min: number;
}
const statsOf = (values: readonly number[]): Stats => ({ median: median(values), min: Math.min(...values) });
const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

async function benchQueries(home: string, rounds: number): Promise<string[]> {
  const lastAsOf = (
    JSON.parse(cli(['sql', 'SELECT max(as_of) AS d FROM indicators', '--home', home, '--json'])) as {
      d: string;
    }[]
  )[0]!.d;
  const queries: QueryCase[] = [
    {
      name: '(a) aggregate over prices',
      sql: 'SELECT ticker, count(*) AS n, avg(close) AS avg_close FROM prices GROUP BY ticker',
      tables: ['prices'],
      views: [],
    },
    {
      name: '(a) aggregate over prices_latest',
      sql: 'SELECT ticker, count(*) AS n, avg(close) AS avg_close FROM prices_latest GROUP BY ticker',
      tables: ['prices'],
      views: ['price_history', 'prices_latest'],
    },
    {
      name: '(b) screen on indicators_latest',
      sql: `SELECT ticker, rsi_14 FROM indicators_latest WHERE rsi_14 < 30 AND as_of = DATE '${lastAsOf}'`,
      tables: ['indicators'],
      views: ['indicators_latest'],
    },
  ];
  // The first run of each query fills the local copy; the rows of both sides must agree before timing means much.
  for (const query of queries) {
    const ours = JSON.parse(cli(['sql', query.sql, '--home', home, '--json'])) as unknown[];
    const reference = JSON.parse(run([process.execPath, '-e', referenceScript(localCopyOf(home), query)])) as unknown[];
    if (ours.length !== reference.length) {
      throw new Error(`${query.name}: marketlake sql gave ${ours.length} rows, the reference ${reference.length}`);
    }
    console.error(`${query.name}: ${ours.length} rows`);
  }
  const copy = localCopyOf(home);
  const commands: { name: string; command: string[] }[] = [
    { name: 'node -e 0', command: [process.execPath, '-e', '0'] },
    { name: 'marketlake --help', command: [process.execPath, BIN, '--help'] },
  ];
  for (const query of queries) {
    commands.push(
      {
        name: `${query.name}: marketlake sql`,
        command: [process.execPath, BIN, 'sql', query.sql, '--home', home, '--json'],
      },
      { name: `${query.name}: duckdb direct`, command: [process.execPath, '-e', referenceScript(copy, query)] },
    );
  }
  for (const c of commands) timeOnce(c.command); // warm-up (file cache)
  const times = commands.map((): number[] => []);
  const phases = new Map<string, number[]>();
  const screen = queries[queries.length - 1]!;
  for (let round = 0; round < rounds; round++) {
    commands.forEach((c, i) => times[i]!.push(timeOnce(c.command)));
    const script = phasesScript(home, screen.sql);
    const laps = JSON.parse(run([process.execPath, '--input-type=module', '-e', script])) as Record<string, number>;
    for (const [name, ms] of Object.entries(laps)) phases.set(name, [...(phases.get(name) ?? []), ms]);
  }
  const stats = times.map(statsOf);
  const node = stats[0]!;
  const help = stats[1]!;
  const lines = [
    `Queries: ${rounds} rounds, one process each (start-up included); SQL as run:`,
    '',
    ...queries.map((q) => `- ${q.name}: \`${q.sql}\``),
    '',
    '| query | marketlake sql median (min) | duckdb direct median (min) | ratio | node -e 0 | targets (<= 1.5x, < 1 s) |',
    '|---|---:|---:|---:|---:|---|',
  ];
  queries.forEach((query, q) => {
    const ours = stats[2 + 2 * q]!;
    const reference = stats[3 + 2 * q]!;
    const ratio = ours.median / reference.median;
    const verdict = `${ratio <= 1.5 ? 'met' : 'MISSED'}, ${ours.median < 1000 ? 'met' : 'MISSED'}`;
    lines.push(
      `| ${query.name} | ${seconds(ours.median)} (${seconds(ours.min)}) | ${seconds(reference.median)} ` +
        `(${seconds(reference.min)}) | ${ratio.toFixed(2)} | ${seconds(node.median)} | ${verdict} |`,
    );
  });
  lines.push(
    '',
    `Start-up: \`node -e 0\` ${seconds(node.median)} (min ${seconds(node.min)}), \`marketlake --help\` ` +
      `${seconds(help.median)} (min ${seconds(help.min)}).`,
    '',
    `Where the time of ${screen.name} goes (its steps replayed from the built modules in a fresh process, ` +
      `${rounds} rounds; the Node start-up before them not included):`,
    '',
    '| step | median | min |',
    '|---|---:|---:|',
    ...[...phases].map(([name, values]) => {
      const { median: m, min } = statsOf(values);
      return `| ${name} | ${m.toFixed(0)} ms | ${min.toFixed(0)} ms |`;
    }),
  );
  return lines;
}

async function benchRebuild(home: string, rounds: number): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'marketlake-bench-sql-rebuild-'));
  const lake = join(home, 'lake');
  const freshLake = (name: string): string => {
    const target = join(scratch, name);
    rmSync(target, { recursive: true, force: true });
    cpSync(lake, target, { recursive: true, filter: (source) => !source.startsWith(join(lake, 'tables')) });
    return target;
  };
  try {
    // The batches of every table as tables rebuild makes them, read once from a fresh copy and kept in memory:
    // what the reference writes (a first snapshot's prices stay columns, made when written, as in the rebuild).
    const prepared = await FsObjectStore.open(freshLake('prepared-lake'));
    const { batches } = await readTableBatches({ store: prepared, cacheDir: join(scratch, 'prepared-cache') });

    const cliTimes: number[] = [];
    const inProcess: number[] = [];
    const reading: number[] = [];
    const writing: number[] = [];
    const reference: number[] = [];
    let sameFiles = true;
    let totalRows = 0;
    let fileCount = 0;
    const steps = {
      list: [] as number[],
      fetch: [] as number[],
      parseRaw: [] as number[],
      parseProcessed: [] as number[],
    };
    for (let round = 0; round < rounds; round++) {
      const cliLake = freshLake('cli-lake');
      const cliHome = join(scratch, 'cli-home');
      rmSync(cliHome, { recursive: true, force: true });
      cliTimes.push(
        timeOnce([process.execPath, BIN, 'tables', 'rebuild', '--home', cliHome, '--lake', `file://${cliLake}`]),
      );

      const store = await FsObjectStore.open(freshLake('in-process-lake'));
      let started = performance.now();
      const rebuilt = await rebuildTables({ store, cacheDir: join(scratch, `cache-${round}`) });
      inProcess.push(performance.now() - started);
      if (rebuilt.failed.length > 0) throw new Error(`rebuild failed: ${JSON.stringify(rebuilt.failed.slice(0, 3))}`);
      totalRows = Object.values(rebuilt.tables).reduce((sum, table) => sum + table.rows, 0);
      fileCount = rebuilt.files.length;

      // Its two halves one after the other (rebuildTables overlaps the prices' files with the reading).
      const halves = await FsObjectStore.open(freshLake('halves-lake'));
      started = performance.now();
      const read = await readTableBatches({ store: halves, cacheDir: join(scratch, `halves-cache-${round}`) });
      const halfway = performance.now();
      await writeTableBatches(halves, read.batches);
      reading.push(halfway - started);
      writing.push(performance.now() - halfway);

      // The reading side alone, step by step, on the same lake: list, fetch every JSON object, parse.
      let mark = performance.now();
      const listed = await listLakeKeys(store, ['raw/', 'processed/']);
      steps.list.push(performance.now() - mark);
      mark = performance.now();
      const bodies = await mapAll(listed, 4, async ({ key }) => ({ key, fetched: await fetchObject(store, key) }));
      steps.fetch.push(performance.now() - mark);
      mark = performance.now();
      for (const { key, fetched } of bodies) {
        if (fetched.status === 'ok' && key.startsWith('raw/')) {
          parseRawDocument(Buffer.from(fetched.body).toString('utf8'), key);
        }
      }
      steps.parseRaw.push(performance.now() - mark);
      mark = performance.now();
      for (const { key, fetched } of bodies) {
        if (fetched.status === 'ok' && key.startsWith('processed/')) {
          JSON.parse(Buffer.from(fetched.body).toString('utf8'));
        }
      }
      steps.parseProcessed.push(performance.now() - mark);

      const target = await FsObjectStore.open(join(scratch, `reference-lake-${round}`));
      const referenceStarted = performance.now();
      const referenceFiles = await writeTableBatches(target, batches);
      reference.push(performance.now() - referenceStarted);
      const keysOf = (files: readonly { key: string }[]) => JSON.stringify(files.map((file) => file.key).sort());
      sameFiles &&= keysOf(referenceFiles.files) === keysOf(rebuilt.files);
    }
    const [c, p, r, w, m] = [cliTimes, inProcess, reading, writing, reference].map(statsOf) as Stats[];
    const ratio = p!.median / m!.median;
    return [
      `tables rebuild: ${rounds} rounds, fresh tables each time (${totalRows} rows in ${fileCount} files); ` +
        `the reference ${sameFiles ? 'wrote the same files (same keys, so the same bytes)' : 'wrote OTHER files'}`,
      '',
      '| case | median | min | x reference |',
      '|---|---:|---:|---:|',
      `| \`marketlake tables rebuild\` (CLI, start-up included) | ${seconds(c!.median)} | ${seconds(c!.min)} | ${(c!.median / m!.median).toFixed(2)} |`,
      `| rebuildTables() in process | ${seconds(p!.median)} | ${seconds(p!.min)} | ${ratio.toFixed(2)} (target <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'}) |`,
      `| its halves one after the other: readTableBatches (copy check, lineage, listing, reading and parsing the JSON objects, making the rows) | ${seconds(r!.median)} | ${seconds(r!.min)} | |`,
      `| - and writeTableBatches (rendering the files, puts) | ${seconds(w!.median)} | ${seconds(w!.min)} | |`,
      `| reference: writeTableBatches of the same batches, kept in memory | ${seconds(m!.median)} | ${seconds(m!.min)} | 1.00 |`,
      '',
      'The reading side measured apart, step by step (the functions rebuildTables calls, on the same lake):',
      '',
      '| step | median | min |',
      '|---|---:|---:|',
      ...(
        [
          ['list raw/ and processed/, keys only (listLakeKeys)', steps.list],
          ['fetch every object, sha256 checked (fetchObject, 4 at a time)', steps.fetch],
          ['parse the raw snapshots (parseRawDocument)', steps.parseRaw],
          ['JSON.parse of the processed objects', steps.parseProcessed],
        ] as const
      ).map(([name, values]) => `| ${name} | ${seconds(statsOf(values).median)} | ${seconds(statsOf(values).min)} |`),
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const given = flag('home');
  const tickers = positiveInt('tickers', 500);
  const built = given === undefined ? buildHome(tickers) : undefined;
  const home = given ?? built!.home;
  try {
    const machine = machineInfo();
    const queryLines = await benchQueries(home, positiveInt('rounds', 7));
    const rebuildLines = await benchRebuild(home, positiveInt('rebuild-rounds', 5));
    console.log(`SQL over the lake: home ${given ?? `built (${tickers} tickers, two years, one run)`}`);
    console.log(
      `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average ${loadavg().join(' ')}`,
    );
    console.log('');
    console.log(queryLines.join('\n'));
    console.log('');
    console.log(rebuildLines.join('\n'));
  } finally {
    built?.remove();
  }
}

await main();
