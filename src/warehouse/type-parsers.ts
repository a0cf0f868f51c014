/**
 * Result parsing shared by both backends, so that the repository sees the same JS values on PGlite and on
 * PostgreSQL (see `schema.ts` for the conventions).
 */

/** PostgreSQL type OIDs (pg_type.oid), stable across server versions. */
export const PG_OID = { INT8: 20, DATE: 1082 } as const;

/** `date` stays the `YYYY-MM-DD` text the server sent: a JS Date would move the day with the local time zone. */
export function parseDate(text: string): string {
  return text;
}

/**
 * `bigint` (identity ids, object sizes, count(*)) as a JS number. Values beyond 2^53 cannot be represented
 * exactly; failing the query is better than returning a wrong id.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`bigint value ${text} is outside the range a JS number holds exactly`);
  }
  return value;
}
