/**
 * What writing the lake's tables adds to a daily run (issue 13: at most 10 %): pairs of runs of the same tickers
 * on fresh embedded homes, one with tables and one without (`runDaily`'s `tables`), in alternating order so that
 * neither side always runs second on a warmer machine; each home then runs the next day too (few new rows).
 */
import type { ComputationVersion } from '../../src/compute/fields.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { dateRange, runDaily } from '../../src/pipeline/daily-run.js';
import { createSource } from '../../src/sources/index.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { openEmbedded } from './backends.js';
import { median, timed } from './common.js';

export interface TablesCostSettings {
  tickers: string[];
  concurrency: number;
  computationVersion: ComputationVersion;
  pairs: number;
  firstDay: string;
}

export interface TablesCostPair {
  pair: number;
  /** Run seconds of day 1 (a first run) and day 2, with and without tables. */
  day1: { withTables: number; without: number };
  day2: { withTables: number; without: number };
  tableRows: number;
}

async function runHome(
  settings: TablesCostSettings,
  tables: boolean,
): Promise<{ day1: number; day2: number; rows: number }> {
  const backend = await openEmbedded();
  try {
    const lake = new DataLake(backend.store, new WarehouseLakeCatalog(backend.warehouse.db));
    const seconds: number[] = [];
    let rows = 0;
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
          tables,
        }),
      );
      if (run.value.status !== 'ok')
        throw new Error(`a bench run ended ${run.value.status}: ${run.value.lake_errors[0] ?? ''}`);
      rows += run.value.tables?.rows ?? 0;
      seconds.push(run.wallMs / 1000);
    }
    return { day1: seconds[0], day2: seconds[1], rows };
  } finally {
    await backend.dispose();
  }
}

export async function measureTablesCost(
  settings: TablesCostSettings,
  log: (line: string) => void,
): Promise<TablesCostPair[]> {
  const pairs: TablesCostPair[] = [];
  for (let pair = 1; pair <= settings.pairs; pair++) {
    // Alternate which side runs first.
    const order = pair % 2 === 1 ? [true, false] : [false, true];
    const measured = new Map<boolean, Awaited<ReturnType<typeof runHome>>>();
    for (const tables of order) measured.set(tables, await runHome(settings, tables));
    const withTables = measured.get(true)!;
    const without = measured.get(false)!;
    const result = {
      pair,
      day1: { withTables: withTables.day1, without: without.day1 },
      day2: { withTables: withTables.day2, without: without.day2 },
      tableRows: withTables.rows,
    };
    pairs.push(result);
    log(
      `pair ${pair}: day 1 ${result.day1.withTables.toFixed(2)} s with tables / ${result.day1.without.toFixed(2)} s without = ` +
        `${(result.day1.withTables / result.day1.without).toFixed(3)}x; day 2 ${result.day2.withTables.toFixed(2)} / ` +
        `${result.day2.without.toFixed(2)} = ${(result.day2.withTables / result.day2.without).toFixed(3)}x`,
    );
  }
  return pairs;
}

export function tablesCostTable(pairs: readonly TablesCostPair[]): string {
  const ratio = (p: { withTables: number; without: number }) => p.withTables / p.without;
  const lines = [
    '| pair | day 1 with tables s | without s | ratio | day 2 with tables s | without s | ratio | table rows (2 days) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...pairs.map(
      (p) =>
        `| ${p.pair} | ${p.day1.withTables.toFixed(2)} | ${p.day1.without.toFixed(2)} | ${ratio(p.day1).toFixed(3)}x | ` +
        `${p.day2.withTables.toFixed(2)} | ${p.day2.without.toFixed(2)} | ${ratio(p.day2).toFixed(3)}x | ${p.tableRows} |`,
    ),
    `| median | | | ${median(pairs.map((p) => ratio(p.day1))).toFixed(3)}x | | | ${median(pairs.map((p) => ratio(p.day2))).toFixed(3)}x | |`,
  ];
  return lines.join('\n');
}
