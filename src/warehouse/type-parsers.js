// @ts-check
/**
 * Result parsing shared by both backends (`pglite/` and `postgres/`), so that the warehouse functions see the same
 * JS values on PGlite and on PostgreSQL (see `schema.ts` for the conventions).
 *
 * Plain JavaScript (type-checked through JSDoc) because the PGlite worker thread (`pglite/pglite-worker.js`)
 * imports it and files loaded by `new Worker` are not transpiled: not by vitest, and not when running from `src/`.
 */

/** PostgreSQL type OIDs (pg_type.oid), stable across server versions. */
export const PG_OID = /** @type {const} */ ({ INT8: 20, DATE: 1082 });

/**
 * `date` stays the `YYYY-MM-DD` text the server sent: a JS Date would move the day with the local time zone.
 * @param {string} text
 * @returns {string}
 */
export function parseDate(text) {
  return text;
}

/**
 * `bigint` (identity ids, object sizes, count(*)) as a JS number. Values beyond 2^53 cannot be represented
 * exactly; failing the query is better than returning a wrong id.
 * @param {string} text
 * @returns {number}
 */
export function parseInt8(text) {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`bigint value ${text} is outside the range a JS number holds exactly`);
  }
  return value;
}

/** The `parsers` option for PGlite, wherever it runs (worker thread or in-process). */
export const PGLITE_PARSERS = Object.freeze({ [PG_OID.DATE]: parseDate, [PG_OID.INT8]: parseInt8 });
