/**
 * Lookups of raw snapshots in the catalog (`lake_objects` rows of kind `raw`). The table sorts keys as text,
 * which is not time order across sources: callers order what these return with compareKeys.
 */
import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import { blockedRawCondition } from './blocked-raws.js';
import type { Database } from './schema.js';
import { textArrayLiteral } from './sql-helpers.js';

export interface RawObjectRow {
  key: string;
  version_id: string | null;
}

/** A raw object, and whether a `block` run kept what it would give out (src/warehouse/blocked-raws.ts). */
export interface JudgedRawObjectRow extends RawObjectRow {
  blocked: boolean;
}

/**
 * The raw objects of `ticker` other than `rawKey` dated `date` or earlier, back to the latest date before `date`
 * that has a raw object not blocked (or, when there is none, the latest date before `date`): both the previous
 * snapshot and the newest previous one not blocked are among them. Ranges of `lake_objects_latest_idx` (the
 * bound is a subquery, `limit 1` on the same index); each row says whether it was blocked.
 */
export async function listRawObjectsOnDateAndDayBefore(
  db: Kysely<Database>,
  ticker: string,
  date: string,
  rawKey: string,
): Promise<JudgedRawObjectRow[]> {
  const { rows } = await sql<JudgedRawObjectRow>`
    select o.key, o.version_id, ${blockedRawCondition(sql.ref('o.key'))} as blocked
    from lake_objects o
    where o.kind = 'raw' and o.ticker = ${ticker} and o.object_date <= ${date}::date and o.key <> ${rawKey}
      and o.object_date >= ${earliestNeededDate(sql`${ticker}::text`, sql`${date}::date`)}`.execute(db);
  return rows;
}

/**
 * For every ticker in ONE statement, its raw objects dated from `since` on and back to the latest date before
 * `since` with a raw object not blocked (or the latest date before `since` when there is none): the ranges of
 * lake_objects_latest_idx that listRawObjectsOnDateAndDayBefore reads, for any snapshot dated `since` or later.
 */
export async function listRawObjectsSince(
  db: Kysely<Database>,
  tickers: readonly string[],
  since: string,
): Promise<(JudgedRawObjectRow & { ticker: string })[]> {
  if (tickers.length === 0) return [];
  const { rows } = await sql<JudgedRawObjectRow & { ticker: string }>`
    select o.ticker, o.key, o.version_id, ${blockedRawCondition(sql.ref('o.key'))} as blocked
    from unnest(${textArrayLiteral(tickers)}::text[]) as t(ticker)
    join lake_objects o
      on o.kind = 'raw' and o.ticker = t.ticker
     and o.object_date >= ${earliestNeededDate(sql.ref('t.ticker'), sql`${since}::date`)}`.execute(db);
  return rows;
}

/**
 * The first date whose raw objects a lookup of snapshots dated `date` (or later) needs: the latest earlier date
 * with a raw object not blocked, else the latest earlier date, else `date` itself. The first probe walks the
 * ticker's dates down from `date` and stops at the first object not blocked (blocked ones are rare).
 */
function earliestNeededDate(ticker: Expression<string>, date: Expression<string>): RawBuilder<string> {
  return sql<string>`coalesce(
    (select p.object_date from lake_objects p
      where p.kind = 'raw' and p.ticker = ${ticker} and p.object_date < ${date}
        and not ${blockedRawCondition(sql.ref('p.key'))}
      order by p.object_date desc limit 1),
    (select p.object_date from lake_objects p
      where p.kind = 'raw' and p.ticker = ${ticker} and p.object_date < ${date}
      order by p.object_date desc limit 1),
    ${date})`;
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
