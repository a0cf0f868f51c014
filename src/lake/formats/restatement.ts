/**
 * The restatement record as the lake stores it, under its own prefix (the DataLake's key module knows only raw/
 * and processed/, and a restatement is neither a vendor snapshot nor a computed result):
 *
 *   restatements/{TICKER}/{FETCH_DATE}/{TS}.json      FETCH_DATE, TS (and any `_n`): those of the NEWER raw key
 *
 * so the record sits beside the snapshot that revealed it and sorts like it. One JSON document on a single line:
 *   {"schema":"marketlake.restatement/1","ticker","detected_at","raw_key","raw_version_id","previous_raw_key",
 *    "previous_raw_version_id","overlap":{"first_date","last_date"},"changed_bars",
 *    "bars":[{"date","change":"changed|added|removed","fields":{"close":{"old","new"},...}}]}
 * TICKER is the ticker's key segment (market/ticker-segment.ts).
 * Tags: source=restatement, ticker (its key segment), fetched_at (date), raw_key, previous_raw_key.
 * Metadata: detected_at, source=restatement_detection, ticker, raw_key, previous_raw_key (+ their version ids when
 * known), changed_bars, first_changed_date, last_changed_date, data_classification, content_sha256, producer.
 * Both are checked against S3's limits before the write, like every other object (render.ts). The diff it records
 * is made by staleness/bar-diff.ts; staleness/detect.ts writes it.
 */
import { z } from 'zod';
import { tickerSegment } from '../../market/ticker-segment.js';
import { PRODUCER } from '../../version.js';
import { parseKey } from '../keys.js';
import { isoDate, isoInstant } from './raw-schema.js';
import { renderedObject, serializeBody, sha256Hex, type RenderedObject } from './render.js';
import { checkBeforeWrite, parseDocument, type Same } from './schema-check.js';

export const RESTATEMENT_SCHEMA = 'marketlake.restatement/1';

/** The bar fields a restatement compares (also the `restatement_bars.field` values, migration 0002). */
export const RESTATED_BAR_FIELDS = ['open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;
export type RestatedBarField = (typeof RESTATED_BAR_FIELDS)[number];

/** How a bar differs between two snapshots: values changed, or present in only one of them (inside the overlap). */
export const BAR_CHANGE_KINDS = ['changed', 'added', 'removed'] as const;
export type BarChangeKind = (typeof BAR_CHANGE_KINDS)[number];

export interface FieldChange {
  old: number | null;
  new: number | null;
}

/** One bar of a restatement, as the document stores it (and `diffBars` in src/staleness/bar-diff.ts finds it). */
export interface BarRestatement {
  date: string;
  change: BarChangeKind;
  /** The differing fields; every field for an added or removed bar (the missing side is null). */
  fields: Partial<Record<RestatedBarField, FieldChange>>;
}
export const RESTATEMENT_PREFIX = 'restatements/';

export interface RestatementDocument {
  schema: typeof RESTATEMENT_SCHEMA;
  ticker: string;
  /** ISO UTC instant of the comparison. */
  detected_at: string;
  /** The newer snapshot. */
  raw_key: string;
  /** Null when the newer snapshot is still in the outbox (the lake refused it). */
  raw_version_id: string | null;
  previous_raw_key: string;
  previous_raw_version_id: string | null;
  overlap: { first_date: string; last_date: string };
  changed_bars: number;
  /** Sorted by date; never empty (identical overlaps record nothing). */
  bars: BarRestatement[];
}

const value = z.number().nullable();
const fieldChange = z.strictObject({ old: value, new: value });

/**
 * The restatement document's schema: checked before the write (renderRestatement) and by its readers (the
 * warehouse and tables rebuilds), and exported as schemas/marketlake.restatement-1.schema.json.
 */
export const RESTATEMENT_DOCUMENT = z
  .strictObject({
    schema: z.literal(RESTATEMENT_SCHEMA),
    ticker: z.string().min(1),
    detected_at: isoInstant,
    raw_key: z.string().refine(isRawKey, { message: 'not a raw object key' }),
    raw_version_id: z.string().nullable(),
    previous_raw_key: z.string().refine(isRawKey, { message: 'not a raw object key' }),
    previous_raw_version_id: z.string().nullable(),
    overlap: z.strictObject({ first_date: isoDate, last_date: isoDate }),
    changed_bars: z.number().int().positive(),
    bars: z
      .array(
        z.strictObject({
          date: isoDate,
          change: z.enum(BAR_CHANGE_KINDS),
          fields: z.partialRecord(z.enum(RESTATED_BAR_FIELDS), fieldChange),
        }),
      )
      .min(1),
  })
  .meta({
    title: RESTATEMENT_SCHEMA,
    description:
      'The bars a newer raw snapshot of a ticker gives other values for than the previous one did, inside their ' +
      'overlap (restatements/{TICKER}/{FETCH_DATE}/{TS}.json, beside the newer snapshot).',
  });

/** The schema and the interface the code uses are one type (the compiler refuses this line when they drift). */
export const RESTATEMENT_SCHEMA_MATCHES: Same<z.infer<typeof RESTATEMENT_DOCUMENT>, RestatementDocument> = true;

/** A stored restatement object's body: a DocumentShapeError names the key and the field when it is not one. */
export function parseRestatementDocument(text: string, key: string): RestatementDocument {
  return parseDocument(RESTATEMENT_DOCUMENT, text, key);
}

function isRawKey(key: string): boolean {
  try {
    return parseKey(key).kind === 'raw';
  } catch {
    return false; // any unparsable key is "not a raw key": the schema reports it with the field's name
  }
}

/** `restatements/{TICKER}/{FETCH_DATE}/{TS}[_n].json` for the newer raw key; `sequence` > 1 picks a free `_n`. */
export function restatementKey(rawKey: string, sequence = 1): string {
  const raw = parseKey(rawKey);
  if (raw.kind !== 'raw') throw new Error(`${rawKey} is not a raw key`);
  const n = raw.sequence + sequence - 1;
  return `${RESTATEMENT_PREFIX}${tickerSegment(raw.ticker)}/${raw.date}/${raw.timestamp}${n === 1 ? '' : `_${n}`}.json`;
}

export function renderRestatement(key: string, document: RestatementDocument): RenderedObject {
  const body = serializeBody(document);
  checkBeforeWrite(RESTATEMENT_DOCUMENT, document, body, key);
  const tags = {
    source: 'restatement',
    ticker: tickerSegment(document.ticker),
    fetched_at: parseKey(document.raw_key).date,
    raw_key: document.raw_key,
    previous_raw_key: document.previous_raw_key,
  };
  const metadata: Record<string, string> = {
    detected_at: document.detected_at,
    source: 'restatement_detection',
    ticker: document.ticker,
    raw_key: document.raw_key,
    ...(document.raw_version_id ? { raw_version_id: document.raw_version_id } : {}),
    previous_raw_key: document.previous_raw_key,
    ...(document.previous_raw_version_id ? { previous_raw_version_id: document.previous_raw_version_id } : {}),
    changed_bars: String(document.changed_bars),
    first_changed_date: document.bars[0].date,
    last_changed_date: document.bars[document.bars.length - 1].date,
    data_classification: 'computed-data',
    content_sha256: sha256Hex(body),
    producer: PRODUCER,
  };
  return renderedObject(key, body, tags, metadata);
}
