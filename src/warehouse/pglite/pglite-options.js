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

/**
 * How much write-ahead log the data directory keeps. PostgreSQL's defaults (1GB, 80MB) let a daily run's WAL
 * pile up in pg_wal beside data a few times smaller (a 500-ticker home: 420 MB on disk for a 120 MB database
 * after 10 days). In single-user mode there is no checkpointer: the backend checkpoints by itself once the WAL
 * passes max_wal_size, then recycles or removes the old segments above min_wal_size.
 */
export const PGLITE_MAX_WAL_SIZE = '64MB';
export const PGLITE_MIN_WAL_SIZE = '32MB';

/** @returns {import('@electric-sql/pglite').PGliteOptions} */
export function pgliteOptions() {
  return {
    parsers: PGLITE_PARSERS,
    // PGlite's own start parameters (single-user mode and so on) stay; a later -c overrides postgresql.conf.
    startParams: [
      ...PGlite.defaultStartParams,
      '-c',
      `shared_buffers=${PGLITE_SHARED_BUFFERS}`,
      '-c',
      `max_wal_size=${PGLITE_MAX_WAL_SIZE}`,
      '-c',
      `min_wal_size=${PGLITE_MIN_WAL_SIZE}`,
    ],
  };
}
