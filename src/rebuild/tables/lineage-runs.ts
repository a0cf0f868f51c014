/**
 * What the lake's OpenLineage events (`lineage/openlineage/`, written by every run: src/lineage/emitter.ts) say
 * about runs, for `tables rebuild`: one entry per run that ended (its START and its COMPLETE or FAIL event), and
 * which run wrote each lake object (the datasets its events list as outputs). A run without an end event is still
 * running, or died: it gets no row until it ends (a died run's objects keep a null run_id).
 */
import { z } from 'zod';
import { LINEAGE_PREFIX } from '../../lineage/emitter.js';
import { datasetNaming } from '../../lineage/namespace.js';
import { fetchObject } from '../../lake-scan/fetch.js';
import { listAllKeys } from '../../storage/listing.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { mapAll } from '../../concurrency.js';
import type { RunEntry } from '../../tables/rows.js';

const EVENT = z.object({
  eventType: z.string(),
  eventTime: z.string(),
  run: z.object({
    runId: z.string().min(1),
    facets: z
      .object({
        marketlake_run: z
          .object({
            status: z.string(),
            objectsWritten: z.number(),
            outboxPending: z.number(),
            failed: z.array(z.unknown()),
          })
          .optional(),
        errorMessage: z.object({ message: z.string() }).optional(),
      })
      .optional(),
  }),
  job: z.object({
    name: z.string(),
    facets: z.object({ marketlake_computation: z.object({ computationVersion: z.string() }).optional() }).optional(),
  }),
  inputs: z.array(z.object({ name: z.string() })).default([]),
  outputs: z.array(z.object({ name: z.string() })).default([]),
});
type Event = z.infer<typeof EVENT>;

export interface LineageRuns {
  runs: RunEntry[];
  /** Lake key -> the run whose events list it as an output. */
  runOfKey: Map<string, string>;
  events: number;
  failed: { key: string; reason: string }[];
}

export async function readLineageRuns(store: ObjectStore, concurrency = 16): Promise<LineageRuns> {
  const keys: string[] = [];
  for await (const key of listAllKeys(store, LINEAGE_PREFIX)) keys.push(key);
  const failed: LineageRuns['failed'] = [];
  const events = await mapAll(keys, concurrency, async (key): Promise<Event | undefined> => {
    const fetched = await fetchObject(store, key);
    if (fetched.status !== 'ok') {
      failed.push({ key, reason: fetched.status === 'missing' ? 'not found' : fetched.error });
      return undefined;
    }
    try {
      const parsed = EVENT.safeParse(JSON.parse(Buffer.from(fetched.body).toString('utf8')));
      if (parsed.success) return parsed.data;
      failed.push({ key, reason: `not an OpenLineage run event: ${parsed.error.issues[0]?.message ?? ''}` });
    } catch (error) {
      failed.push({ key, reason: `not JSON: ${(error as Error).message}` });
    }
    return undefined;
  });

  const prefix = datasetNaming(store).prefix;
  const byRun = new Map<string, Event[]>();
  const runOfKey = new Map<string, string>();
  for (const event of events) {
    if (event === undefined) continue;
    const list = byRun.get(event.run.runId) ?? [];
    list.push(event);
    byRun.set(event.run.runId, list);
    // A run's outputs are the processed objects it wrote; its inputs, the raw snapshots it stored (the daily run's
    // events say so: src/pipeline/daily-run.ts). A reprocess's inputs are older snapshots it read, not its own.
    const written = [...event.outputs, ...(event.job.name === 'daily_run' ? event.inputs : [])];
    for (const dataset of written) {
      if (dataset.name.startsWith(prefix)) runOfKey.set(dataset.name.slice(prefix.length), event.run.runId);
    }
  }
  const runs: RunEntry[] = [];
  for (const [runId, list] of byRun) {
    const start = list.find((event) => event.eventType === 'START');
    const end = list.find((event) => event.eventType === 'COMPLETE' || event.eventType === 'FAIL');
    if (start === undefined || end === undefined) continue;
    runs.push(runEntry(runId, start, end));
  }
  runs.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  return { runs, runOfKey, events: keys.length, failed };
}

/** A FAIL without an outcome: a run stopped by a signal says so in its error message (daily-run.ts). */
function failureStatus(end: Event): string {
  return end.run.facets?.errorMessage?.message.startsWith('interrupted by ') ? 'interrupted' : 'failed';
}

/** The run's row: its outcome facet when the end event has one (a FAIL of a run that threw has none). */
export function runEntry(runId: string, start: Event, end: Event): RunEntry {
  const outcome = end.run.facets?.marketlake_run;
  return {
    runId,
    job: start.job.name,
    status: outcome?.status ?? (end.eventType === 'COMPLETE' ? 'ok' : failureStatus(end)),
    startedAt: new Date(start.eventTime).toISOString(),
    endedAt: new Date(end.eventTime).toISOString(),
    computationVersion: start.job.facets?.marketlake_computation?.computationVersion ?? null,
    objectsWritten: outcome?.objectsWritten ?? null,
    outboxPending: outcome?.outboxPending ?? null,
    failedTickers: outcome?.failed.length ?? null,
  };
}
