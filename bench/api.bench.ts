/**
 * The HTTP API's speed: `npm run bench:api` (the build first, then node --import tsx bench/api.bench.ts). On a
 * 500-ticker lake made by two daily runs of the sample source (MARKETLAKE_NOW pinned), once on the embedded
 * default (a PGlite home) and once on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end):
 *
 *   throughput   autocannon on loopback, 10 connections, 10 s per endpoint after a 2 s warm-up of each, against
 *                the server of bench/api/reference-server.mjs (serve's app and middlewares in a process of its own):
 *                  GET /bench/constant                    the reference: the same server answering a constant body,
 *                                                         the bytes of one latest-indicators answer
 *                  GET /v1/indicators/{ticker}/latest      every ticker with indicators, in turn
 *                  GET /v1/tickers                         the page's first read (information)
 *                target: latest within 3x of the reference's requests per second, p99 latency reported.
 *   first chart  the page in headless Chromium, a cold browser context per load, on the same server
 *                (bench/api/first-chart.ts), at `/` and at a link `/#ticker=T` in turns; target: drawn within
 *                1.5 s. The first load after the server started (its first SQL read makes the local copy of the
 *                tables) is shown apart.
 *
 * Flags:
 *   --duration S       seconds per endpoint (default 10)
 *   --connections N    autocannon connections (default 10)
 *   --loads N          cold page loads per backend and page (default 7)
 *   --backends LIST    embedded,postgres (default both)
 *   --home DIR         an existing embedded home to read instead of building one (only read)
 *   --tickers N        tickers of the built lakes (default 500)
 * MARKETLAKE_BENCH_POSTGRES_URL: the PostgreSQL server's admin URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { launchChromium, loadOnce, type ChartLoad } from './api/first-chart.js';
import { benchTickers, loadavg, machineInfo, median } from './pipeline/common.js';
import { flag, positiveInt } from './args.js';

const BIN = fileURLToPath(new URL('../bin/marketlake.js', import.meta.url));
const SERVER = fileURLToPath(new URL('./api/reference-server.mjs', import.meta.url));
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];
const WARM_UP_SECONDS = 2;
const RATIO_TARGET = 3;
const FIRST_CHART_TARGET_MS = 1500;

interface Backend {
  name: 'embedded' | 'postgres';
  label: string;
  home: string;
  databaseUrl?: string;
}

/** Two daily runs of `tickers` into `home` (and `databaseUrl`), as the daily job makes them. */
function buildLake(home: string, universe: string, databaseUrl?: string): void {
  for (const now of DAYS) {
    const started = performance.now();
    const args = [BIN, 'run', '--home', home, '--universe', universe, '--json'];
    if (databaseUrl !== undefined) args.push('--database', databaseUrl);
    const result = spawnSync(process.execPath, args, {
      env: { ...process.env, MARKETLAKE_NOW: now },
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
    // Exit 1 with no failed ticker is a complete run in which a ticker's data failed a quality check (the sample
    // source makes one such ticker in 500; status "partial"): that ticker is blocked, the others are in the lake.
    if (result.status !== 0) {
      const summary = JSON.parse(result.stdout || '{}') as { status?: string; tickers_failed?: unknown[] };
      if (result.status !== 1 || summary.tickers_failed?.length !== 0 || summary.status === 'interrupted') {
        throw new Error(
          `marketlake run exited ${result.status} (status ${summary.status}): ${result.stderr || result.error?.message}`,
        );
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.error(
      `built day ${now.slice(0, 10)} (${databaseUrl === undefined ? 'embedded' : 'postgres'}) in ${seconds} s`,
    );
  }
}

/** The tickers the lake holds indicators of, as the server lists them (the page's list). */
async function indicatorTickers(url: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/tickers`);
  if (response.status !== 200) throw new Error(`GET /v1/tickers: ${response.status}`);
  const { tickers } = (await response.json()) as { tickers: { ticker: string; kinds: string[] }[] };
  return tickers.filter((entry) => entry.kinds.includes('indicators')).map((entry) => entry.ticker);
}

interface Served {
  url: string;
  constantPath: string;
  referenceTicker: string;
  constantBytes: number;
  process: ChildProcess;
  log: string;
}

/** The bench's server over `backend`, in a child process; its request log goes to a file (it would flood us). */
async function startServer(backend: Backend, scratch: string): Promise<Served> {
  const log = join(scratch, `server-${backend.name}.log`);
  const logFd = openSync(log, 'w');
  const args = [SERVER, '--home', backend.home];
  if (backend.databaseUrl !== undefined) args.push('--database', backend.databaseUrl);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => {
      const tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
      reject(new Error(`the bench server exited ${code}; the end of its log:\n${tail}`));
    }),
  );
  const firstLine = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const line = await Promise.race([firstLine, exited]);
  return { ...(JSON.parse(line) as Omit<Served, 'process' | 'log'>), process: child, log };
}

async function stopServer(served: Served): Promise<void> {
  if (served.process.exitCode !== null) return;
  const exited = new Promise((resolve) => served.process.once('exit', resolve));
  served.process.kill('SIGTERM');
  await exited;
}

interface Load {
  endpoint: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  bodyBytes: number;
  loadavg1: number;
}

/**
 * autocannon against one endpoint. Every request gets its path from `nextPath` (setupRequest), the constant's
 * too, so the client does the same work for each endpoint. A run with any error or non-2xx answer measured
 * something else (a 429, a 500): it fails the bench.
 */
async function hammer(
  url: string,
  endpoint: string,
  nextPath: () => string,
  seconds: number,
  connections: number,
  bodyBytes: number,
  warmUp = false,
): Promise<Load> {
  const loadavg1 = loadavg()[0];
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: nextPath() }) }],
  });
  // A warm-up may end before a slow endpoint's first answer (/v1/tickers under load); a measured run may not.
  if (result.requests.total === 0 && !warmUp) throw new Error(`${endpoint}: no answer in ${seconds} s`);
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(
      `${endpoint}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`,
    );
  }
  return {
    endpoint,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bodyBytes,
    loadavg1,
  };
}

/** Every ticker's latest answer read once (all must be 200): their mean size, and the file cache warmed. */
async function readEveryLatest(url: string, tickers: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const ticker of tickers) {
    const response = await fetch(`${url}/v1/indicators/${encodeURIComponent(ticker)}/latest`);
    const body = await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`latest of ${ticker}: ${response.status}`);
    bytes += body.byteLength;
  }
  return bytes / tickers.length;
}

async function benchThroughput(served: Served, tickers: readonly string[], seconds: number, connections: number) {
  const latestBytes = await readEveryLatest(served.url, tickers);
  const tickersBytes = (await (await fetch(`${served.url}/v1/tickers`)).arrayBuffer()).byteLength;
  let turn = 0;
  const nextLatest = () => `/v1/indicators/${encodeURIComponent(tickers[turn++ % tickers.length]!)}/latest`;
  const cases: [string, () => string, number][] = [
    [`GET ${served.constantPath} (reference)`, () => served.constantPath, served.constantBytes],
    [`GET /v1/indicators/{ticker}/latest (${tickers.length} tickers in turn)`, nextLatest, latestBytes],
    ['GET /v1/tickers', () => '/v1/tickers', tickersBytes],
  ];
  for (const [name, next, bytes] of cases) {
    await hammer(served.url, name, next, WARM_UP_SECONDS, connections, bytes, true);
  }
  const loads: Load[] = [];
  for (const [name, next, bytes] of cases)
    loads.push(await hammer(served.url, name, next, seconds, connections, bytes));
  return loads;
}

interface Charts {
  /** The first load after the server started: its first SQL read makes the local copy of the tables. */
  first: ChartLoad;
  /** `/`: the first ticker of the list, shown once the list is read. */
  bare: ChartLoad[];
  /** `/#ticker=T`: a link to a ticker, a different one each load, spread over the list. */
  linked: ChartLoad[];
}

async function benchFirstChart(served: Served, tickers: readonly string[], loads: number): Promise<Charts> {
  const browser = await launchChromium();
  try {
    const first = await loadOnce(browser, served.url, tickers[0]!, false);
    const bare: ChartLoad[] = [];
    const linked: ChartLoad[] = [];
    // In turns, so a busy moment of the machine falls on both alike.
    for (let i = 1; i <= loads; i++) {
      bare.push(await loadOnce(browser, served.url, tickers[0]!, false));
      linked.push(await loadOnce(browser, served.url, tickers[(i * 97) % tickers.length]!, true));
    }
    return { first, bare, linked };
  } finally {
    await browser.close();
  }
}

/** A fresh database on the PostgreSQL server; `drop` removes it with any connection left on it. */
async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.MARKETLAKE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `marketlake_bench_api_${process.pid}`;
  const onAdmin = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await onAdmin(`CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => onAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value >= 100 ? value.toFixed(0) : value.toFixed(1));

function throughputTable(results: { backend: Backend; loads: Load[] }[]): string[] {
  const lines = [
    '| backend | endpoint | req/s | p50 ms | p99 ms | body bytes | load (1 min) | reference req/s ÷ this | target |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const { backend, loads } of results) {
    const reference = loads[0]!.requestsPerSecond;
    loads.forEach((load, i) => {
      const ratio = reference / load.requestsPerSecond;
      const target = i !== 1 ? '' : `<= ${RATIO_TARGET}x: ${ratio <= RATIO_TARGET ? 'met' : 'MISSED'}`;
      lines.push(
        `| ${backend.label} | \`${load.endpoint}\` | ${load.requestsPerSecond.toFixed(0)} | ${load.p50} | ` +
          `${load.p99} | ${load.bodyBytes.toFixed(0)} | ${load.loadavg1} | ${ratio.toFixed(2)} | ${target} |`,
      );
    });
  }
  return lines;
}

function chartTables(results: { backend: Backend; charts: Charts }[]): string[] {
  const lines = [
    '| backend | page | loads | drawn: median (min-max) | ready: median | target (drawn) |',
    '|---|---|---:|---:|---:|---|',
  ];
  const row = (backend: Backend, page: string, loads: ChartLoad[]) => {
    const drawn = loads.map((load) => load.drawnMs);
    const verdict = median(drawn) <= FIRST_CHART_TARGET_MS ? 'met' : 'MISSED';
    lines.push(
      `| ${backend.label} | ${page} | ${loads.length} | ${ms(median(drawn))} ms (${ms(Math.min(...drawn))}-` +
        `${ms(Math.max(...drawn))}) | ${ms(median(loads.map((load) => load.readyMs)))} ms | ` +
        `<= ${FIRST_CHART_TARGET_MS} ms: ${verdict} |`,
    );
  };
  for (const { backend, charts } of results) {
    row(backend, '`/`, first load after the server started', [charts.first]);
    row(backend, '`/` (the first ticker)', charts.bare);
    row(backend, '`/#ticker=T` (a link, T varied)', charts.linked);
  }
  lines.push(
    '',
    "When each of the page's requests ended (median, ms from navigation start; -: still in flight when the chart " +
      'was drawn):',
    '',
  );
  const columns = results.flatMap(({ backend, charts }) => [
    { title: `${backend.label}, \`/\``, loads: charts.bare },
    { title: `${backend.label}, \`/#ticker=T\``, loads: charts.linked },
  ]);
  lines.push(`| request | ${columns.map((column) => column.title).join(' | ')} |`);
  lines.push(`|---|${columns.map(() => '---:').join('|')}|`);
  // A request still in flight when the chart was drawn (the list of tickers, for a link) is left out.
  const endOf = (loads: ChartLoad[], path: string) =>
    median(loads.flatMap((load) => (path in load.requestsEndMs ? [load.requestsEndMs[path]!] : [])));
  const paths = [
    ...new Set(columns.flatMap((column) => column.loads.flatMap((load) => Object.keys(load.requestsEndMs)))),
  ];
  paths.sort((a, b) => endOf(columns[0]!.loads, a) - endOf(columns[0]!.loads, b));
  for (const path of paths) {
    lines.push(`| \`${path}\` | ${columns.map((column) => ms(endOf(column.loads, path))).join(' | ')} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const seconds = positiveInt('duration', 10);
  const connections = positiveInt('connections', 10);
  const pageLoads = positiveInt('loads', 7);
  const tickerCount = positiveInt('tickers', 500);
  const wanted = (flag('backends') ?? 'embedded,postgres').split(',');
  const scratch = mkdtempSync(join(tmpdir(), 'marketlake-bench-api-'));
  const universe = join(scratch, 'universe.txt');
  writeFileSync(universe, benchTickers(tickerCount).join('\n') + '\n');
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(scratch, { recursive: true, force: true })];
  const backends: Backend[] = [];
  const loadStart = loadavg();
  try {
    if (wanted.includes('embedded')) {
      const given = flag('home');
      const home = given ?? join(scratch, 'home-embedded');
      if (given === undefined) buildLake(home, universe);
      backends.push({ name: 'embedded', label: 'embedded (PGlite home)', home });
    }
    if (wanted.includes('postgres')) {
      const database = await createDatabase();
      cleanups.unshift(database.drop);
      const home = join(scratch, 'home-postgres');
      buildLake(home, universe, database.url);
      backends.push({ name: 'postgres', label: 'PostgreSQL', home, databaseUrl: database.url });
    }
    const throughput: { backend: Backend; loads: Load[] }[] = [];
    const charts: { backend: Backend; charts: Charts }[] = [];
    for (const backend of backends) {
      const served = await startServer(backend, scratch);
      try {
        const tickers = await indicatorTickers(served.url);
        console.error(`${backend.label}: ${served.url}, ${tickers.length} tickers`);
        throughput.push({ backend, loads: await benchThroughput(served, tickers, seconds, connections) });
        charts.push({ backend, charts: await benchFirstChart(served, tickers, pageLoads) });
      } finally {
        await stopServer(served);
      }
      const errors = readFileSync(served.log, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"level":"error"'));
      if (errors.length > 0) throw new Error(`the server logged ${errors.length} errors, the first: ${errors[0]}`);
    }
    const machine = machineInfo();
    console.log(
      `HTTP API: ${tickerCount} tickers, two daily runs; autocannon ${connections} connections, ${seconds} s per ` +
        `endpoint after ${WARM_UP_SECONDS} s of warm-up; ${pageLoads} cold page loads per backend and page`,
    );
    console.log(
      `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average ` +
        `${loadStart.join(' ')} at start, ${loadavg().join(' ')} at end`,
    );
    console.log('');
    console.log(throughputTable(throughput).join('\n'));
    console.log('');
    console.log(chartTables(charts).join('\n'));
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

await main();
