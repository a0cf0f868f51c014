/**
 * The multi-day mode (`--days N`): the days users live in after the first run. One backend, one home, N daily
 * runs with the clock of consecutive calendar days at 22:00 UTC (weekends included: the sample source has no bar
 * on them), and on one day (`--restate-day`) a vendor that restates two bars of every tenth ticker and keeps
 * them restated afterwards. For each day:
 * - the run's wall time, and its floor measured right after it: the objects that day wrote, written bare, plus
 *   the rows it wrote (prices fetched and results computed at that instant) bulk-inserted into a fresh database;
 * - rows written (price rows and result rows), objects and bytes added to the lake;
 * - the database's size (pg_database_size), and on the embedded backend its data directory and the lake folder
 *   on disk.
 * Growth: right after day 1 and after the last day the database is compacted (VACUUM FULL) to measure its live
 * data; the target is last-day size <= 1.3 x (day-1 size + live data added).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { ComputationVersion } from '../../src/compute/fields.js';
import { DataLake } from '../../src/lake/data-lake.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { dateRange, runDaily } from '../../src/pipeline/daily-run.js';
import { createSource } from '../../src/sources/index.js';
import type { MarketDataSource, SnapshotRequest } from '../../src/sources/source.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import type { Backend } from './backends.js';
import { bytes, int, seconds, timed } from './common.js';
import { measureObjectFloor, measureRowFloor } from './floor.js';
import { Stopwatch, timedWarehouse, timingStore } from './instrument.js';
import { measureCpuPass, type StoredObjectInfo } from './run.js';

export interface DaysSettings {
  tickers: string[];
  concurrency: number;
  computationVersion: ComputationVersion;
  days: number;
  /** Day 1's date, YYYY-MM-DD. */
  firstDay: string;
  /** The day (1-based) the vendor restates bars; 0: never. */
  restateDay: number;
  floors: boolean;
}

export interface DayMeasurement {
  day: number;
  date: string;
  weekday: string;
  status: string;
  wallMs: number;
  objectFloorMs?: number;
  /** The run's CPU work alone (sample generation, compute, rendering; measureCpuPass), which no floor contains. */
  cpuMs?: number;
  rowFloorMs?: number;
  floorMs?: number;
  objects: number;
  objectBytes: number;
  priceRows: number;
  resultRows: number;
  restatedTickers: number;
  databaseBytes: number;
  dataDirectoryBytes?: number;
  lakeDiskBytes?: number;
}

export interface DaysResult {
  backend: string;
  settings: Omit<DaysSettings, 'tickers'> & { tickers: number };
  days: DayMeasurement[];
  /** Database size after day 1 and after compacting it then, and the same after the last day. */
  growth: { day1Bytes: number; day1CompactBytes: number; lastBytes: number; lastCompactBytes: number };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export async function measureDays(
  backend: Backend,
  settings: DaysSettings,
  log: (line: string) => void,
): Promise<DaysResult> {
  const restating = new RestatingVendor(createSource('sample'), settings.tickers);
  const catalogued = new Set<string>();
  const days: DayMeasurement[] = [];
  const growth = { day1Bytes: 0, day1CompactBytes: 0, lastBytes: 0, lastCompactBytes: 0 };
  for (let day = 1; day <= settings.days; day++) {
    const instant = new Date(`${settings.firstDay}T22:00:00Z`);
    instant.setUTCDate(instant.getUTCDate() + day - 1);
    if (day === settings.restateDay) restating.startRestating();
    const range = dateRange(instant, '2y');
    // Where the day's time goes: summed latencies of the store calls and SQL statements (see instrument.ts).
    const watch = new Stopwatch();
    const warehouse = timedWarehouse(backend.warehouse, watch);
    const lake = new DataLake(timingStore(backend.store, watch), new WarehouseLakeCatalog(warehouse.db));
    const run = await timed(() =>
      runDaily({
        tickers: settings.tickers,
        source: restating,
        lake,
        warehouse,
        computationVersion: settings.computationVersion,
        start: range.start,
        end: range.end,
        concurrency: settings.concurrency,
        clock: () => instant,
      }),
    );
    const objects = await newObjects(backend.warehouse, catalogued);
    const measurement: DayMeasurement = {
      day,
      date: instant.toISOString().slice(0, 10),
      weekday: WEEKDAYS[instant.getUTCDay()],
      status: run.value.status,
      wallMs: run.wallMs,
      objects: objects.length,
      objectBytes: objects.reduce((n, o) => n + o.size, 0),
      ...(await rowsWrittenAt(backend.warehouse, instant)),
      restatedTickers: run.value.restatements.count,
      databaseBytes: await databaseBytes(backend.warehouse),
      ...(backend.warehouse.kind === 'pglite'
        ? { dataDirectoryBytes: await diskBytes(backend.warehouse.location) }
        : {}),
      ...(backend.lakeRoot === undefined ? {} : { lakeDiskBytes: await diskBytes(backend.lakeRoot) }),
    };
    if (settings.floors) {
      const objectFloor = await measureObjectFloor(backend, objects, settings.concurrency, { durable: false });
      const floorWarehouse = await backend.openFloorWarehouse();
      try {
        const rowFloor = await measureRowFloor(backend.warehouse, floorWarehouse, instant);
        measurement.objectFloorMs = objectFloor.wallMs;
        measurement.rowFloorMs = rowFloor.wallMs;
        measurement.floorMs = objectFloor.wallMs + rowFloor.wallMs;
        const cpu = await measureCpuPass(
          { ...range, tickers: settings.tickers, concurrency: 1, computationVersion: settings.computationVersion },
          instant,
        );
        measurement.cpuMs = cpu.totalMs;
      } finally {
        await floorWarehouse.close();
      }
    }
    days.push(measurement);
    log(dayLine(measurement, days[0]));
    const busiest = watch.entries().slice(0, 6);
    log(
      `     busiest: ${busiest.map(([step, t]) => `${step} ${int(t.calls)} x ${(t.ms / t.calls).toFixed(1)} ms`).join('; ')}`,
    );
    if (day === 1) {
      growth.day1Bytes = measurement.databaseBytes;
      growth.day1CompactBytes = await compactedBytes(backend.warehouse);
    }
  }
  growth.lastBytes = days[days.length - 1].databaseBytes;
  growth.lastCompactBytes = await compactedBytes(backend.warehouse);
  const { tickers, ...rest } = settings;
  return { backend: backend.label, settings: { ...rest, tickers: tickers.length }, days, growth };
}

/**
 * The sample vendor, which from `startRestating()` on revises the close of two bars (3 and 7 bars before the
 * last one of that day) of every tenth ticker, and keeps them revised, as Yahoo does after a split or dividend.
 */
class RestatingVendor implements MarketDataSource {
  readonly name: MarketDataSource['name'];
  private restating = false;
  /** Per restated ticker, the dates it revises, fixed on the first day it restates. */
  private readonly dates = new Map<string, Set<string>>();
  private readonly restated: Set<string>;

  constructor(
    private readonly inner: MarketDataSource,
    tickers: readonly string[],
  ) {
    this.name = inner.name;
    this.restated = new Set(tickers.filter((_, i) => i % 10 === 0));
  }

  startRestating(): void {
    this.restating = true;
  }

  async fetchSnapshot(ticker: string, request: SnapshotRequest): Promise<RawSnapshot> {
    const snapshot = await this.inner.fetchSnapshot(ticker, request);
    if (!this.restating || !this.restated.has(ticker)) return snapshot;
    let dates = this.dates.get(ticker);
    if (dates === undefined) {
      const bars = snapshot.bars;
      dates = new Set([bars[bars.length - 4]?.date, bars[bars.length - 8]?.date].filter((d) => d !== undefined));
      this.dates.set(ticker, dates);
    }
    const revised = dates;
    return {
      ...snapshot,
      bars: snapshot.bars.map((bar) => {
        if (!revised.has(bar.date)) return bar;
        const close = (bar.low + bar.close) / 2;
        return { ...bar, close, adj_close: close };
      }),
    };
  }
}

/** The catalog rows not seen before (and now remembered): the objects of the day's run. */
async function newObjects(warehouse: Warehouse, seen: Set<string>): Promise<StoredObjectInfo[]> {
  const rows = await warehouse.db.selectFrom('lake_objects').select(['key', 'kind', 'size']).execute();
  const fresh = rows.filter((row) => !seen.has(row.key));
  for (const row of fresh) seen.add(row.key);
  return fresh.map((row) => ({ key: row.key, kind: row.kind, size: Number(row.size) }));
}

async function rowsWrittenAt(warehouse: Warehouse, instant: Date): Promise<{ priceRows: number; resultRows: number }> {
  const { rows } = await sql<{ prices: number; results: number }>`
    select (select count(*) from daily_prices where fetched_at = ${instant})::int as prices,
           ((select count(*) from daily_indicators where computed_at = ${instant})
            + (select count(*) from indicator_percentiles where computed_at = ${instant})
            + (select count(*) from comparative_features where computed_at = ${instant}))::int as results`.execute(
    warehouse.db,
  );
  return { priceRows: rows[0].prices, resultRows: rows[0].results };
}

async function databaseBytes(warehouse: Warehouse): Promise<number> {
  const { rows } = await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(warehouse.db);
  return Number(rows[0].n);
}

/** The size the database shrinks to with every dead row version squeezed out: its live data. */
async function compactedBytes(warehouse: Warehouse): Promise<number> {
  await sql`vacuum full`.execute(warehouse.db);
  return databaseBytes(warehouse);
}

/** Bytes allocated on disk under `path` (what `du` counts). */
async function diskBytes(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.blocks * 512;
  let total = info.blocks * 512;
  for (const entry of await readdir(path)) total += await diskBytes(join(path, entry));
  return total;
}

function dayLine(m: DayMeasurement, first: DayMeasurement): string {
  const floor =
    m.floorMs === undefined ? '' : `, floor ${seconds(m.floorMs)} s (${(m.wallMs / m.floorMs).toFixed(2)}x)`;
  return (
    `   day ${m.day} ${m.date} ${m.weekday}: ${m.status}, ${seconds(m.wallMs)} s${floor}, ` +
    `${(m.wallMs / first.wallMs).toFixed(2)}x day 1; ${int(m.objects)} objects (${bytes(m.objectBytes)}); ` +
    `rows: prices ${int(m.priceRows)}, results ${int(m.resultRows)}; restated ${m.restatedTickers}; ` +
    `database ${bytes(m.databaseBytes)}`
  );
}

/** The Markdown table of a multi-day result, for docs/benchmarks.md. */
export function daysTable(result: DaysResult): string {
  const first = result.days[0];
  const mb = (n: number | undefined) => (n === undefined ? '' : (n / 1e6).toFixed(1));
  const lines = [
    '| day | date | run s | floor s | run / floor | CPU work s | run / (floor + CPU) | run / day 1 | objects | lake +MB | price rows | result rows | restated tickers | database MB | data dir MB | lake on disk MB |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const m of result.days) {
    lines.push(
      `| ${m.day} | ${m.date} ${m.weekday} | ${seconds(m.wallMs)} | ${m.floorMs === undefined ? '' : seconds(m.floorMs)} | ` +
        `${m.floorMs === undefined ? '' : `${(m.wallMs / m.floorMs).toFixed(2)}x`} | ` +
        `${m.cpuMs === undefined ? '' : seconds(m.cpuMs)} | ` +
        `${m.floorMs === undefined || m.cpuMs === undefined ? '' : `${(m.wallMs / (m.floorMs + m.cpuMs)).toFixed(2)}x`} | ` +
        `${(m.wallMs / first.wallMs).toFixed(2)}x | ` +
        `${int(m.objects)} | ${mb(m.objectBytes)} | ${int(m.priceRows)} | ${int(m.resultRows)} | ${m.restatedTickers} | ` +
        `${mb(m.databaseBytes)} | ${mb(m.dataDirectoryBytes)} | ${mb(m.lakeDiskBytes)} |`,
    );
  }
  const g = result.growth;
  const bound = 1.3 * (g.day1Bytes + g.lastCompactBytes - g.day1CompactBytes);
  lines.push(
    '',
    `Growth: database ${mb(g.day1Bytes)} MB after day 1 (${mb(g.day1CompactBytes)} MB compacted), ` +
      `${mb(g.lastBytes)} MB after day ${result.days.length} (${mb(g.lastCompactBytes)} MB compacted): live data added ` +
      `${mb(g.lastCompactBytes - g.day1CompactBytes)} MB; ${mb(g.lastBytes)} MB against the bound 1.3 x (day 1 + live ` +
      `added) = ${mb(bound)} MB: ${g.lastBytes <= bound ? 'met' : 'MISSED'}.`,
  );
  return lines.join('\n');
}
