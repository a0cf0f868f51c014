/**
 * The quality checks' own work in a run, timed alone on that run's data: a measure of their cost that the
 * machine's noise does not swamp. Pairs of whole runs with and without the checks (feature-cost.ts) spread by
 * +-15 % on a 2-core machine, even in CPU time, more than the effect; the parts below take a few hundred
 * milliseconds and repeat within a few percent.
 *
 * After a run with the checks, on its home, for every ticker the run stored a snapshot of:
 * - **judge**: what the ticker job adds with the checks (`QualityGate.judgeTicker`, as the job calls it, with the
 *   results given: a run without checks computes them as well): the snapshot checks against the previous snapshot,
 *   the result checks, the vendor verdict, the quality mark, the verdicts with what they are about and the peer
 *   evidence;
 * - **finish**: `finishQuality` as the run calls it (the peer checks, the verdicts stored, the quality object
 *   rendered and written, under a run id of its own);
 * - **table file**: the `quality` table's file of those verdicts rendered and written.
 * The snapshots are read from the lake and their results computed before the clock starts. Each part is timed
 * `rounds` times and its median kept.
 *
 * Not a bound either way. It leaves out, and so reads low: the garbage the verdicts make during the run, the parts'
 * first call in a process (the median is of warm rounds; the verdicts' INSERT is slower the first time), and the
 * table file's row in `lake_table_files`. It counts, and so reads high: the checks against what a run without them
 * does instead (the strict bar rules, not subtracted).
 */
import { randomUUID } from 'node:crypto';
import { computeResults, type TickerResults } from '../../src/compute/results.js';
import type { ComputationVersion } from '../../src/compute/fields.js';
import type { DataLake } from '../../src/lake/data-lake.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { QualityGate } from '../../src/pipeline/quality-gate.js';
import { finishQuality } from '../../src/pipeline/quality-run.js';
import type { TickerOutcome } from '../../src/pipeline/ticker-job.js';
import type { QualityConfig, JudgedSnapshot } from '../../src/quality/index.js';
import { ParquetRenderer } from '../../src/tables/parquet-file.js';
import { qualityRows } from '../../src/tables/rows.js';
import { putTableFile, renderTableFile } from '../../src/tables/table-files.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import { median } from './common.js';

export interface QualityShare {
  /** Median milliseconds of each part. */
  judgeMs: number;
  finishMs: number;
  tableFileMs: number;
  totalMs: number;
  tickers: number;
  verdicts: number;
}

interface Evidence {
  snapshot: RawSnapshot;
  previous: RawSnapshot | undefined;
  raw: JudgedSnapshot;
  results: TickerResults;
}

/**
 * Each ticker's raw snapshot of run `day` (1: its first snapshot, none before it; 2: its second, with the first as
 * the previous one), as the catalog lists them.
 */
async function readEvidence(
  lake: DataLake,
  warehouse: Warehouse,
  version: ComputationVersion,
  day: 1 | 2,
): Promise<Evidence[]> {
  const rows = await warehouse.db
    .selectFrom('lake_objects')
    .select(['key', 'ticker', 'version_id', 'sha256'])
    .where('kind', '=', 'raw')
    .orderBy('ticker')
    .orderBy('key')
    .execute();
  const byTicker = new Map<string, typeof rows>();
  for (const row of rows) byTicker.set(row.ticker, [...(byTicker.get(row.ticker) ?? []), row]);
  const read = async (key: string) => (await lake.getUntagged<RawSnapshot>(key)).body;
  const evidence: Evidence[] = [];
  for (const [ticker, stored] of byTicker) {
    const [before, judged] = day === 1 ? [undefined, stored[0]] : [stored[0], stored[1]];
    if (judged === undefined) throw new Error(`${ticker} has no raw snapshot of day ${day}`);
    const snapshot = await read(judged.key);
    evidence.push({
      snapshot,
      previous: before === undefined ? undefined : await read(before.key),
      raw: { key: judged.key, versionId: judged.version_id ?? '', sha256: judged.sha256 },
      results: computeResults(snapshot, version),
    });
  }
  return evidence;
}

async function timeMs(work: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

export async function measureQualityShare(
  home: { lake: DataLake; warehouse: Warehouse },
  settings: {
    config: QualityConfig;
    computationVersion: ComputationVersion;
    request: { start: string; end: string };
    checkedAt: Date;
    rounds: number;
    day: 1 | 2;
  },
): Promise<QualityShare> {
  const evidence = await readEvidence(home.lake, home.warehouse, settings.computationVersion, settings.day);
  const gate = new QualityGate(settings.config, settings.computationVersion);
  const renderer = await ParquetRenderer.open();
  const judged: number[] = [];
  const finished: number[] = [];
  const tableFile: number[] = [];
  let verdicts = 0;
  try {
    for (let round = 0; round < settings.rounds; round++) {
      const runId = randomUUID();
      let outcomes: TickerOutcome[] = [];
      judged.push(
        await timeMs(() => {
          outcomes = evidence.map((one) => ({
            ticker: one.snapshot.ticker,
            status: 'ok',
            written: [],
            pending: [],
            lakeErrors: [],
            // The job's own judgment, with the results it computes either way given.
            quality: gate.judgeTicker(runId, one.snapshot, one.previous, one.raw, settings.request, () => one.results)
              .quality,
          }));
        }),
      );
      let finish: Awaited<ReturnType<typeof finishQuality>> | undefined;
      const lakeErrors: string[] = [];
      finished.push(
        await timeMs(async () => {
          finish = await finishQuality(
            home.lake.store,
            home.warehouse,
            gate,
            { runId, checkedAt: settings.checkedAt },
            outcomes,
            lakeErrors,
          );
        }),
      );
      const written = finish?.written;
      if (written === undefined || lakeErrors.length > 0) {
        throw new Error(`the quality object was not written: ${lakeErrors.join('; ') || 'no verdicts'}`);
      }
      verdicts = finish!.results.length;
      tableFile.push(
        await timeMs(async () => {
          const rows = () => qualityRows(written.document, written.key);
          const file = await renderTableFile(
            renderer,
            'quality',
            written.document.checked_at.slice(0, 10),
            [rows],
            runId,
          );
          await putTableFile(home.lake.store, file);
        }),
      );
    }
  } finally {
    await renderer.close();
  }
  const share = { judgeMs: median(judged), finishMs: median(finished), tableFileMs: median(tableFile) };
  return {
    ...share,
    totalMs: share.judgeMs + share.finishMs + share.tableFileMs,
    tickers: evidence.length,
    verdicts,
  };
}
