/**
 * Markdown tables for docs/benchmarks.md from one or more `npm run bench -- --json FILE` results:
 *   node --import tsx bench/report.ts bench/results/run1.json bench/results/run2.json
 *
 * With several runs, each row takes the run in which OUR median was lowest, and its ratios use the references
 * (TA-Lib, JS peers) of that same run; the medians of the other runs are shown beside it as the variance.
 */
import { readFileSync } from 'node:fs';

interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  cpuMedianMs: number;
}
interface Peer {
  library: string;
  method: string;
  timing: Timing;
}
interface KernelResult {
  kernel: string;
  targetMs?: number;
  note?: string;
  ours: { label: string; version: string; timing: Timing; loadavg1: number }[];
  talib?: { exec: Timing; withCopy: Timing; copies: number };
  peers: Peer[];
}
interface BreakdownRow {
  step: string;
  v1?: Timing;
  v2?: Timing;
}
interface Run {
  file: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    platform: string;
    node: string;
    v8: string;
    talib: string;
    date: string;
    loadavgStart: number[];
    loadavgEnd: number[];
    bars: number;
    ourRuns: number;
    ourWarmup: number;
    kernelSourcesSha256: string;
  };
  copy: { arrayFrom: Timing; pushLoop: Timing; bestMs: number; method: string };
  talibProbe?: { fullSma: Timing; lastBarOnlySma: Timing };
  agreement: Record<string, number>;
  results: KernelResult[];
  breakdown: BreakdownRow[];
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node --import tsx bench/report.ts RESULTS.json [MORE.json ...]');
  process.exit(2);
}
const runs: Run[] = files.map((file) => ({ file, ...(JSON.parse(readFileSync(file, 'utf8')) as Omit<Run, 'file'>) }));

const ms = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
const ratio = (a: number, b: number): string => (a / b >= 0.095 ? (a / b).toFixed(2) : (a / b).toFixed(3));
const fastest = (peers: Peer[]): Peer | undefined =>
  peers.reduce<Peer | undefined>(
    (best, p) => (!best || p.timing.medianMs < best.timing.medianMs ? p : best),
    undefined,
  );

const m = runs[0].machine;
console.log('### Machine and runs\n');
console.log(`- CPU: ${m.cpu}, ${m.cores} logical cores (KVM guest), ${m.memoryGiB} GiB`);
console.log(`- ${m.platform}; Node ${m.node} (V8 ${m.v8}); talib binding ${m.talib}`);
console.log(
  `- ${m.bars.toLocaleString('en-US')} bars; ours: median of ${m.ourRuns} runs after ${m.ourWarmup} warm-up runs`,
);
for (const [i, r] of runs.entries()) {
  console.log(
    `- run ${i + 1} (${r.file}): ${r.machine.date}, load average ${r.machine.loadavgStart[0]} at start, ` +
      `${r.machine.loadavgEnd[0]} at end, kernel sources sha256 ${r.machine.kernelSourcesSha256}`,
  );
}
const shas = new Set(runs.map((r) => r.machine.kernelSourcesSha256));
if (shas.size > 1) console.log(`- **warning: the runs timed different kernel sources** (${[...shas].join(', ')})`);
console.log('');

console.log('### Results\n');
console.log(
  '| kernel | ours | ours ms | runs: medians | cpu ms | talib ms | ours/talib | talib+copy ms | ours/(talib+copy) | fastest JS peer | peer ms | ours/peer | target | result |',
);
console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|---|');
const kernels = runs[0].results.map((r) => r.kernel);
for (const kernel of kernels) {
  const perRun = runs.map((run) => run.results.find((r) => r.kernel === kernel));
  const first = perRun[0];
  if (!first) continue;
  for (const [j, o] of first.ours.entries()) {
    // The run with the lowest median for this row; its references give the ratios.
    let bestRun = 0;
    for (let k = 1; k < runs.length; k++) {
      const t = perRun[k]?.ours[j]?.timing.medianMs;
      if (t !== undefined && t < (perRun[bestRun]?.ours[j]?.timing.medianMs ?? Infinity)) bestRun = k;
    }
    const res = perRun[bestRun] as KernelResult;
    const mine = res.ours[j].timing;
    const t = mine.medianMs;
    const peer = fastest(res.peers);
    const info = o.label.includes('info');
    const meets = res.targetMs === undefined ? undefined : t <= res.targetMs;
    const beats = peer ? t < peer.timing.medianMs : undefined;
    const result = [
      meets === undefined ? undefined : meets ? 'meets target' : '**misses target**',
      beats === undefined ? undefined : beats ? 'beats peers' : '**slower than a peer**',
    ]
      .filter(Boolean)
      .join(', ');
    console.log(
      `| ${kernel} | ${o.label} | ${ms(t)} | ${perRun.map((r, k) => (k === bestRun ? `**${ms(r?.ours[j]?.timing.medianMs)}**` : ms(r?.ours[j]?.timing.medianMs))).join(' / ')} | ` +
        `${ms(mine.cpuMedianMs)} | ${ms(res.talib?.exec.medianMs)} | ${res.talib ? ratio(t, res.talib.exec.medianMs) : '-'} | ` +
        `${ms(res.talib?.withCopy.medianMs)} | ${res.talib ? ratio(t, res.talib.withCopy.medianMs) : '-'} | ` +
        `${peer ? `${peer.library} (${peer.method})` : '-'} | ${ms(peer?.timing.medianMs)} | ${peer ? ratio(t, peer.timing.medianMs) : '-'} | ` +
        `${res.targetMs === undefined ? '-' : `<= ${res.targetMs}`} | ${result}${info ? ' (information only)' : ''} |`,
    );
  }
}
console.log('');

console.log('### JS peers, all variants (median ms, timed runs in brackets)\n');
for (const [i, run] of runs.entries()) {
  console.log(`Run ${i + 1}:\n`);
  console.log(
    '| kernel | technicalindicators | trading-signals (updates) | trading-signals (update loop) | indicatorts | fastest |',
  );
  console.log('|---|--:|--:|--:|--:|---|');
  for (const r of run.results) {
    const cell = (library: string, method?: RegExp): string => {
      const p = r.peers.find((x) => x.library === library && (!method || method.test(x.method)));
      return p ? `${ms(p.timing.medianMs)} (${p.timing.runs})` : '-';
    };
    const best = fastest(r.peers);
    console.log(
      `| ${r.kernel} | ${cell('technicalindicators')} | ${cell('trading-signals', /updates$/)} | ` +
        `${cell('trading-signals', /loop/)} | ${cell('indicatorts')} | ${best ? best.library : '-'} |`,
    );
  }
  console.log('');
}

console.log('### TA-Lib: call, execute and copy (median ms)\n');
console.log('| run | copy of 1M values: Array.from | push loop |');
console.log('|---|--:|--:|');
for (const [i, run] of runs.entries())
  console.log(`| ${i + 1} | ${ms(run.copy.arrayFrom.medianMs)} | ${ms(run.copy.pushLoop.medianMs)} |`);
console.log('');
console.log(
  '| kernel | run | execute (pre-copied Arrays) | call incl. copy | inputs copied | copies alone (measured copy x inputs) | copies / call |',
);
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const kernel of kernels) {
  for (const [i, run] of runs.entries()) {
    const r = run.results.find((x) => x.kernel === kernel);
    if (!r?.talib) continue;
    const copies = r.talib.copies * run.copy.bestMs;
    console.log(
      `| ${kernel} | ${i + 1} | ${ms(r.talib.exec.medianMs)} | ${ms(r.talib.withCopy.medianMs)} | ${r.talib.copies} | ${ms(copies)} | ` +
        `${((copies / r.talib.withCopy.medianMs) * 100).toFixed(0)} % |`,
    );
  }
}
console.log('');

if (runs.some((r) => r.talibProbe)) {
  console.log(
    'TA-Lib SMA(20), the full call next to the same call asked for the last bar only (same 1M-value input, 1-value output):\n',
  );
  console.log('| run | full call ms (cpu) | last bar only ms (cpu) |');
  console.log('|---|--:|--:|');
  for (const [i, run] of runs.entries()) {
    const p = run.talibProbe;
    if (p) {
      console.log(
        `| ${i + 1} | ${ms(p.fullSma.medianMs)} (${ms(p.fullSma.cpuMedianMs)}) | ${ms(p.lastBarOnlySma.medianMs)} (${ms(p.lastBarOnlySma.cpuMedianMs)}) |`,
      );
    }
  }
  console.log('');
}

console.log('### Where "all 17 fields" goes (median ms of each call computeIndicators makes, timed alone)\n');
console.log(`| step | ${runs.map((_, i) => `v1 (run ${i + 1}) | v2 (run ${i + 1})`).join(' | ')} |`);
console.log(`|---|${runs.map(() => '--:|--:').join('|')}|`);
const steps = runs[0].breakdown.map((b) => b.step);
const sums = runs.map(() => [0, 0]);
for (const step of steps) {
  const cells = runs.map((run, i) => {
    const b = run.breakdown.find((x) => x.step === step);
    const t1 = b?.v1?.medianMs ?? NaN;
    const t2 = b?.v2?.medianMs ?? t1;
    sums[i][0] += t1;
    sums[i][1] += t2;
    return `${ms(t1)} | ${b?.v2 ? ms(t2) : 'same'}`;
  });
  console.log(`| ${step} | ${cells.join(' | ')} |`);
}
console.log(`| **sum of the steps** | ${sums.map(([a, b]) => `${ms(a)} | ${ms(b)}`).join(' | ')} |`);
console.log(
  `| computeIndicators, one call | ${runs
    .map((run) => {
      const r = run.results.find((x) => x.kernel === 'all 17 fields');
      return `${ms(r?.ours[0]?.timing.medianMs)} | ${ms(r?.ours[1]?.timing.medianMs)}`;
    })
    .join(' | ')} |`,
);
console.log('');

console.log('### Agreement of version 2.0 with TA-Lib on the benchmark series\n');
console.log('max |ours - talib| / max(1, |talib|) over all bars:\n');
console.log('| output | ' + runs.map((_, i) => `run ${i + 1}`).join(' | ') + ' |');
console.log('|---|' + runs.map(() => '--:').join('|') + '|');
for (const key of Object.keys(runs[0].agreement)) {
  console.log(`| ${key} | ${runs.map((r) => (r.agreement[key] ?? NaN).toExponential(1)).join(' | ')} |`);
}
