import type { ComputationVersion } from '../../src/compute/fields.js';
import type { ProcessedDocument } from '../../src/lake/formats/processed.js';
import type { LineageEmitter } from '../../src/lineage/emitter.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { runDaily, type RunSummary } from '../../src/pipeline/daily-run.js';
import { reprocess, type ReprocessOptions, type ReprocessSummary } from '../../src/reprocess/reprocess.js';
import { createSource } from '../../src/sources/index.js';
import { TEST_NOW, type TestLake } from './lake.js';

/** `TEST_NOW` plus some minutes: a later computation (its keys get a later timestamp). */
export function minutesLater(minutes: number): Date {
  return new Date(TEST_NOW.getTime() + minutes * 60_000);
}

export interface DailyRunAt {
  tickers?: string[];
  computationVersion?: ComputationVersion;
  /** First and last date of bars fetched (the sample source is deterministic for a date range). */
  start?: string;
  end?: string;
  now?: Date;
  lineage?: LineageEmitter;
}

/** A daily run from the sample source, with its range and clock chosen. */
export function runAt(t: TestLake, options: DailyRunAt = {}): Promise<RunSummary> {
  const now = options.now ?? TEST_NOW;
  return runDaily({
    tickers: options.tickers ?? ['NVDA'],
    source: createSource('sample'),
    lake: t.lake,
    warehouse: t.warehouse,
    computationVersion: options.computationVersion ?? '1.0',
    start: options.start ?? '2024-11-26',
    end: options.end ?? '2026-11-26',
    concurrency: 2,
    clock: () => now,
    ...(options.lineage ? { lineage: options.lineage } : {}),
  });
}

export function reprocessAt(
  t: TestLake,
  options: Partial<ReprocessOptions> & { now?: Date } = {},
): Promise<ReprocessSummary> {
  const { now, ...rest } = options;
  const clock = now ?? minutesLater(60);
  return reprocess({ lake: t.lake, warehouse: t.warehouse, computationVersion: '2.0', clock: () => clock, ...rest });
}

export async function readJson<T>(t: TestLake, key: string, versionId?: string): Promise<T> {
  const object = await t.store.get(key, versionId === undefined ? undefined : { versionId });
  return JSON.parse(Buffer.from(object.body).toString('utf8')) as T;
}

export const readProcessed = (t: TestLake, key: string) => readJson<ProcessedDocument<Record<string, unknown>>>(t, key);
export const readRaw = (t: TestLake, key: string) => readJson<RawSnapshot>(t, key);

/** JSON round trip: numbers as a stored object holds them. */
export const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value));
