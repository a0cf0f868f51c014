// Records the URL of every module the process loads through the ESM resolver, one per line, to the file named by
// MARKETLAKE_MODULE_LOG: `node --import ./test/support/module-load-recorder.mjs bin/marketlake.js ...`.
// The hooks run on the loader thread, so they write to the file themselves rather than to this thread's memory.
import { register } from 'node:module';

const log = process.env.MARKETLAKE_MODULE_LOG;
if (log === undefined || log === '') throw new Error('module-load-recorder: set MARKETLAKE_MODULE_LOG to a file path');
register('./module-load-recorder-hooks.mjs', import.meta.url, { data: { log } });
