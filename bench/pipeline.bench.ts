/**
 * Pipeline benchmark: `npm run bench:pipeline` (node --import tsx bench/pipeline.bench.ts).
 *
 * 1. The daily run (runDaily, with the warehouse catalog as `marketlake run` has it) for N synthetic tickers of
 *    the sample source, two years of bars (start = end - 2 years), concurrency 4, computation version 1.0, on
 *    - embedded: FsObjectStore in a temp folder + PGlite in a temp home;
 *    - s3: S3ObjectStore on a fresh versioned bucket of the Ceph RGW endpoint + a fresh PostgreSQL database.
 * 2. In the same process, each backend's floor: the same objects (count and sizes, from the catalog) written
 *    bare at the same concurrency, plus the same result rows bulk-inserted in one transaction into a fresh
 *    database of the same kind. Reports run/floor (target <= 1.5x), and the CPU work (generation, compute,
 *    rendering) alone, and the summed latency of each step inside the run.
 * 3. getLatest('indicators', ticker) with 1, 100 and 10,000 stored versions: object-store requests and median time,
 *    without and with the catalog.
 * The database open and migrations are outside every timing.
 *
 * Flags:
 *   --tickers N               default 500
 *   --backends LIST           embedded,s3 (default both; s3 is skipped LOUDLY when RGW or PostgreSQL is down)
 *   --concurrency N           default 4
 *   --versions LIST           getLatest version counts (default 1,100,10000)
 *   --s3-versions LIST        the same on s3 (default: --versions)
 *   --calls N                 timed getLatest calls per case (default 9, plus one warm-up)
 *   --populate-concurrency N  indicators writes in flight while storing the versions (default 16)
 *   --s3-create-only MODE     verify (default, the store's default) or server: a what-if with one request per
 *                             put, which is NOT safe on RGW (it ignores If-None-Match on versioned buckets)
 *   --repeat N                fresh backend, run and floor N times (default 1); getLatest on the last only
 *   --diagnose                also one run per backend at concurrency 1 (no floor): a per-ticker time budget
 *                             without queueing, for "where the time goes"
 *   --skip-cpu / --skip-floor / --skip-getlatest
 *   --days N                  the multi-day mode INSTEAD of the parts above (bench/pipeline/multi-day.ts): N daily
 *                             runs on one home, a calendar day apart from --first-day (default 2026-11-02, a
 *                             Monday), the vendor restating bars from --restate-day (default 6; 0: never); each
 *                             day against its floor (unless --skip-floor), its rows written and the growth
 *   --tables-cost N           INSTEAD of the parts above: N pairs of fresh homes, one running two days with the lake's
 *                             tables and one without (bench/pipeline/feature-cost.ts): what the tables add to a run
 *   --tables-cost-days N      INSTEAD: ONE home, a first run, then N pairs of weekdays with and without the tables
 *                             in ABBA order (feature-cost.ts measureDayAfterCost): the days after the first
 *   --quality-cost N          the same for the quality checks (with and without; the tables on both sides), and
 *                             the checks' own work timed alone on each pair's data (bench/pipeline/quality-share.ts)
 *   --json [FILE]             also write the results (default bench/pipeline/results/latest.json)
 *   --docs [FILE]             update the generated block of `## Pipeline` in docs/benchmarks.md (or FILE)
 *
 * Environment: MARKETLAKE_TEST_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY (defaults of scripts/rgw.sh),
 * MARKETLAKE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComputationVersion } from '../src/compute/fields.js';
import { dateRange } from '../src/pipeline/daily-run.js';
import {
  disposeAll,
  openEmbedded,
  openS3,
  s3BackendProblem,
  type Backend,
  type BackendName,
} from './pipeline/backends.js';
import { benchTickers, bytes, int, loadavg, machineInfo, msSince, now, seconds } from './pipeline/common.js';
import { measureObjectFloor, measureRowFloor } from './pipeline/floor.js';
import { measureGetLatest } from './pipeline/getlatest.js';
import { daysTable, measureDays, type DaysResult } from './pipeline/multi-day.js';
import { measureStatementOverhead } from './pipeline/overhead.js';
import {
  busyTable,
  cpuTable,
  generatedMarkdown,
  getLatestTable,
  overheadTable,
  perTickerTable,
  ratioSummary,
  runTable,
  updateDocs,
  type BackendResult,
  type PipelineResults,
} from './pipeline/report.js';
import { measureCpuPass, measureRun, type RunSettings } from './pipeline/run.js';
import {
  type CostedFeature,
  dayAfterCostTable,
  featureCostTable,
  measureDayAfterCost,
  measureFeatureCost,
} from './pipeline/feature-cost.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 1.5;

// ---------------------------------------------------------------------------------------------------- flags

const argv = process.argv.slice(2);
function flag(name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const next = argv[i + 1];
  return next !== undefined && !next.startsWith('--') ? next : '';
}
function positiveInt(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${text}`);
  return n;
}
function intList(name: string, fallback: number[]): number[] {
  const text = flag(name);
  if (text === undefined || text === '') return fallback;
  return text.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: ${part} is not a positive integer`);
    return n;
  });
}

const TICKERS = positiveInt('--tickers', 500);
const CONCURRENCY = positiveInt('--concurrency', 4);
const BACKENDS = (flag('--backends') || 'embedded,s3').split(',').map((b) => b.trim()) as BackendName[];
for (const b of BACKENDS)
  if (b !== 'embedded' && b !== 's3') throw new RangeError(`--backends: unknown backend ${b} (embedded, s3)`);
const VERSIONS = intList('--versions', [1, 100, 10_000]);
const S3_VERSIONS = intList('--s3-versions', VERSIONS);
const CALLS = positiveInt('--calls', 9);
const REPEAT = positiveInt('--repeat', 1);
const S3_CREATE_ONLY = (flag('--s3-create-only') || 'verify') as 'verify' | 'server';
if (S3_CREATE_ONLY !== 'verify' && S3_CREATE_ONLY !== 'server')
  throw new RangeError(`--s3-create-only: verify or server, not ${String(S3_CREATE_ONLY)}`);
const POPULATE_CONCURRENCY = positiveInt('--populate-concurrency', 16);
const SKIP_CPU = argv.includes('--skip-cpu');
const DIAGNOSE = argv.includes('--diagnose');
const SKIP_FLOOR = argv.includes('--skip-floor');
const SKIP_GETLATEST = argv.includes('--skip-getlatest');
const jsonFlag = flag('--json');
const JSON_PATH =
  jsonFlag === undefined ? undefined : jsonFlag || join(REPO_ROOT, 'bench/pipeline/results/latest.json');
const docsFlag = flag('--docs');
const DOCS_PATH = docsFlag === undefined ? undefined : docsFlag || join(REPO_ROOT, 'docs/benchmarks.md');
const VERSION: ComputationVersion = '1.0';
const DAYS = flag('--days') === undefined ? undefined : positiveInt('--days', 10);
const FIRST_DAY = flag('--first-day') || '2026-11-02';
if (!/^\d{4}-\d{2}-\d{2}$/.test(FIRST_DAY)) throw new RangeError(`--first-day: YYYY-MM-DD, not ${FIRST_DAY}`);
const RESTATE_DAY = flag('--restate-day') === '0' ? 0 : positiveInt('--restate-day', 6);
const TABLES_COST = flag('--tables-cost') === undefined ? undefined : positiveInt('--tables-cost', 3);
const TABLES_COST_DAYS = flag('--tables-cost-days') === undefined ? undefined : positiveInt('--tables-cost-days', 10);
const QUALITY_COST = flag('--quality-cost') === undefined ? undefined : positiveInt('--quality-cost', 3);

const log = (line = ''): void => console.log(line);

// ---------------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  if (DAYS !== undefined) return mainDays(DAYS);
  if (TABLES_COST !== undefined) return mainFeatureCost('tables', TABLES_COST);
  if (TABLES_COST_DAYS !== undefined) return mainFeatureCost('tables', TABLES_COST_DAYS, true);
  if (QUALITY_COST !== undefined) return mainFeatureCost('quality', QUALITY_COST);
  const machine = machineInfo();
  const loadStart = loadavg();
  const range = dateRange(new Date(), '2y');
  const tickers = benchTickers(TICKERS);
  const settings: RunSettings = {
    tickers,
    start: range.start,
    end: range.end,
    concurrency: CONCURRENCY,
    computationVersion: VERSION,
  };
  const command = `npm run bench:pipeline --${argv.length ? ` ${argv.join(' ')}` : ''}   # node --import tsx bench/pipeline.bench.ts`;

  log(`marketlake pipeline benchmark  ${new Date().toISOString()}`);
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}`,
  );
  log(`load average: ${loadStart.join(' / ')}`);
  log(
    `run: ${tickers.length} tickers (${tickers.slice(0, 3).join(', ')} ... ${tickers[tickers.length - 1]}), ${range.start}..${range.end}, concurrency ${CONCURRENCY}, version ${VERSION}`,
  );

  const results: PipelineResults = {
    date: new Date().toISOString().slice(0, 10),
    command,
    machine,
    loadStart,
    loadEnd: loadStart,
    settings: {
      tickers: tickers.length,
      sample: tickers,
      start: range.start,
      end: range.end,
      concurrency: CONCURRENCY,
      computationVersion: VERSION,
    },
    backends: [],
    diagnostics: [],
    skipped: [],
    target: TARGET,
  };

  if (!SKIP_CPU) {
    log('\n== CPU work alone (sample generation, computeResults, rendering), one thread, no I/O');
    results.cpuPass = await measureCpuPass(settings, new Date());
    log(cpuTable(results, false));
  }

  for (const name of BACKENDS) {
    if (name === 's3') {
      const problem = await s3BackendProblem();
      if (problem !== undefined) {
        const bar = '!'.repeat(100);
        console.warn(
          `\n${bar}\n!!! S3 + PostgreSQL backend NOT RUN: ${problem}\n!!! Only the embedded figures below are real.\n${bar}`,
        );
        results.skipped.push({ backend: 's3', reason: problem });
        continue;
      }
    }
    for (let attempt = 1; attempt <= REPEAT; attempt++) {
      log(`\n== ${name}${REPEAT > 1 ? ` (attempt ${attempt} of ${REPEAT})` : ''}: opening (not timed)`);
      const backend = name === 'embedded' ? await openEmbedded() : await openS3({ createOnly: S3_CREATE_ONLY });
      try {
        const result = await benchBackend(backend, settings, attempt === REPEAT);
        result.attempt = attempt;
        results.backends.push(result);
      } finally {
        const t0 = now();
        await backend.dispose();
        const last = results.backends[results.backends.length - 1];
        if (last?.name === name) last.disposeMs = msSince(t0);
      }
    }
    if (DIAGNOSE) {
      log(`\n== ${name}: diagnostic run at concurrency 1 (no floor)`);
      const backend = name === 'embedded' ? await openEmbedded() : await openS3({ createOnly: S3_CREATE_ONLY });
      try {
        const run = await measureRun(backend, { ...settings, concurrency: 1 });
        const { objects, ...rest } = run;
        results.diagnostics.push({
          name,
          label: backend.label,
          run: rest,
          tickers: settings.tickers.length,
          objects: objects.length,
        });
        log(`   ${seconds(run.wallMs)} s wall, ${seconds(run.cpuMs)} s CPU`);
      } finally {
        await backend.dispose();
      }
    }
  }
  if (results.diagnostics.length > 0) {
    log('\n== Per ticker at concurrency 1 (diagnostic)');
    log(perTickerTable(results, false));
  }
  results.loadEnd = loadavg();

  log('\n== Summary');
  log(runTable(results, false));
  for (const line of ratioSummary(results)) log(line);
  const overhead = overheadTable(results, false);
  if (overhead) log(`\n${overhead}`);
  if (results.backends.some((b) => b.getLatest)) {
    log("\n== getLatest('indicators', ticker)");
    log(getLatestTable(results, false));
  }
  for (const skip of results.skipped) console.warn(`\n!!! ${skip.backend} NOT RUN: ${skip.reason}`);
  log(`\nload average at the end: ${results.loadEnd.join(' / ')}`);

  if (JSON_PATH) {
    mkdirSync(dirname(JSON_PATH), { recursive: true });
    writeFileSync(JSON_PATH, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${JSON_PATH}`);
  }
  if (DOCS_PATH) {
    updateDocs(DOCS_PATH, generatedMarkdown(results));
    log(`updated the Pipeline section of ${DOCS_PATH}`);
  }
}

async function benchBackend(backend: Backend, settings: RunSettings, last: boolean): Promise<BackendResult> {
  log(`   ${backend.label}: ${backend.where}`);
  log(`== ${backend.name}: daily run`);
  const run = await measureRun(backend, settings);
  const byKind: Record<string, { count: number; bytes: number }> = {};
  for (const o of run.objects) {
    const k = (byKind[o.kind] ??= { count: 0, bytes: 0 });
    k.count++;
    k.bytes += o.size;
  }
  const objectBytes = run.objects.reduce((n, o) => n + o.size, 0);
  log(
    `   ${seconds(run.wallMs)} s wall, ${seconds(run.cpuMs)} s CPU; status ${run.summary.status}; ${int(run.objects.length)} objects (${bytes(objectBytes)}); ` +
      `rows ${Object.entries(run.rows)
        .map(([t, n]) => `${t} ${int(n)}`)
        .join(', ')}`,
  );
  if (run.summary.status !== 'ok')
    console.warn(`!!! the run was ${run.summary.status}: ${JSON.stringify(run.summary.tickers_failed.slice(0, 3))}`);
  if (run.listedObjects !== run.objects.length)
    console.warn(`!!! the store lists ${run.listedObjects} objects, the catalog has ${run.objects.length}`);
  if (run.s3Requests)
    log(
      `   S3 requests: ${Object.entries(run.s3Requests)
        .map(([k, v]) => `${k} ${int(v)}`)
        .join(', ')}`,
    );

  const { objects, ...runRest } = run;
  const result: BackendResult = {
    name: backend.name,
    label: backend.label,
    where: backend.where,
    run: { ...runRest, objectCount: objects.length, objectBytes, byKind },
  };
  log(busyTable(result, false));

  if (!SKIP_FLOOR) {
    log(`== ${backend.name}: floor`);
    result.objectFloor = await measureObjectFloor(backend, objects, settings.concurrency);
    log(
      `   objects: ${result.objectFloor.label}: ${int(result.objectFloor.objects)} objects, ${bytes(result.objectFloor.bytes)} in ${seconds(result.objectFloor.wallMs)} s`,
    );
    if (backend.name === 'embedded') {
      result.durableObjectFloor = await measureObjectFloor(backend, objects, settings.concurrency, { durable: true });
      log(`   (for comparison, ${result.durableObjectFloor.label}: ${seconds(result.durableObjectFloor.wallMs)} s)`);
    }
    const floorWarehouse = await backend.openFloorWarehouse();
    try {
      result.rowFloor = await measureRowFloor(backend.warehouse, floorWarehouse);
    } finally {
      await floorWarehouse.close();
    }
    log(
      `   rows: ${Object.entries(result.rowFloor.rows)
        .map(([t, n]) => `${t} ${int(n)}`)
        .join(', ')} in ${result.rowFloor.statements} INSERTs: ${seconds(result.rowFloor.wallMs)} s`,
    );
    result.floorMs = result.objectFloor.wallMs + result.rowFloor.wallMs;
    result.ratio = run.wallMs / result.floorMs;
    log(
      `   floor ${seconds(result.floorMs)} s; run/floor ${result.ratio.toFixed(2)}x (target <= ${TARGET}x: ${result.ratio <= TARGET ? 'met' : 'MISSED'})`,
    );
  }

  if (last) {
    result.overhead = await measureStatementOverhead(backend.warehouse);
    log(`   database round trips: ${result.overhead.map((o) => `${o.what} ${o.msPerOp.toFixed(2)} ms`).join('; ')}`);
  }

  if (!SKIP_GETLATEST && last) {
    const versions = backend.name === 's3' ? S3_VERSIONS : VERSIONS;
    log(`== ${backend.name}: getLatest('indicators', ticker) with ${versions.join(', ')} versions`);
    result.getLatest = await measureGetLatest(backend, {
      versions,
      calls: CALLS,
      end: settings.end,
      populateConcurrency: POPULATE_CONCURRENCY,
      log,
    });
  }
  return result;
}

/** `--tables-cost` / `--quality-cost` (fresh homes), or `--tables-cost-days` (`onOneHome`: days after the first). */
async function mainFeatureCost(feature: CostedFeature, pairs: number, onOneHome = false): Promise<void> {
  const machine = machineInfo();
  const mode = `${feature}-cost mode${onOneHome ? ' on the days after the first' : ''}`;
  log(`marketlake pipeline benchmark, ${mode}  ${new Date().toISOString()}`);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`);
  log(`command: npm run bench:pipeline -- ${argv.join(' ')}`);
  log(`load average before: ${loadavg().join(' / ')}`);
  const settings = {
    feature,
    tickers: benchTickers(TICKERS),
    concurrency: CONCURRENCY,
    computationVersion: VERSION,
    pairs,
    firstDay: FIRST_DAY,
  };
  const table = onOneHome
    ? dayAfterCostTable(feature, await measureDayAfterCost(settings, log))
    : featureCostTable(feature, await measureFeatureCost(settings, log));
  log(`load average after: ${loadavg().join(' / ')}`);
  log('');
  log(table);
}

async function mainDays(days: number): Promise<void> {
  const machine = machineInfo();
  log(`marketlake pipeline benchmark, multi-day mode  ${new Date().toISOString()}`);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`);
  log(`command: npm run bench:pipeline -- ${argv.join(' ')}`);
  log(
    `${TICKERS} tickers, ${days} days from ${FIRST_DAY}, restating from day ${RESTATE_DAY}, concurrency ${CONCURRENCY}`,
  );
  const results: DaysResult[] = [];
  for (const name of BACKENDS) {
    if (name === 's3') {
      const problem = await s3BackendProblem();
      if (problem !== undefined) {
        console.warn(`\n!!! S3 + PostgreSQL backend NOT RUN: ${problem}`);
        continue;
      }
    }
    log(`\n== ${name}: opening (not timed)`);
    const backend = name === 'embedded' ? await openEmbedded() : await openS3({ createOnly: S3_CREATE_ONLY });
    try {
      const result = await measureDays(
        backend,
        {
          tickers: benchTickers(TICKERS),
          concurrency: CONCURRENCY,
          computationVersion: VERSION,
          days,
          firstDay: FIRST_DAY,
          restateDay: RESTATE_DAY,
          floors: !SKIP_FLOOR,
        },
        log,
      );
      results.push(result);
      log(`\n${result.backend}\n\n${daysTable(result)}`);
    } finally {
      await backend.dispose();
    }
  }
  if (JSON_PATH) {
    mkdirSync(dirname(JSON_PATH), { recursive: true });
    writeFileSync(JSON_PATH, `${JSON.stringify({ machine, command: argv, results }, null, 2)}\n`);
    log(`wrote ${JSON_PATH}`);
  }
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.warn('\ninterrupted: cleaning up (Ctrl-C again to quit at once)');
  void disposeAll().finally(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await disposeAll();
}
