/**
 * First-command benchmark: `npm run bench:first-command` (node --import tsx bench/first-command.bench.ts).
 *
 * Runs the built CLI (`bin/marketlake.js`, so `npm run build` first) as separate processes, alternating in each
 * round, against a reference measured in the same run:
 *   - `node -e 0`, the reference;
 *   - `marketlake run --tickers NVDA` on a new home, as shipped (from the prepared database);
 *   - the same on a new home with the prepared database moved aside, so that PGlite creates the database as
 *     before (the archive is renamed back at once; if the bench is killed there, rebuild);
 *   - the same command again on the first home (the database exists).
 * Then the first `run` of the universe (default: the pipeline bench's 500 tickers) on a new home, with and
 * without the prepared database, and once again on the first home, each with its peak RSS (from /usr/bin/time;
 * the PGlite worker thread is part of the process). Every run has the benches' quality overrides.
 * The clock is pinned (MARKETLAKE_NOW), so every run sees the same data.
 *
 * Flags: --rounds N (default 5), --universe FILE (default: the pipeline bench's 500 tickers), --skip-universe
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchQualityConfig, benchTickers } from './pipeline/common.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/marketlake.js');
// Without MARKETLAKE_PREPARED_DATABASE: a new home takes the archive of the build, which the bench moves aside.
const ENV = { ...process.env, MARKETLAKE_NOW: '2026-12-01T22:00:00Z', MARKETLAKE_PREPARED_DATABASE: '' };

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** Wall time and peak RSS of one process; throws if it fails. */
function measure(args: string[]): { seconds: number; peakMib: number } {
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { env: ENV, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`${args.join(' ')} failed (${child.status}):\n${child.stderr}`);
  const peakKb = Number(child.stderr.trim().split('\n').at(-1));
  return { seconds, peakMib: peakKb / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);

const ARCHIVE = join(ROOT, 'dist/warehouse/pglite/prepared-database.tar.gz');
if (!existsSync(ARCHIVE)) throw new Error(`no ${ARCHIVE}: run \`npm run build\` first`);

/** Runs `fn` while a new home cannot find the prepared database (as before it existed). */
function withoutPreparedDatabase<T>(fn: () => T): T {
  renameSync(ARCHIVE, `${ARCHIVE}.aside`);
  try {
    return fn();
  } finally {
    renameSync(`${ARCHIVE}.aside`, ARCHIVE);
  }
}
const rounds = Number(flag('--rounds') ?? '5');
const scratch = mkdtempSync(join(tmpdir(), 'marketlake-first-command-'));
try {
  const rows: Record<'node' | 'first' | 'created' | 'again' | 'firstPeak' | 'createdPeak' | 'againPeak', number>[] = [];
  for (let round = 0; round < rounds; round++) {
    const home = join(scratch, `home-${round}`);
    const node = measure(['-e', '0']);
    const first = measure([BIN, 'run', '--home', home, '--tickers', 'NVDA']);
    const created = withoutPreparedDatabase(() =>
      measure([BIN, 'run', '--home', `${home}-created`, '--tickers', 'NVDA']),
    );
    const again = measure([BIN, 'run', '--home', home, '--tickers', 'NVDA']);
    rows.push({
      node: node.seconds,
      first: first.seconds,
      created: created.seconds,
      again: again.seconds,
      firstPeak: first.peakMib,
      createdPeak: created.peakMib,
      againPeak: again.peakMib,
    });
    rmSync(home, { recursive: true, force: true });
    rmSync(`${home}-created`, { recursive: true, force: true });
  }
  const nodeMedian = median(rows.map((row) => row.node));
  console.log(`${rounds} rounds; medians:`);
  console.log('| command | wall time | / `node -e 0` | peak RSS |');
  console.log('|---|---:|---:|---:|');
  console.log(`| \`node -e 0\` | ${fixed(nodeMedian, 3)} s | 1.00x | |`);
  for (const [label, time, peak] of [
    ['`run --tickers NVDA`, new home (prepared database)', 'first', 'firstPeak'],
    ['`run --tickers NVDA`, new home (PGlite creates it)', 'created', 'createdPeak'],
    ['`run --tickers NVDA`, same home again', 'again', 'againPeak'],
  ] as const) {
    const seconds = median(rows.map((row) => row[time]));
    const peakMib = median(rows.map((row) => row[peak]));
    console.log(`| ${label} | ${fixed(seconds)} s | ${fixed(seconds / nodeMedian, 1)}x | ${fixed(peakMib, 0)} MiB |`);
  }

  if (!process.argv.includes('--skip-universe')) {
    let universe = flag('--universe');
    if (universe === undefined) {
      universe = join(scratch, 'universe.txt');
      writeFileSync(universe, `${benchTickers(500).join('\n')}\n`);
    }
    Object.assign(ENV, benchQualityConfig(scratch));
    const count = readFileSync(universe, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    const home = join(scratch, 'universe');
    const first = measure([BIN, 'run', '--home', home, '--universe', universe]);
    const created = withoutPreparedDatabase(() =>
      measure([BIN, 'run', '--home', `${home}-created`, '--universe', universe]),
    );
    const again = measure([BIN, 'run', '--home', home, '--universe', universe]);
    console.log(`\n| run of ${count} tickers | wall time | peak RSS |`);
    console.log('|---|---:|---:|');
    console.log(`| new home (prepared database) | ${fixed(first.seconds, 1)} s | ${fixed(first.peakMib, 0)} MiB |`);
    console.log(`| new home (PGlite creates it) | ${fixed(created.seconds, 1)} s | ${fixed(created.peakMib, 0)} MiB |`);
    console.log(`| same home again | ${fixed(again.seconds, 1)} s | ${fixed(again.peakMib, 0)} MiB |`);
  }
  console.log(`\n${execFileSync(process.execPath, ['--version'], { encoding: 'utf8' }).trim()}, load ${loadAverage()}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
