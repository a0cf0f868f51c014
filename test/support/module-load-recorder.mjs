// Records the URL of every module the process loads, one per line, to the file named by MARKETLAKE_MODULE_LOG:
// `node --import ./test/support/module-load-recorder.mjs bin/marketlake.js ...`. Modules resolved by the ESM
// resolver are recorded by loader hooks, which run on the loader thread and so write to the file themselves;
// modules loaded with `require` (src/sql/duckdb-api.ts loads DuckDB so) are recorded here, on this thread.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

const log = process.env.MARKETLAKE_MODULE_LOG;
if (log === undefined || log === '') throw new Error('module-load-recorder: set MARKETLAKE_MODULE_LOG to a file path');
register('./module-load-recorder-hooks.mjs', import.meta.url, { data: { log } });

// CommonJS resolution has no public hook on Node 20; `_resolveFilename` is where `require` resolves every module.
/** @type {{ _resolveFilename: (...args: unknown[]) => string }} */
const loader = /** @type {any} */ (Module);
const resolveFilename = loader._resolveFilename;
/** @param {unknown[]} args */
loader._resolveFilename = function (...args) {
  const filename = resolveFilename.apply(this, args);
  if (isAbsolute(filename)) appendFileSync(log, `${pathToFileURL(filename).href}\n`);
  return filename;
};
