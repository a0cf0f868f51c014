/**
 * The `restatements` and `restatement_bars` tables (migration 0002): the restatements the write path detected,
 * and where (and whether) the lake has their documents.
 */
import { sql, type Kysely } from 'kysely';
import { parseKey, parseTimestamp } from '../lake/keys.js';
import type { BarRestatement, FieldChange, RestatementDocument } from '../lake/formats/restatement.js';
import { RESTATED_BAR_FIELDS, type Database, type RestatedBarField } from './schema.js';
import { errorText, numberArrayLiteral, textArrayLiteral } from './sql-helpers.js';

export interface RecordedRestatement {
  id: number;
  /** False when this snapshot's restatement was recorded before (a retried run): nothing was inserted. */
  inserted: boolean;
  /** The lake key, when the lake object was written already. */
  lakeKey: string | null;
}

/**
 * The restatement and one row per changed field, in ONE statement (a data-modifying CTE inserts the restatement,
 * the main statement its bars, all of them through one unnest), so both or neither are written without a
 * transaction. Idempotent on the newer raw key: when this snapshot's restatement was recorded before, the insert
 * does nothing, no bar is inserted (they hang off the ids it returned: none), and one more query finds it.
 */
export async function insertRestatement(
  db: Kysely<Database>,
  document: RestatementDocument,
): Promise<RecordedRestatement> {
  const bars = document.bars.flatMap((bar) =>
    (Object.entries(bar.fields) as [RestatedBarField, FieldChange][]).map(([field, change]) => ({
      date: bar.date,
      field,
      change: bar.change,
      ...change,
    })),
  );
  const inserted = await db
    .with('restatement', (creator) =>
      creator
        .insertInto('restatements')
        .values({
          ticker: document.ticker,
          raw_key: document.raw_key,
          raw_version_id: document.raw_version_id,
          previous_raw_key: document.previous_raw_key,
          previous_raw_version_id: document.previous_raw_version_id,
          // The raw key's timestamp is the fetch time (UTC, to the second).
          fetched_at: parseTimestamp(parseKey(document.raw_key).timestamp),
          overlap_first_date: document.overlap.first_date,
          overlap_last_date: document.overlap.last_date,
          changed_bars: document.changed_bars,
          first_changed_date: document.bars[0].date,
          last_changed_date: document.bars[document.bars.length - 1].date,
          detected_at: document.detected_at,
        })
        .onConflict((conflict) => conflict.column('raw_key').doNothing())
        .returning('id'),
    )
    .with('bars', (creator) =>
      creator
        .insertInto('restatement_bars')
        .columns(['restatement_id', 'bar_date', 'field', 'change', 'old_value', 'new_value'])
        .expression(
          sql`select r.id, b.bar_date, b.field, b.change, b.old_value, b.new_value
              from restatement r
              cross join unnest(${textArrayLiteral(bars.map((bar) => bar.date))}::date[], ${textArrayLiteral(bars.map((bar) => bar.field))}::text[],
                                ${textArrayLiteral(bars.map((bar) => bar.change))}::text[], ${numberArrayLiteral(bars.map((bar) => bar.old))}::float8[],
                                ${numberArrayLiteral(bars.map((bar) => bar.new))}::float8[])
                as b(bar_date, field, change, old_value, new_value)`,
        ),
    )
    .selectFrom('restatement')
    .select('id')
    .executeTakeFirst();
  if (inserted !== undefined) return { id: inserted.id, inserted: true, lakeKey: null };
  const existing = await db
    .selectFrom('restatements')
    .select(['id', 'lake_key'])
    .where('raw_key', '=', document.raw_key)
    .executeTakeFirstOrThrow();
  return { id: existing.id, inserted: false, lakeKey: existing.lake_key };
}

export async function markRestatementWritten(
  db: Kysely<Database>,
  id: number,
  key: string,
  versionId: string,
): Promise<void> {
  await db
    .updateTable('restatements')
    .set({ lake_key: key, lake_version_id: versionId, lake_error: null })
    .where('id', '=', id)
    .execute();
}

export async function markRestatementLakeFailed(db: Kysely<Database>, id: number, error: unknown): Promise<void> {
  await db
    .updateTable('restatements')
    .set({ lake_error: errorText(error) })
    .where('id', '=', id)
    .where('lake_key', 'is', null)
    .execute();
}

/** A stored restatement: the document as the lake has it, plus where (and whether) the lake has it. */
export interface StoredRestatement extends RestatementDocument {
  id: number;
  lake_key: string | null;
  lake_version_id: string | null;
  lake_error: string | null;
}

export interface RestatementFilter {
  /** Only these tickers. */
  tickers?: readonly string[];
  /** Only the restatement revealed by this (newer) raw key. */
  rawKey?: string;
  /** Only those whose lake object is not written yet. */
  lakePending?: boolean;
}

/** Restatements matching the filter, oldest first per ticker, with their bars. */
export async function listRestatements(
  db: Kysely<Database>,
  filter: RestatementFilter = {},
): Promise<StoredRestatement[]> {
  if (filter.tickers !== undefined && filter.tickers.length === 0) return [];
  const matching = () => {
    let query = db.selectFrom('restatements');
    if (filter.tickers !== undefined) query = query.where('ticker', 'in', [...filter.tickers]);
    if (filter.rawKey !== undefined) query = query.where('raw_key', '=', filter.rawKey);
    if (filter.lakePending) query = query.where('lake_key', 'is', null);
    return query;
  };
  const rows = await matching().selectAll().orderBy('ticker').orderBy('fetched_at').orderBy('id').execute();
  if (rows.length === 0) return [];
  // A subquery rather than a list of ids: no bind-parameter limit however many restatements match.
  const barRows = await db
    .selectFrom('restatement_bars')
    .selectAll()
    .where('restatement_id', 'in', matching().select('id'))
    .orderBy('restatement_id')
    .orderBy('bar_date')
    .execute();
  const barsById = new Map<number, Map<string, BarRestatement>>();
  for (const bar of barRows) {
    let byDate = barsById.get(bar.restatement_id);
    if (!byDate) barsById.set(bar.restatement_id, (byDate = new Map()));
    let entry = byDate.get(bar.bar_date);
    if (!entry) byDate.set(bar.bar_date, (entry = { date: bar.bar_date, change: bar.change, fields: {} }));
    entry.fields[bar.field] = { old: bar.old_value, new: bar.new_value };
  }
  // The fields of a bar in BAR_FIELDS order, as the lake document has them.
  for (const byDate of barsById.values()) {
    for (const entry of byDate.values()) {
      const ordered: BarRestatement['fields'] = {};
      for (const field of RESTATED_BAR_FIELDS) if (entry.fields[field]) ordered[field] = entry.fields[field];
      entry.fields = ordered;
    }
  }
  return rows.map((row) => {
    const bars = [...(barsById.get(row.id)?.values() ?? [])];
    return {
      id: row.id,
      schema: 'marketlake.restatement/1',
      ticker: row.ticker,
      detected_at: row.detected_at.toISOString(),
      raw_key: row.raw_key,
      raw_version_id: row.raw_version_id,
      previous_raw_key: row.previous_raw_key,
      previous_raw_version_id: row.previous_raw_version_id,
      overlap: { first_date: row.overlap_first_date, last_date: row.overlap_last_date },
      changed_bars: row.changed_bars,
      bars,
      lake_key: row.lake_key,
      lake_version_id: row.lake_version_id,
      lake_error: row.lake_error,
    };
  });
}
