/**
 * Read latency: `npm run bench:reads` (node --import tsx bench/reads.bench.ts). The built CLI (`npm run build`
 * first) as a user runs it, one process per command, on a 500-ticker embedded home with two days of runs:
 *
 *   node -e 0                      the reference: a bare Node start-up, measured in the same rounds
 *   marketlake --help              target <= 2x the reference
 *   get / versions / ls / lineage  target <= 3x the reference (they answer from the home's lake folder)
 *   get (database)                 the same `get` with MARKETLAKE_LAKE_READS=0: PGlite opened, as before
 *
 * Each round runs every case once, in order, so that a busy moment of the machine falls on all cases alike; the
 * table gives each case's median wall time over the rounds and its ratio to the reference's median.
 *
 * Flags:
 *   --home DIR      an existing embedded home to read (only read); default: one built in a temp folder with
 *                   `marketlake run` of the bench's 500 tickers on two days (MARKETLAKE_NOW), removed at the end
 *   --tickers N     tickers of the built home (default 500)
 *   --rounds N      default 11
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchQualityConfig, benchTickers, loadavg, machineInfo } from './pipeline/common.js';
import { flag, positiveInt } from './args.js';

const BIN = fileURLToPath(new URL('../bin/marketlake.js', import.meta.url));
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];

interface Case {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The target ratio to `node -e 0`, when there is one. */
  target?: number;
}

/** Runs the CLI to completion; throws with its stderr when it fails, since a failed read times nothing useful. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`marketlake ${args.join(' ')} exited ${result.status}: ${result.stderr || result.error?.message}`);
  }
  return result.stdout;
}

function buildHome(tickers: number): { home: string; remove: () => void } {
  const scratch = mkdtempSync(join(tmpdir(), 'marketlake-bench-reads-'));
  const home = join(scratch, 'home');
  const universe = join(scratch, 'universe.txt');
  writeFileSync(universe, benchTickers(tickers).join('\n') + '\n');
  const quality = benchQualityConfig(scratch);
  for (const now of DAYS) {
    const started = performance.now();
    cli(['run', '--home', home, '--universe', universe, '--json'], { MARKETLAKE_NOW: now, ...quality });
    console.error(
      `built day ${now.slice(0, 10)} of ${tickers} tickers in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return { home, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}

/** A ticker of the home whose key segment needs no encoding (its folder name is the ticker). */
function someTicker(home: string): string {
  const folders = readdirSync(join(home, 'lake', 'processed', 'indicators')).sort();
  const plain = folders.find((name) => /^[A-Z][A-Z0-9.-]*$/.test(name));
  if (plain === undefined) throw new Error(`no processed objects of a plain ticker in ${home}`);
  return plain;
}

function timeOnce(command: string[], env: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const result = spawnSync(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}`);
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function main(): void {
  const rounds = positiveInt('rounds', 11);
  const given = flag('home');
  const built = given === undefined ? buildHome(positiveInt('tickers', 500)) : undefined;
  const home = given ?? built!.home;
  try {
    const ticker = someTicker(home);
    const latest = JSON.parse(cli(['get', 'indicators', ticker, '--home', home, '--json'])) as {
      body: { source_raw_data_key: string };
    };
    const home_ = ['--home', home];
    const cases: Case[] = [
      { name: 'node -e 0', args: [] },
      { name: 'marketlake --help', args: ['--help'], target: 2 },
      { name: `get indicators ${ticker}`, args: ['get', 'indicators', ticker, ...home_], target: 3 },
      { name: `versions indicators ${ticker}`, args: ['versions', 'indicators', ticker, ...home_], target: 3 },
      {
        name: `ls processed/indicators/${ticker}/`,
        args: ['ls', `processed/indicators/${ticker}/`, ...home_],
        target: 3,
      },
      {
        name: `lineage <raw key of ${ticker}>`,
        args: ['lineage', latest.body.source_raw_data_key, ...home_],
        target: 3,
      },
      {
        name: `get indicators ${ticker} (database: MARKETLAKE_LAKE_READS=0)`,
        args: ['get', 'indicators', ticker, ...home_],
        env: { MARKETLAKE_LAKE_READS: '0' },
      },
    ];
    const commandOf = (c: Case) =>
      c.args.length === 0 ? [process.execPath, '-e', '0'] : [process.execPath, BIN, ...c.args];
    // One warm-up round (file cache), untimed.
    for (const c of cases) timeOnce(commandOf(c), c.env);
    const times = cases.map((): number[] => []);
    for (let round = 0; round < rounds; round++) {
      cases.forEach((c, i) => times[i]!.push(timeOnce(commandOf(c), c.env)));
    }
    const reference = median(times[0]!);
    const machine = machineInfo();
    console.log(
      `read latency: ${rounds} rounds, home ${given ?? `built (${positiveInt('tickers', 500)} tickers, 2 days)`}`,
    );
    console.log(
      `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average ${loadavg().join(' ')}`,
    );
    console.log('');
    console.log('| command | median | x node -e 0 | target |');
    console.log('|---|---:|---:|---:|');
    cases.forEach((c, i) => {
      const value = median(times[i]!);
      const ratio = value / reference;
      const verdict = c.target === undefined ? '' : `<= ${c.target}x ${ratio <= c.target ? 'met' : 'MISSED'}`;
      console.log(`| \`${c.name}\` | ${(value / 1000).toFixed(3)} s | ${ratio.toFixed(2)} | ${verdict} |`);
    });
  } finally {
    built?.remove();
  }
}

main();
