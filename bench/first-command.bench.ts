/**
 * First-command benchmark: `npm run bench:first-command` (node --import tsx bench/first-command.bench.ts).
 *
 * Runs the built CLI (`bin/marketlake.js`, so `npm run build` first) as separate processes, alternating in each
 * round, against a reference measured in the same run:
 *   - `node -e 0`, the reference;
 *   - `marketlake run --tickers NVDA` on a new home (the first command: it creates the database);
 *   - the same command again on that home (the database exists).
 * Then one first `run` of the universe (default /tmp/u500.txt) on a new home, and one on that home again,
 * each with its peak RSS (from /usr/bin/time; the PGlite worker thread is part of the process).
 * The clock is pinned (MARKETLAKE_NOW), so every run sees the same data.
 *
 * Flags: --rounds N (default 5), --universe FILE (default /tmp/u500.txt), --skip-universe
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/marketlake.js');
const ENV = { ...process.env, MARKETLAKE_NOW: '2026-12-01T22:00:00Z' };

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1];
}

/** Wall time and peak RSS of one process; throws if it fails. */
function measure(args: string[]): { seconds: number; peakMb: number } {
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { env: ENV, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`${args.join(' ')} failed (${child.status}):\n${child.stderr}`);
  const peakKb = Number(child.stderr.trim().split('\n').at(-1));
  return { seconds, peakMb: peakKb / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);

if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('no dist/: run `npm run build` first');
const prepared = existsSync(join(ROOT, 'dist/warehouse/pglite/prepared-database.tar.gz'));
const rounds = Number(flag('--rounds', '5'));
const scratch = mkdtempSync(join(tmpdir(), 'marketlake-first-command-'));
try {
  const rows: { node: number; first: number; again: number; firstPeak: number; againPeak: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const home = join(scratch, `home-${round}`);
    const node = measure(['-e', '0']);
    const first = measure([BIN, 'run', '--home', home, '--tickers', 'NVDA']);
    const again = measure([BIN, 'run', '--home', home, '--tickers', 'NVDA']);
    rows.push({
      node: node.seconds,
      first: first.seconds,
      again: again.seconds,
      firstPeak: first.peakMb,
      againPeak: again.peakMb,
    });
    rmSync(home, { recursive: true, force: true });
  }
  const nodeMedian = median(rows.map((row) => row.node));
  console.log(`prepared database in dist: ${prepared ? 'yes' : 'no'}; ${rounds} rounds; medians:`);
  console.log('| command | wall time | / `node -e 0` | peak RSS |');
  console.log('|---|---:|---:|---:|');
  console.log(`| \`node -e 0\` | ${fixed(nodeMedian, 3)} s | 1.00x | |`);
  for (const [label, time, peak] of [
    ['`run --tickers NVDA`, new home', 'first', 'firstPeak'],
    ['`run --tickers NVDA`, same home again', 'again', 'againPeak'],
  ] as const) {
    const seconds = median(rows.map((row) => row[time]));
    const peakMb = median(rows.map((row) => row[peak]));
    console.log(`| ${label} | ${fixed(seconds)} s | ${fixed(seconds / nodeMedian, 1)}x | ${fixed(peakMb, 0)} MB |`);
  }

  if (!process.argv.includes('--skip-universe')) {
    const universe = flag('--universe', '/tmp/u500.txt');
    const count = readFileSync(universe, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    const home = join(scratch, 'universe');
    const first = measure([BIN, 'run', '--home', home, '--universe', universe]);
    const again = measure([BIN, 'run', '--home', home, '--universe', universe]);
    console.log(`\n| run of ${count} tickers (${universe}) | wall time | peak RSS |`);
    console.log('|---|---:|---:|');
    console.log(`| new home | ${fixed(first.seconds, 1)} s | ${fixed(first.peakMb, 0)} MB |`);
    console.log(`| same home again | ${fixed(again.seconds, 1)} s | ${fixed(again.peakMb, 0)} MB |`);
  }
  console.log(`\n${execFileSync(process.execPath, ['--version'], { encoding: 'utf8' }).trim()}, load ${loadAverage()}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
