/**
 * Small shared pieces of the pipeline benchmark: timing, the synthetic ticker list, machine facts, a bounded
 * worker pool and number formatting.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { SAMPLE_TICKERS } from '../../src/sources/sample/sample-universe.js';
import { normalizeTicker } from '../../src/market/ticker.js';

/** Wall milliseconds since `start` (from `now()`). */
export function now(): bigint {
  return process.hrtime.bigint();
}

export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `work` and returns its result with its wall time and this process's CPU time (user + system), in ms. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const value = await work();
  const wallMs = msSince(t0);
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A distribution-free confidence interval for the median of `values` (order statistics, from the binomial
 * distribution of how many values fall below the median): the narrowest pair of ranks k, n+1-k whose coverage is
 * still at least `level`. Assumes only that the values are independent draws of one distribution, which pairs of
 * runs in alternating order approximate; undefined when there are too few values for the level (under 6 for 95 %).
 */
export function medianInterval(
  values: readonly number[],
  level = 0.95,
): { low: number; high: number; coverage: number } | undefined {
  const n = values.length;
  // 0.5 ** n underflows past about 1,000 values; a bench never has that many pairs.
  if (n > 1000) throw new Error(`medianInterval: ${n} values, more than the 1,000 it can count exactly`);
  const sorted = [...values].sort((a, b) => a - b);
  // P(X <= j) for X ~ Binomial(n, 1/2), built up term by term.
  const below: number[] = [];
  let term = 0.5 ** n;
  let sum = 0;
  for (let j = 0; j <= n; j++) {
    sum += term;
    below.push(sum);
    term = (term * (n - j)) / (j + 1);
  }
  let best: { low: number; high: number; coverage: number } | undefined;
  // Ranks k and n+1-k (1-based) cover the median with probability 1 - 2 P(X <= k-1).
  for (let k = 1; k <= n >> 1; k++) {
    const coverage = 1 - 2 * below[k - 1];
    if (coverage < level) break;
    best = { low: sorted[k - 1], high: sorted[n - k], coverage };
  }
  return best;
}

/**
 * `count` valid tickers: the sample universe first (NVDA, D05.SI, 7974.T, ...), then the universe again with a
 * round number inserted before the market suffix (NVDA-B1, D05-B1.SI, 7974-B1.T, ...), so every market keeps
 * its share and the sample source generates each with its market's price levels.
 */
export function benchTickers(count: number): string[] {
  const tickers: string[] = [];
  for (let i = 0; tickers.length < count; i++) {
    const base = SAMPLE_TICKERS[i % SAMPLE_TICKERS.length];
    const round = Math.floor(i / SAMPLE_TICKERS.length);
    if (round === 0) {
      tickers.push(base);
      continue;
    }
    const dot = base.indexOf('.');
    const stem = dot < 0 ? base : base.slice(0, dot);
    const suffix = dot < 0 ? '' : base.slice(dot);
    tickers.push(normalizeTicker(`${stem}-B${round}${suffix}`));
  }
  return tickers;
}

/**
 * The quality settings every bench runs with. The sample generator has no daily price limits: one of the 500 bench
 * tickers (a made-up Taiwanese listing, `2330-B5.TW`) moves 11.5 % in a day, beyond Taiwan's 10 % limit, and the
 * checks rightly block it. As a user would for a move they know to be real, the benches make that ticker's check a
 * warning: a blocked ticker would compute less and skew the costs, and its run would end `partial` (exit 1).
 */
export const BENCH_QUALITY_OVERRIDES = {
  tickers: { '2330-B5.TW': { checks: { 'plausibility.one_day_move': { severity: 'warn' as const } } } },
};

/** Writes BENCH_QUALITY_OVERRIDES to a quality config file; returns the CLI's environment naming it. */
export function benchQualityConfig(folder: string): { MARKETLAKE_QUALITY_CONFIG: string } {
  const file = join(folder, 'bench-quality.json');
  writeFileSync(file, `${JSON.stringify(BENCH_QUALITY_OVERRIDES, null, 2)}\n`);
  return { MARKETLAKE_QUALITY_CONFIG: file };
}

/** At most `limit` calls of `work` in flight; results in input order; the first failure rejects. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** 1, 5 and 15 minute load averages, rounded. */
export function loadavg(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [round2(a), round2(b), round2(c)];
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function int(n: number): string {
  return n.toLocaleString('en-US');
}

export function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A plain text table (for the console) or a Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], markdown = false): string {
  if (markdown) {
    const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
    const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
    return [line(header), line(align), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
