/**
 * What the catalog row of a lake object must hold, derived from the object alone (its key, version id, size,
 * metadata; its body or tags only when the metadata is silent). `catalog rebuild` inserts these rows and
 * `verify` compares the catalog against them, so both agree on what "the right row" is.
 *
 *   key, kind, ticker, object_date   the key (docs/design.md "Keys")
 *   version_id, size                 the store (HEAD)
 *   sha256                           metadata content_sha256 (or, when given, the sha256 of the body as read)
 *   computation_version              metadata, else the body, else the tag computation_version
 *   source_raw_key                   metadata source_raw_data_key, else the body, else the tag source_raw_data
 *   source_raw_version_id            metadata source_raw_data_version_id, else the body (tags never carry it)
 *   created_at                       metadata computed_at (processed) / fetched_at (raw), else the body's, else
 *                                    the key's timestamp (the same instant to the second, by construction)
 */
import type { ParsedKey } from '../lake/keys.js';
import { parseTimestamp } from '../lake/keys.js';
import type { Metadata, Tags } from '../storage/object-store.js';
import type { CatalogObject } from '../warehouse/lake-objects.js';
import type { CatalogEntry } from '../lake/catalog.js';

/** A catalog row as the lake alone describes it: the lake's own catalog entry. */
export type DerivedCatalogRow = CatalogEntry;

/** Everything known about one version of an object; only key, versionId, size and metadata are required. */
export interface ObjectEvidence {
  key: string;
  parsed: ParsedKey;
  versionId: string;
  size: number;
  metadata: Metadata;
  /** The sha256 of the body as read; preferred over the metadata when given. */
  bodySha256?: string;
  /** The parsed JSON body (processed objects: the document; raw: the snapshot), when it was read. */
  body?: Record<string, unknown>;
  tags?: Tags;
}

export type Derivation = { row: DerivedCatalogRow; missing: [] } | { row: undefined; missing: string[] };

const SHA256 = /^[0-9a-f]{64}$/;

export function deriveCatalogRow(evidence: ObjectEvidence): Derivation {
  const { parsed, metadata, body, tags } = evidence;
  const missing: string[] = [];
  const sha256 =
    evidence.bodySha256 ?? (SHA256.test(metadata.content_sha256 ?? '') ? metadata.content_sha256 : undefined);
  if (sha256 === undefined) missing.push('sha256');

  const raw = parsed.kind === 'raw';
  const createdAt = knownSince(parsed, metadata, body);

  let computationVersion: string | null = null;
  let sourceRawKey: string | null = null;
  let sourceRawVersionId: string | null = null;
  if (!raw) {
    computationVersion =
      metadata.computation_version ?? text(body?.computation_version) ?? tags?.computation_version ?? null;
    sourceRawKey = metadata.source_raw_data_key ?? text(body?.source_raw_data_key) ?? tags?.source_raw_data ?? null;
    sourceRawVersionId = metadata.source_raw_data_version_id ?? text(body?.source_raw_data_version_id) ?? null;
    // The table's CHECK constraint: a processed row names its computation and its source.
    if (computationVersion === null) missing.push('computation_version');
    if (sourceRawKey === null) missing.push('source_raw_key');
  }
  if (missing.length > 0 || sha256 === undefined) return { row: undefined, missing };
  return {
    row: {
      key: evidence.key,
      kind: parsed.kind,
      ticker: parsed.ticker,
      objectDate: parsed.date,
      versionId: evidence.versionId,
      sha256,
      size: evidence.size,
      computationVersion,
      sourceRawKey,
      sourceRawVersionId,
      createdAt,
    },
    missing: [],
  };
}

/**
 * When an object became known: `computed_at` (processed) or `fetched_at` (raw) from the metadata, else from the
 * body, else the key's timestamp (written from that same instant, to the second). This is `created_at` in the
 * catalog and what "as known at" compares against.
 */
export function knownSince(parsed: ParsedKey, metadata: Metadata, body?: Record<string, unknown>): Date {
  const field = parsed.kind === 'raw' ? 'fetched_at' : 'computed_at';
  return instant(metadata[field]) ?? instant(text(body?.[field])) ?? parseTimestamp(parsed.timestamp);
}

export interface ColumnDifference {
  /** The `lake_objects` column. */
  column: string;
  /** What the catalog holds. */
  catalog: string | number | null;
  /** What the object says. */
  object: string | number | null;
}

/** The columns of `row` (the catalog) that disagree with `derived` (the object), version_id first. */
export function compareCatalogRow(row: CatalogObject, derived: DerivedCatalogRow): ColumnDifference[] {
  const pairs: [string, string | number | null, string | number | null][] = [
    // A null version id in the catalog means its writer did not know it (an unversioned store): nothing to compare.
    ['version_id', row.versionId ?? derived.versionId, derived.versionId],
    ['kind', row.kind, derived.kind],
    ['ticker', row.ticker, derived.ticker],
    ['object_date', row.objectDate, derived.objectDate],
    ['sha256', row.sha256, derived.sha256],
    ['size', row.size, derived.size],
    ['computation_version', row.computationVersion, derived.computationVersion],
    ['source_raw_key', row.sourceRawKey, derived.sourceRawKey],
    ['source_raw_version_id', row.sourceRawVersionId, derived.sourceRawVersionId],
    // "As known at" reads this column: a wrong time gives wrong answers there.
    ['created_at', row.createdAt.toISOString(), derived.createdAt.toISOString()],
  ];
  return pairs
    .filter(([, catalog, object]) => catalog !== object)
    .map(([column, catalog, object]) => ({ column, catalog, object }));
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An ISO instant, or undefined when absent or unreadable (the next source in the chain is used then). */
function instant(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}
