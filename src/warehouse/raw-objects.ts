/**
 * Lookups of raw snapshots in the catalog (`lake_objects` rows of kind `raw`). The table sorts keys as text,
 * which is not time order across sources: callers order what these return with compareKeys.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { textArrayLiteral } from './sql-helpers.js';

export interface RawObjectRow {
  key: string;
  version_id: string | null;
}

/**
 * The raw objects of `ticker` other than `rawKey` dated `date` or the latest date before it: both ranges of
 * `lake_objects_latest_idx` in one query (the latest earlier date is a subquery, `limit 1` on the same index).
 */
export async function listRawObjectsOnDateAndDayBefore(
  db: Kysely<Database>,
  ticker: string,
  date: string,
  rawKey: string,
): Promise<RawObjectRow[]> {
  return db
    .selectFrom('lake_objects')
    .select(['key', 'version_id'])
    .where('kind', '=', 'raw')
    .where('ticker', '=', ticker)
    .where('object_date', '<=', date)
    .where((eb) =>
      eb(
        'object_date',
        '>=',
        eb.fn.coalesce(
          eb
            .selectFrom('lake_objects')
            .select('object_date')
            .where('kind', '=', 'raw')
            .where('ticker', '=', ticker)
            .where('object_date', '<', date)
            .orderBy('object_date', 'desc')
            .limit(1),
          eb.val(date),
        ),
      ),
    )
    .where('key', '<>', rawKey)
    .execute();
}

/**
 * For every ticker in ONE statement, its raw objects dated from its latest raw date before `since` on (or from
 * `since` when it has none before): the ranges of lake_objects_latest_idx that listRawObjectsOnDateAndDayBefore
 * reads, for any snapshot dated `since` or later.
 */
export async function listRawObjectsSince(
  db: Kysely<Database>,
  tickers: readonly string[],
  since: string,
): Promise<(RawObjectRow & { ticker: string })[]> {
  if (tickers.length === 0) return [];
  const { rows } = await sql<{ ticker: string; key: string; version_id: string | null }>`
    select o.ticker, o.key, o.version_id
    from unnest(${textArrayLiteral(tickers)}::text[]) as t(ticker)
    join lake_objects o
      on o.kind = 'raw' and o.ticker = t.ticker
     and o.object_date >= coalesce(
           (select p.object_date from lake_objects p
             where p.kind = 'raw' and p.ticker = t.ticker and p.object_date < ${since}::date
             order by p.object_date desc limit 1),
           ${since}::date)`.execute(db);
  return rows;
}

/** Each ticker's raw objects of its latest fetch date (any source). */
export async function listRawObjectsOfLatestDate(
  db: Kysely<Database>,
  tickers: readonly string[],
): Promise<(RawObjectRow & { ticker: string })[]> {
  return db
    .selectFrom('lake_objects as raw')
    .select(['raw.ticker', 'raw.key', 'raw.version_id'])
    .where('raw.kind', '=', 'raw')
    .where('raw.ticker', 'in', [...tickers])
    .where((eb) =>
      eb(
        'raw.object_date',
        '=',
        eb
          .selectFrom('lake_objects as newer')
          .select((inner) => inner.fn.max('newer.object_date').as('date'))
          .where('newer.kind', '=', 'raw')
          .whereRef('newer.ticker', '=', 'raw.ticker'),
      ),
    )
    .execute();
}

/** Tickers with at least one catalogued raw snapshot, sorted. */
export async function listTickersWithRawObjects(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('lake_objects')
    .select('ticker')
    .distinct()
    .where('kind', '=', 'raw')
    .orderBy('ticker')
    .execute();
  return rows.map((row) => row.ticker);
}
