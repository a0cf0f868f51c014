// @ts-check
/**
 * The messages between the main thread (`pglite-worker-client.ts`) and the PGlite worker thread
 * (`pglite-worker.js`). Plain JavaScript for the same reason as the worker itself: it is loaded untranspiled.
 *
 * Every request carries an id and gets exactly one reply with that id. The worker handles requests one at a time
 * in arrival order, so replies come back in request order too. Opening is request 0, sent implicitly by starting
 * the worker (`workerData`).
 */

/** The id of the reply that reports whether PGlite opened. */
export const OPEN_REQUEST_ID = 0;

/**
 * @typedef {{ dataDir: string }} WorkerData
 * @typedef {{ kind: 'query', sql: string, params: unknown[] }} QueryBody
 * @typedef {{ kind: 'close' }} CloseBody
 * @typedef {QueryBody | CloseBody} RequestBody
 * @typedef {RequestBody & { id: number }} WorkerRequest
 * @typedef {{ name: string, dataTypeID: number }} FieldInfo
 * @typedef {{ rows: unknown[], affectedRows: number | undefined, fields: FieldInfo[] }} QueryResult
 * @typedef {string | number | boolean | null | undefined} Primitive
 * @typedef {{
 *   name: string,
 *   message: string,
 *   stack: string | undefined,
 *   fields: Record<string, Primitive>,
 *   hadParams: boolean,
 * }} SerializedError
 * @typedef {{ id: number, ok: true, result?: QueryResult } | { id: number, ok: false, error: SerializedError }}
 * WorkerReply
 */

/**
 * An error as plain data. Structured clone keeps only an Error's message and stack, not the fields PostgreSQL
 * errors carry (`code`, `severity`, `detail`, `constraint`, ...), so the primitive own properties are copied by
 * hand. `params` is not sent back: the main thread still has the parameters it sent.
 * @param {unknown} error
 * @returns {SerializedError}
 */
export function serializeError(error) {
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: String(error), stack: undefined, fields: {}, hadParams: false };
  }
  /** @type {Record<string, Primitive>} */
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) {
      fields[key] = /** @type {Primitive} */ (value);
    }
  }
  const record = /** @type {{ name?: unknown, message?: unknown, stack?: unknown }} */ (error);
  return {
    name: typeof record.name === 'string' ? record.name : 'Error',
    message: typeof record.message === 'string' ? record.message : String(error),
    stack: typeof record.stack === 'string' ? record.stack : undefined,
    fields,
    hadParams: 'params' in error,
  };
}
