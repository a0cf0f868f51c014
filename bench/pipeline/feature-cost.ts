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
import { dateRange, runDaily, type DailyRunOptions } from '../../src/pipeline/daily-run.js';
import { DEFAULT_QUALITY_CONFIG, type QualityConfig } from '../../src/quality/index.js';
import { createSource } from '../../src/sources/index.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { openEmbedded } from './backends.js';
import { BENCH_QUALITY_OVERRIDES, median, timed } from './common.js';

/** The part measured: how a run turns it on or off. */
export type CostedFeature = 'tables' | 'quality';

/** The built-in thresholds with the benches' one override (BENCH_QUALITY_OVERRIDES). */
const BENCH_QUALITY: QualityConfig = { ...DEFAULT_QUALITY_CONFIG, ...BENCH_QUALITY_OVERRIDES };

function toggle(feature: CostedFeature, on: boolean): Partial<DailyRunOptions> {
  if (feature === 'tables') return { tables: on, quality: BENCH_QUALITY };
  return on ? { quality: BENCH_QUALITY } : { quality: false };
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
}

async function runHome(
  settings: FeatureCostSettings,
  on: boolean,
): Promise<{ day1: number; day2: number; cpuDay1: number; cpuDay2: number; made: number }> {
  const backend = await openEmbedded();
  try {
    const lake = new DataLake(backend.store, new WarehouseLakeCatalog(backend.warehouse.db));
    const seconds: number[] = [];
    const cpuSeconds: number[] = [];
    let made = 0;
    for (let day = 0; day < 2; day++) {
      const instant = new Date(`${settings.firstDay}T22:00:00Z`);
      instant.setUTCDate(instant.getUTCDate() + day);
      const range = dateRange(instant, '2y');
      const run = await timed(() =>
        runDaily({
          tickers: settings.tickers,
          source: createSource('sample'),
          lake,
          warehouse: backend.warehouse,
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
      const quality = run.value.quality;
      made += settings.feature === 'tables' ? (run.value.tables?.rows ?? 0) : (quality?.verdicts ?? 0);
      seconds.push(run.wallMs / 1000);
      cpuSeconds.push(run.cpuMs / 1000);
    }
    return { day1: seconds[0], day2: seconds[1], cpuDay1: cpuSeconds[0], cpuDay2: cpuSeconds[1], made };
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
    };
    pairs.push(result);
    log(
      `pair ${pair}: day 1 ${result.day1.withIt.toFixed(2)} s with ${settings.feature} / ${result.day1.without.toFixed(2)} s without = ` +
        `${(result.day1.withIt / result.day1.without).toFixed(3)}x; day 2 ${result.day2.withIt.toFixed(2)} / ` +
        `${result.day2.without.toFixed(2)} = ${(result.day2.withIt / result.day2.without).toFixed(3)}x; CPU ` +
        `${(result.cpuDay1.withIt / result.cpuDay1.without).toFixed(3)}x and ` +
        `${(result.cpuDay2.withIt / result.cpuDay2.without).toFixed(3)}x`,
    );
  }
  return pairs;
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
  ];
  return lines.join('\n');
}
