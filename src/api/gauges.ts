/**
 * The application's gauges of `/metrics`, read at each scrape from the database: the runs recorded under each
 * status, the outbox's depth (lake writes the database holds that the lake has not taken yet), and the lake errors
 * of the newest finished run (the server's own lake errors are a counter: app.ts). All are read in one opening of
 * the database per scrape (on an embedded home: open, three reads, close; the lock is held for that alone). While
 * a run holds an embedded home, or before it has a database, the gauges have no sample in that scrape rather than
 * a made-up one; any other failure is the registry's to report (a collect error).
 */
import { hasDatabase } from '../lake-scan/lake-reader.js';
import { DataDirectoryInUseError } from '../warehouse/pglite/lock.js';
import { RUN_STATUSES } from '../warehouse/schema.js';
import type { LakeAccess } from './lake-access.js';
import type { GaugeOptions, Sample } from './middleware/index.js';

interface DatabaseState {
  runs: Partial<Record<string, number>>;
  outboxDepth: number;
  newestRunLakeErrors: number | undefined;
}

export function databaseGauges(access: LakeAccess): GaugeOptions[] {
  let inFlight: Promise<DatabaseState | undefined> | undefined;
  // The gauges of one scrape are collected concurrently: they share one read.
  const state = () => {
    inFlight ??= readState(access).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  return [
    {
      name: 'marketlake_runs',
      help: 'Runs and reprocesses recorded in the database, by status.',
      labelNames: ['status'],
      collect: async (): Promise<Sample[]> => {
        const read = await state();
        if (read === undefined) return [];
        return RUN_STATUSES.map((status) => ({ labels: { status }, value: read.runs[status] ?? 0 }));
      },
    },
    {
      name: 'marketlake_outbox_depth',
      help: 'Lake writes the database holds that the lake has not taken yet (lake_outbox pending).',
      collect: async (): Promise<Sample[]> => {
        const read = await state();
        return read === undefined ? [] : [{ value: read.outboxDepth }];
      },
    },
    {
      name: 'marketlake_last_run_lake_errors',
      help: 'Lake errors (writes the lake refused, left to the outbox) of the newest finished run or reprocess.',
      collect: async (): Promise<Sample[]> => {
        const read = await state();
        return read?.newestRunLakeErrors === undefined ? [] : [{ value: read.newestRunLakeErrors }];
      },
    },
  ];
}

async function readState(access: LakeAccess): Promise<DatabaseState | undefined> {
  // Opening an embedded home without a database would make one: a scrape writes nothing.
  if (access.config.databaseUrl === undefined && !hasDatabase(access.config.home)) return undefined;
  const [{ countRunsByStatus, lakeErrorsOfNewestRun }, { countPendingOutbox }] = await Promise.all([
    import('../warehouse/runs.js'),
    import('../warehouse/outbox.js'),
  ]);
  try {
    return await access.withDatabase(async ({ warehouse }) => ({
      runs: await countRunsByStatus(warehouse.db),
      outboxDepth: await countPendingOutbox(warehouse.db),
      newestRunLakeErrors: await lakeErrorsOfNewestRun(warehouse.db),
    }));
  } catch (error) {
    if (error instanceof DataDirectoryInUseError) return undefined;
    throw error;
  }
}
