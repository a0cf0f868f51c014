// @ts-check
/**
 * The options every marketlake PGlite instance opens with, in the worker thread (`pglite-worker.js`) and
 * in-process (`pglite.ts`). Plain JavaScript for the same reason as the worker: it is loaded untranspiled.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_PARSERS } from '../type-parsers.js';

/**
 * PostgreSQL's buffer pool, in PGlite's WebAssembly memory. initdb writes 128MB into postgresql.conf, and
 * PGlite touches the whole pool when it starts: 0.11 GB of resident memory before the first query. The data
 * files stay in the operating system's page cache (PGlite reads them with ordinary file calls), so a smaller
 * pool costs little: with 32MB a first run of 500 tickers peaked at 340-407 MiB instead of 446-529 MiB, in no more time
 * (docs/benchmarks.md, "First command").
 */
export const PGLITE_SHARED_BUFFERS = '32MB';

/** @returns {import('@electric-sql/pglite').PGliteOptions} */
export function pgliteOptions() {
  return {
    parsers: PGLITE_PARSERS,
    // PGlite's own start parameters (single-user mode and so on) stay; a later -c overrides postgresql.conf.
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  };
}
