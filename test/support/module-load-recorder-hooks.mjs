// The loader hooks of module-load-recorder.mjs: every resolved URL is appended to the log file.
import { appendFileSync } from 'node:fs';

/** @type {string} */
let log = '';

/** @param {{ log: string }} data */
export function initialize(data) {
  log = data.log;
}

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
