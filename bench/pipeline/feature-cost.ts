/**
 * What one part of the daily run adds to it: writing the lake's tables (issue 13) or the quality checks (issue 14),
 * each allowed at most 10 %. Pairs of runs of the same tickers on fresh embedded homes, one with the part and one
 * without (`runDaily`'s `tables` or `quality`; the other part stays on), in alternating order so that neither side
 * always runs second on a warmer machine; each home then runs the next day too (few new rows).
 *
 * Each run is timed twice: wall-clock seconds, and the process's CPU seconds (user + system). PGlite runs in the
 * process, so the CPU time holds nearly all the run's work, and it moves far less than the wall clock when other
 * work shares the machine: on a loaded 2-core machine the wall-clock pairs spread wider than the effect measured.
 */
import type { ComputationVersion } from '../../src/compute/fields.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { dateRange, runDaily, type DailyRunOptions, type RunSummary } from '../../src/pipeline/daily-run.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import { DEFAULT_QUALITY_CONFIG, type QualityConfig } from '../../src/quality/index.js';
import { createSource } from '../../src/sources/index.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { openEmbedded } from './backends.js';
import { measureQualityShare, type QualityShare } from './quality-share.js';
import { BENCH_QUALITY_OVERRIDES, median, medianInterval, timed } from './common.js';

/** The part measured: how a run turns it on or off. */
export type CostedFeature = 'tables' | 'quality';

/** The built-in thresholds with the benches' one override (BENCH_QUALITY_OVERRIDES). */
const BENCH_QUALITY: QualityConfig = { ...DEFAULT_QUALITY_CONFIG, ...BENCH_QUALITY_OVERRIDES };

function toggle(feature: CostedFeature, on: boolean): Partial<DailyRunOptions> {
  if (feature === 'tables') return { tables: on, quality: BENCH_QUALITY };
  return on ? { quality: BENCH_QUALITY } : { quality: false };
}

/** One daily run at `instant` with the part on or off, timed; a run that is not ok fails the bench. */
async function timedRun(
  settings: FeatureCostSettings,
  lake: DataLake,
  warehouse: Warehouse,
  instant: Date,
  on: boolean,
): Promise<{ value: RunSummary; wallMs: number; cpuMs: number }> {
  const range = dateRange(instant, '2y');
  const run = await timed(() =>
    runDaily({
      tickers: settings.tickers,
      source: createSource('sample'),
      lake,
      warehouse,
      computationVersion: settings.computationVersion,
      start: range.start,
      end: range.end,
      concurrency: settings.concurrency,
      clock: () => instant,
      ...toggle(settings.feature, on),
    }),
  );
  if (run.value.status !== 'ok')
    throw new Error(`a bench run ended ${run.value.status}: ${run.value.lake_errors[0] ?? ''}`);
  return run;
}

export interface FeatureCostSettings {
  feature: CostedFeature;
  tickers: string[];
  concurrency: number;
  computationVersion: ComputationVersion;
  pairs: number;
  firstDay: string;
}

export interface FeatureCostPair {
  pair: number;
  /** Run seconds of day 1 (a first run) and day 2, with and without the part. */
  day1: { withIt: number; without: number };
  day2: { withIt: number; without: number };
  /** CPU seconds of the same runs. */
  cpuDay1: { withIt: number; without: number };
  cpuDay2: { withIt: number; without: number };
  /** Table rows written over the two days (tables), or quality verdicts (quality). */
  made: number;
  /** quality: the checks' own work on each day's data, timed alone after the runs (quality-share.ts). */
  share?: { day1: QualityShare; day2: QualityShare };
}

/** Rounds of each part of the quality share. */
const SHARE_ROUNDS = 5;

async function runHome(
  settings: FeatureCostSettings,
  on: boolean,
): Promise<{
  day1: number;
  day2: number;
  cpuDay1: number;
  cpuDay2: number;
  made: number;
  share?: { day1: QualityShare; day2: QualityShare };
}> {
  const backend = await openEmbedded();
  try {
    const lake = new DataLake(backend.store, new WarehouseLakeCatalog(backend.warehouse.db));
    const seconds: number[] = [];
    const cpuSeconds: number[] = [];
    let made = 0;
    for (let day = 0; day < 2; day++) {
      const instant = new Date(`${settings.firstDay}T22:00:00Z`);
      instant.setUTCDate(instant.getUTCDate() + day);
      const run = await timedRun(settings, lake, backend.warehouse, instant, on);
      const quality = run.value.quality;
      made += settings.feature === 'tables' ? (run.value.tables?.rows ?? 0) : (quality?.verdicts ?? 0);
      seconds.push(run.wallMs / 1000);
      cpuSeconds.push(run.cpuMs / 1000);
    }
    const measured = { day1: seconds[0], day2: seconds[1], cpuDay1: cpuSeconds[0], cpuDay2: cpuSeconds[1], made };
    if (settings.feature !== 'quality' || !on) return measured;
    // After both days, so that neither run finds the extra verdicts and objects the measurement leaves.
    const shareOf = async (day: 1 | 2) => {
      const instant = new Date(`${settings.firstDay}T22:00:00Z`);
      instant.setUTCDate(instant.getUTCDate() + day - 1);
      return measureQualityShare(
        { lake, warehouse: backend.warehouse },
        {
          config: BENCH_QUALITY,
          computationVersion: settings.computationVersion,
          request: dateRange(instant, '2y'),
          checkedAt: instant,
          rounds: SHARE_ROUNDS,
          day,
        },
      );
    };
    return { ...measured, share: { day1: await shareOf(1), day2: await shareOf(2) } };
  } finally {
    await backend.dispose();
  }
}

export async function measureFeatureCost(
  settings: FeatureCostSettings,
  log: (line: string) => void,
): Promise<FeatureCostPair[]> {
  const pairs: FeatureCostPair[] = [];
  for (let pair = 1; pair <= settings.pairs; pair++) {
    // Alternate which side runs first.
    const order = pair % 2 === 1 ? [true, false] : [false, true];
    const measured = new Map<boolean, Awaited<ReturnType<typeof runHome>>>();
    for (const on of order) measured.set(on, await runHome(settings, on));
    const withIt = measured.get(true)!;
    const without = measured.get(false)!;
    const result = {
      pair,
      day1: { withIt: withIt.day1, without: without.day1 },
      day2: { withIt: withIt.day2, without: without.day2 },
      cpuDay1: { withIt: withIt.cpuDay1, without: without.cpuDay1 },
      cpuDay2: { withIt: withIt.cpuDay2, without: without.cpuDay2 },
      made: withIt.made,
      ...(withIt.share ? { share: withIt.share } : {}),
    };
    pairs.push(result);
    log(
      `pair ${pair}: day 1 ${result.day1.withIt.toFixed(2)} s with ${settings.feature} / ${result.day1.without.toFixed(2)} s without = ` +
        `${(result.day1.withIt / result.day1.without).toFixed(3)}x; day 2 ${result.day2.withIt.toFixed(2)} / ` +
        `${result.day2.without.toFixed(2)} = ${(result.day2.withIt / result.day2.without).toFixed(3)}x; CPU ` +
        `${(result.cpuDay1.withIt / result.cpuDay1.without).toFixed(3)}x and ` +
        `${(result.cpuDay2.withIt / result.cpuDay2.without).toFixed(3)}x` +
        (result.share
          ? `; the checks alone ${result.share.day1.totalMs.toFixed(0)} ms and ${result.share.day2.totalMs.toFixed(0)} ms = ` +
            `${percent(result.share.day1.totalMs, result.day1.without)} and ` +
            `${percent(result.share.day2.totalMs, result.day2.without)} of the runs without`
          : ''),
    );
  }
  return pairs;
}

/** One pair of weekday runs on the same home, one with the part and one without (measureDayAfterCost). */
export interface DayAfterPair {
  pair: number;
  /** The two days' dates, in the order they ran. */
  days: [string, string];
  wall: { withIt: number; without: number };
  cpu: { withIt: number; without: number };
}

/**
 * The part's cost on the days after the first, with many more pairs than fresh homes allow: ONE embedded home, a
 * first run (untimed, the part on), then 2 x `pairs` weekday runs, one a calendar weekday (weekends skipped, as
 * they bring no bar), the part on and off in ABBA order (on-off, off-on, ...), so that the slow growth of the home
 * from day to day falls on both sides alike. A day run without the part leaves its objects out of the tables (a
 * rebuild would add them): the next day's work does not depend on it.
 */
export async function measureDayAfterCost(
  settings: FeatureCostSettings,
  log: (line: string) => void,
): Promise<DayAfterPair[]> {
  const backend = await openEmbedded();
  try {
    const lake = new DataLake(backend.store, new WarehouseLakeCatalog(backend.warehouse.db));
    const day = new Date(`${settings.firstDay}T22:00:00Z`);
    const runOn = async (on: boolean) => {
      const instant = new Date(day);
      const run = await timedRun(settings, lake, backend.warehouse, instant, on);
      const date = instant.toISOString().slice(0, 10);
      // The next weekday.
      do day.setUTCDate(day.getUTCDate() + 1);
      while (day.getUTCDay() === 0 || day.getUTCDay() === 6);
      return { date, wall: run.wallMs / 1000, cpu: run.cpuMs / 1000 };
    };
    await runOn(true);
    const pairs: DayAfterPair[] = [];
    for (let pair = 1; pair <= settings.pairs; pair++) {
      const order = pair % 2 === 1 ? [true, false] : [false, true];
      const first = await runOn(order[0]);
      const second = await runOn(order[1]);
      const withIt = order[0] ? first : second;
      const without = order[0] ? second : first;
      const result: DayAfterPair = {
        pair,
        days: [first.date, second.date],
        wall: { withIt: withIt.wall, without: without.wall },
        cpu: { withIt: withIt.cpu, without: without.cpu },
      };
      pairs.push(result);
      log(
        `pair ${pair} (${result.days.join(', ')}): ${withIt.wall.toFixed(2)} s with ${settings.feature} / ` +
          `${without.wall.toFixed(2)} s without = ${(withIt.wall / without.wall).toFixed(3)}x; CPU ` +
          `${(withIt.cpu / without.cpu).toFixed(3)}x`,
      );
    }
    return pairs;
  } finally {
    await backend.dispose();
  }
}

export function dayAfterCostTable(feature: CostedFeature, pairs: readonly DayAfterPair[]): string {
  const ratio = (p: { withIt: number; without: number }) => p.withIt / p.without;
  return [
    `| pair | days | with ${feature} s | without s | ratio | CPU with s | CPU without s | CPU ratio |`,
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...pairs.map(
      (p) =>
        `| ${p.pair} | ${p.days.join(', ')} | ${p.wall.withIt.toFixed(2)} | ${p.wall.without.toFixed(2)} | ` +
        `${ratio(p.wall).toFixed(3)}x | ${p.cpu.withIt.toFixed(2)} | ${p.cpu.without.toFixed(2)} | ` +
        `${ratio(p.cpu).toFixed(3)}x |`,
    ),
    '',
    'The median ratio with its distribution-free 95 % interval (the target, 1.10x, is shown met when the interval',
    'lies under it, and missed when it lies over it):',
    '',
    '| measure | days after the first |',
    '| --- | --- |',
    `| wall clock | ${withInterval(pairs.map((p) => ratio(p.wall)))} |`,
    `| CPU | ${withInterval(pairs.map((p) => ratio(p.cpu)))} |`,
  ].join('\n');
}

export function featureCostTable(feature: CostedFeature, pairs: readonly FeatureCostPair[]): string {
  const ratio = (p: { withIt: number; without: number }) => p.withIt / p.without;
  const made = feature === 'tables' ? 'table rows (2 days)' : 'quality verdicts (2 days)';
  const lines = [
    `| pair | day 1 with ${feature} s | without s | ratio | day 2 with ${feature} s | without s | ratio | ${made} |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...pairs.map(
      (p) =>
        `| ${p.pair} | ${p.day1.withIt.toFixed(2)} | ${p.day1.without.toFixed(2)} | ${ratio(p.day1).toFixed(3)}x | ` +
        `${p.day2.withIt.toFixed(2)} | ${p.day2.without.toFixed(2)} | ${ratio(p.day2).toFixed(3)}x | ${p.made} |`,
    ),
    `| median | | | ${median(pairs.map((p) => ratio(p.day1))).toFixed(3)}x | | | ${median(pairs.map((p) => ratio(p.day2))).toFixed(3)}x | |`,
    '',
    `CPU seconds of the same runs (user + system, the process's own):`,
    '',
    `| pair | day 1 with ${feature} s | without s | ratio | day 2 with ${feature} s | without s | ratio |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...pairs.map(
      (p) =>
        `| ${p.pair} | ${p.cpuDay1.withIt.toFixed(2)} | ${p.cpuDay1.without.toFixed(2)} | ${ratio(p.cpuDay1).toFixed(3)}x | ` +
        `${p.cpuDay2.withIt.toFixed(2)} | ${p.cpuDay2.without.toFixed(2)} | ${ratio(p.cpuDay2).toFixed(3)}x |`,
    ),
    `| median | | | ${median(pairs.map((p) => ratio(p.cpuDay1))).toFixed(3)}x | | | ${median(pairs.map((p) => ratio(p.cpuDay2))).toFixed(3)}x |`,
    '',
    'The median ratio with its distribution-free 95 % interval (order statistics of the pairs; the target, 1.10x, is',
    'shown met when the interval lies under it, and missed when it lies over it):',
    '',
    '| measure | day 1 | day 2 |',
    '| --- | --- | --- |',
    `| wall clock | ${withInterval(pairs.map((p) => ratio(p.day1)))} | ${withInterval(pairs.map((p) => ratio(p.day2)))} |`,
    `| CPU | ${withInterval(pairs.map((p) => ratio(p.cpuDay1)))} | ${withInterval(pairs.map((p) => ratio(p.cpuDay2)))} |`,
    ...shareTable(pairs),
  ];
  return lines.join('\n');
}

/** "1.062x (1.010-1.094, 96.1 %): met" against issue 13's and 14's 10 %. */
function withInterval(ratios: readonly number[]): string {
  const interval = medianInterval(ratios);
  const middle = `${median(ratios).toFixed(3)}x`;
  if (interval === undefined) return `${middle} (too few pairs for an interval: 6 at least)`;
  const verdict = interval.high < 1.1 ? 'met' : interval.low > 1.1 ? 'MISSED' : 'not shown either way';
  const range = `${interval.low.toFixed(3)}-${interval.high.toFixed(3)}`;
  return `${middle} (${range}, ${(interval.coverage * 100).toFixed(1)} %): ${verdict}`;
}

function percent(ms: number, seconds: number): string {
  return `${((ms / (seconds * 1000)) * 100).toFixed(1)} %`;
}

/** quality: the checks' own work timed alone (quality-share.ts), against each pair's run without them. */
function shareTable(pairs: readonly FeatureCostPair[]): string[] {
  const measured = pairs.filter((p) => p.share !== undefined);
  if (measured.length === 0) return [];
  const cells = (share: QualityShare, withoutSeconds: number) =>
    `${share.judgeMs.toFixed(0)} | ${share.finishMs.toFixed(0)} | ${share.tableFileMs.toFixed(0)} | ` +
    `${share.totalMs.toFixed(0)} | ${percent(share.totalMs, withoutSeconds)}`;
  const shares = (day: 'day1' | 'day2') => measured.map((p) => p.share![day].totalMs / (p[day].without * 1000));
  return [
    '',
    `The checks' own work, timed alone on each pair's data after its runs (median of ${SHARE_ROUNDS} rounds each, ms;`,
    "share: of the pair's run without the checks):",
    '',
    '| pair | day 1 judge | finish | table file | sum | share | day 2 judge | finish | table file | sum | share |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...measured.map(
      (p) => `| ${p.pair} | ${cells(p.share!.day1, p.day1.without)} | ${cells(p.share!.day2, p.day2.without)} |`,
    ),
    `| median | | | | | ${(median(shares('day1')) * 100).toFixed(1)} % | | | | | ${(median(shares('day2')) * 100).toFixed(1)} % |`,
  ];
}
