/**
 * Cost per ticker and memory across universe sizes: `npm run bench:scale [-- --tickers 50,500,2000,5000]`.
 *
 * For each size, on a fresh embedded home: `marketlake run` (the built CLI, as users run it: `npm run build`
 * first) on the bench's synthetic universe with the clock pinned (MARKETLAKE_NOW), then a second run on the same
 * home a weekday later. Each is a process of its own, timed from outside, with its peak resident set size from
 * GNU time (`/usr/bin/time -f`). Reports wall time per ticker and its ratio to the per-ticker cost of the
 * smallest size measured in the same run (linear cost: ratios near 1), and peak RSS (flat memory: the same
 * figure at every size).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchQualityConfig, benchTickers, machineInfo } from './pipeline/common.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const sizesFlag = argv.indexOf('--tickers');
const SIZES = (sizesFlag >= 0 ? argv[sizesFlag + 1] : '50,500,2000,5000').split(',').map(Number);
if (SIZES.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError('--tickers: a list of positive integers');
const DAY_1 = '2026-11-02T22:00:00Z';
const DAY_2 = '2026-11-03T22:00:00Z';

interface Measured {
  wallS: number;
  peakRssMiB: number;
}

/** One CLI run under GNU time: its wall seconds and peak RSS. */
function timedRun(home: string, universe: string, now: string): Measured {
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', 'TIME %e %M', process.execPath, join(REPO_ROOT, 'bin/marketlake.js'), 'run', '--universe', universe],
    {
      env: { ...process.env, MARKETLAKE_HOME: home, MARKETLAKE_NOW: now, ...benchQualityConfig(home) },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const line = /TIME ([\d.]+) (\d+)/.exec(result.stderr);
  if (result.status !== 0 || line === null) {
    throw new Error(`marketlake run failed (exit ${result.status}): ${result.stderr.slice(-2000)}`);
  }
  return { wallS: Number(line[1]), peakRssMiB: Number(line[2]) / 1024 };
}

const machine = machineInfo();
console.log(`marketlake scale benchmark  ${new Date().toISOString()}`);
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`);
console.log(`command: npm run bench:scale -- --tickers ${SIZES.join(',')}`);
const rows: { tickers: number; first: Measured; second: Measured }[] = [];
for (const size of SIZES) {
  const home = mkdtempSync(join(tmpdir(), 'marketlake-scale-'));
  try {
    const universe = join(home, 'universe.txt');
    writeFileSync(universe, `${benchTickers(size).join('\n')}\n`);
    const first = timedRun(home, universe, DAY_1);
    const second = timedRun(home, universe, DAY_2);
    rows.push({ tickers: size, first, second });
    console.log(
      `${size} tickers: first run ${first.wallS} s, ${first.peakRssMiB.toFixed(0)} MiB; ` +
        `next day ${second.wallS} s, ${second.peakRssMiB.toFixed(0)} MiB`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
const perTicker = (m: Measured, n: number) => (m.wallS * 1000) / n;
const base = rows[0];
console.log(
  '\n| tickers | first run s | ms / ticker | vs smallest | peak RSS MiB | next day s | ms / ticker | vs smallest | peak RSS MiB |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  const first = perTicker(row.first, row.tickers);
  const second = perTicker(row.second, row.tickers);
  console.log(
    `| ${row.tickers} | ${row.first.wallS.toFixed(1)} | ${first.toFixed(1)} | ` +
      `${(first / perTicker(base.first, base.tickers)).toFixed(2)}x | ${row.first.peakRssMiB.toFixed(0)} | ` +
      `${row.second.wallS.toFixed(1)} | ${second.toFixed(1)} | ${(second / perTicker(base.second, base.tickers)).toFixed(2)}x | ` +
      `${row.second.peakRssMiB.toFixed(0)} |`,
  );
}
