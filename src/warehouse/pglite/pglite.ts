/**
 * The embedded backend: PGlite with its data directory at `<home>/pglite`, reached through kysely-pglite-dialect.
 * The caller must hold the home directory's lock (`lock.ts`) before calling this; the lock stays with this
 * (main) thread's process whichever way PGlite runs.
 *
 * PGlite runs in a worker thread (`pglite-worker.js`) by default, so that its synchronous WebAssembly does not
 * block the event loop. `MARKETLAKE_PGLITE_WORKER=0` runs it in-process instead, as before: a fallback for
 * debugging or profiling PGlite itself.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { UserError } from '../../errors.js';
import { PGliteWorkerClient } from './pglite-worker-client.js';
import { pgliteOptions } from './pglite-options.js';

export const PGLITE_WORKER_ENV = 'MARKETLAKE_PGLITE_WORKER';

import { pgliteDataDirectory } from './data-directory.js';

export { pgliteDataDirectory };

/** Whether PGlite runs in a worker thread: unless `MARKETLAKE_PGLITE_WORKER` is 0. */
export function pgliteRunsInWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[PGLITE_WORKER_ENV]?.trim() ?? '';
  if (value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new UserError(
    `${PGLITE_WORKER_ENV} must be 0 (PGlite in-process) or 1 (in a worker thread, the default), not "${value}"`,
  );
}

export async function openPglite(home: string): Promise<PGliteDialect> {
  const dataDir = pgliteDataDirectory(home);
  if (!pgliteRunsInWorker()) return new PGliteDialect(await openInProcess(dataDir));
  const client = await PGliteWorkerClient.start(dataDir);
  // The dialect calls only `query(sql, params)` (reading `rows` and `affectedRows`) and `close()` on its client
  // (kysely-pglite-dialect 1.3), which is what the proxy provides; its type names PGlite's classes.
  return new PGliteDialect(client as unknown as PGlite);
}

async function openInProcess(dataDir: string): Promise<PGlite> {
  const pglite = new PGlite(dataDir, pgliteOptions());
  await pglite.waitReady;
  return pglite;
}
