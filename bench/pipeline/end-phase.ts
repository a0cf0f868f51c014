/**
 * The end of a first run: from its last ticker job to runDaily's return (the quality checks' finish, the tables,
 * the lineage, the run's record), on a fresh embedded home of 500 sample tickers with the tables and the built-in
 * quality checks on. One run a process, printed as JSON; to compare two versions of the code, run it alternately in
 * two checkouts:
 *
 *   node --import tsx bench/pipeline/end-phase.ts [--no-tables]
 *
 * `--no-tables`: the same run without the lake's tables, what their share of the end is measured against.
 * Used for the overlap of the prices' files with the quality checks' finish (docs/benchmarks.md "SQL over the lake").
 */
import { DataLake } from '../../src/lake/data-lake.js';
import { dateRange, runDaily } from '../../src/pipeline/daily-run.js';
import { DEFAULT_QUALITY_CONFIG } from '../../src/quality/index.js';
import { createSource } from '../../src/sources/index.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { openEmbedded } from './backends.js';
import { benchTickers } from './common.js';

const backend = await openEmbedded();
try {
  const lake = new DataLake(backend.store, new WarehouseLakeCatalog(backend.warehouse.db));
  const instant = new Date('2026-11-02T22:00:00Z');
  const range = dateRange(instant, '2y');
  let lastTickerDone = 0;
  const started = performance.now();
  const run = await runDaily({
    tickers: benchTickers(500),
    source: createSource('sample'),
    lake,
    warehouse: backend.warehouse,
    computationVersion: '1.0',
    start: range.start,
    end: range.end,
    concurrency: 4,
    clock: () => instant,
    tables: !process.argv.includes('--no-tables'),
    quality: DEFAULT_QUALITY_CONFIG,
    onTickerDone: () => (lastTickerDone = performance.now()),
  });
  const ended = performance.now();
  process.stdout.write(
    JSON.stringify({
      status: run.status,
      runMs: Math.round(ended - started),
      endPhaseMs: Math.round(ended - lastTickerDone),
      tableRows: run.tables?.rows,
      // The process's peak resident memory (Node's maxRSS is in KiB).
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n',
  );
} finally {
  await backend.dispose();
}
