import { isComputationVersion } from '../compute/fields.js';
import { documentSize } from '../lake/compression.js';
import { PROCESSED_SCHEMAS } from '../lake/formats/processed.js';
import { PROCESSED_DOCUMENTS } from '../lake/formats/processed-schema.js';
import { describeIssues } from '../lake/formats/schema-check.js';
import type { ParsedKey, ProcessedKind } from '../lake/keys.js';
import type { ObjectHead, ObjectStore } from '../storage/object-store.js';
import type { CatalogObject } from '../warehouse/lake-objects.js';
import { compareCatalogRow, deriveCatalogRow, type ObjectEvidence } from '../lake-scan/expected-catalog-row.js';
import { diffJson, type JsonValue } from './json-diff.js';
import { parseKeyOrUndefined } from '../lake-scan/scope.js';
import { fetchObject, headObject } from '../lake-scan/fetch.js';
import type { LoadedRaw, RawSource } from './raw-source.js';
import type { Findings, MismatchProblem } from './report.js';

/** Body fields a processed object's metadata repeats; the two must agree (docs/design.md "User metadata"). */
const REPEATED_FIELDS = [
  'ticker',
  'as_of',
  'computation_version',
  'computed_at',
  'source_raw_data_key',
  'source_raw_data_version_id',
  'source_raw_data_sha256',
] as const;

/** What marketlake's writers put in every object's metadata (`producer=marketlake/<version>`). */
const OUR_PRODUCER = /^marketlake\//;

type Document = Record<string, unknown>;

/**
 * The checks of one object at a time, recording findings rather than stopping: a processed object against its
 * metadata, the catalog, its source raw object and its recomputation; a raw object against its metadata and the
 * catalog; a catalog row against its object. Remembers what it has compared so that nothing is checked twice.
 */
export class ObjectChecks {
  /** Keys whose catalog row has been compared with the object. */
  readonly comparedRows = new Set<string>();
  /** Raw objects checked, as `key\nversion`, and their keys. */
  readonly checkedRaws = new Set<string>();
  readonly checkedRawKeys = new Set<string>();
  /** The ETags of the raw versions read, per key (a version read by id need not be the key's current one). */
  private readonly checkedRawEtags = new Map<string, Set<string>>();
  /** Raw bodies actually read and hashed (a missing or unreadable version is not counted). */
  rawBodiesChecked = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly catalog: ReadonlyMap<string, CatalogObject>,
    private readonly rawSource: RawSource,
    private readonly findings: Findings,
    /** Keys the listing found damaged (already reported with why): a read of them is not reported again. */
    private readonly damaged: ReadonlyMap<string, string> = new Map(),
  ) {}

  async checkProcessed(key: string, parsed: ParsedKey): Promise<void> {
    const kind = parsed.kind as ProcessedKind;
    const fetched = await fetchObject(this.store, key);
    if (fetched.status !== 'ok')
      return this.readError(key, kind, fetched.status === 'missing' ? LISTED_BUT_GONE : fetched.error);
    const { head, sha256 } = fetched;
    const found = (problem: MismatchProblem, detail: Detail = {}) =>
      this.findings.mismatch({ key, kind, problem, ...detail, version_id: head.versionId });

    this.checkContentSha256(key, kind, head, sha256);
    const document = parseDocument(fetched.body);
    if (typeof document === 'string') found('unparseable', { actual: document });
    const body = typeof document === 'string' ? undefined : document;
    await this.compareWithCatalog(
      { key, parsed, versionId: head.versionId, size: fetched.size, metadata: head.metadata, bodySha256: sha256, body },
      kind,
    );
    if (body === undefined) return;

    // JSON of the wrong shape (a foreign writer, a damaged edit) is a finding naming the first bad field; the
    // checks below still run, so a value of the wrong type is also compared with what recomputation gives.
    const shape = PROCESSED_DOCUMENTS[kind].safeParse(body);
    if (!shape.success) {
      const { field, problem } = describeIssues(shape.error);
      found('unparseable', { field, actual: `not a ${PROCESSED_SCHEMAS[kind]} document: ${problem}` });
    }

    // The body must be the document the key and the metadata describe.
    if (body.schema !== PROCESSED_SCHEMAS[kind])
      found('body', { field: 'schema', expected: PROCESSED_SCHEMAS[kind], actual: json(body.schema) });
    if (body.ticker !== parsed.ticker)
      found('body', { field: 'ticker', expected: parsed.ticker, actual: json(body.ticker) });
    if (body.as_of !== parsed.date) found('body', { field: 'as_of', expected: parsed.date, actual: json(body.as_of) });
    for (const field of REPEATED_FIELDS) {
      const recorded = head.metadata[field];
      if (recorded !== undefined && recorded !== body[field])
        found('body', { field, expected: recorded, actual: json(body[field]) });
    }

    // Lineage: the exact raw object it names (by version id, never "the current one").
    const rawKey = head.metadata.source_raw_data_key ?? text(body.source_raw_data_key);
    const rawVersionId = head.metadata.source_raw_data_version_id ?? text(body.source_raw_data_version_id);
    if (rawKey === undefined || rawVersionId === undefined)
      return found('lineage-missing', {
        field: rawKey === undefined ? 'source_raw_data_key' : 'source_raw_data_version_id',
      });
    const raw = await this.rawSource.load(rawKey, rawVersionId);
    await this.checkRaw(raw);
    if (raw.status === 'missing')
      return found('source-raw-missing', {
        field: 'source_raw_data_version_id',
        expected: `${rawKey}?versionId=${rawVersionId}`,
      });
    if (raw.status === 'unreadable')
      return found('source-raw-unreadable', { field: 'source_raw_data_key', expected: rawKey, actual: raw.error });
    const recordedRawSha = head.metadata.source_raw_data_sha256 ?? text(body.source_raw_data_sha256);
    if (recordedRawSha !== raw.sha256)
      found('source-raw-sha256', {
        field: 'source_raw_data_sha256',
        expected: recordedRawSha ?? null,
        actual: raw.sha256,
      });
    if (raw.status === 'unparseable')
      return found('source-raw-unreadable', { field: 'source_raw_data_key', expected: rawKey, actual: raw.error });

    // Recompute under the RECORDED version and compare every value bit for bit.
    const version = head.metadata.computation_version ?? text(body.computation_version);
    if (version === undefined || !isComputationVersion(version))
      return found('computation-version', { field: 'computation_version', actual: version ?? null });
    const asOf = text(body.as_of);
    if (asOf === undefined) return found('as-of', { field: 'as_of', actual: json(body.as_of) });
    const recomputed = await this.rawSource.recompute(raw, version, asOf);
    if ('error' in recomputed) return found('recompute-failed', { actual: recomputed.error });
    if (recomputed.asOf !== body.as_of)
      found('as-of', { field: 'as_of', expected: recomputed.asOf, actual: json(body.as_of) });
    for (const difference of diffJson(recomputed.values[kind], json(body.values))) {
      const problem =
        difference.change === 'changed' ? 'value' : difference.change === 'missing' ? 'value-missing' : 'value-extra';
      found(problem, {
        field: difference.field === '' ? 'values' : difference.field,
        ...(difference.change === 'extra' ? {} : { expected: difference.expected }),
        ...(difference.change === 'missing' ? {} : { actual: difference.actual }),
      });
    }
  }

  /**
   * Whether the current version of a raw key (as listed, by its ETag) has been read already. Processed objects
   * lead to the raw version they record, which is not the current one when someone wrote a new version of the
   * key behind the lake's back (on S3); without an ETag to tell, the current version is read again.
   */
  currentRawChecked(key: string, listedEtag: string | undefined): boolean {
    if (!this.checkedRawKeys.has(key)) return false;
    return listedEtag !== undefined && this.checkedRawEtags.get(key)?.has(listedEtag) === true;
  }

  /** A raw object not reached through any processed object, or not in its current version: its current version. */
  async checkRawKey(key: string): Promise<void> {
    const raw = await this.rawSource.load(key);
    if (raw.status === 'missing') return this.readError(key, 'raw', LISTED_BUT_GONE);
    await this.checkRaw(raw);
  }

  /** A catalog row whose object was not read in full (a sampled run): HEAD of the catalogued version. */
  async checkCatalogRow(row: CatalogObject, parsed: ParsedKey): Promise<void> {
    this.comparedRows.add(row.key);
    const headed = await headObject(this.store, row.key, row.versionId ?? undefined);
    if (headed.status === 'missing') {
      // The key was listed, so it is the version that is missing.
      this.findings.missing.push({ key: row.key, kind: row.kind, version_id: row.versionId, problem: 'no-version' });
      return;
    }
    if (headed.status === 'unreadable') return this.readError(row.key, row.kind, headed.error);
    const { head } = headed;
    this.checkContentSha256(row.key, row.kind, head, undefined);
    const size = documentSize(row.key, head) ?? (await this.bodySize(row, head.versionId));
    if (size === undefined) return;
    await this.compareWithCatalog(
      { key: row.key, parsed, versionId: head.versionId, size, metadata: head.metadata },
      row.kind,
    );
  }

  /**
   * The document size of a compressed object whose metadata does not record it (not written by marketlake): only
   * its body can tell. Undefined, with the finding recorded, when the body cannot be read.
   */
  private async bodySize(row: CatalogObject, versionId: string): Promise<number | undefined> {
    const fetched = await fetchObject(this.store, row.key, versionId);
    if (fetched.status === 'ok') return fetched.size;
    this.readError(row.key, row.kind, fetched.status === 'missing' ? LISTED_BUT_GONE : fetched.error);
    return undefined;
  }

  /** Once per raw version: content hash, parse, catalog row. */
  private async checkRaw(raw: LoadedRaw): Promise<void> {
    const version = raw.status === 'ok' || raw.status === 'unparseable' ? raw.head.versionId : raw.versionId;
    const id = `${raw.key}\n${version ?? ''}`;
    if (this.checkedRaws.has(id)) return;
    this.checkedRaws.add(id);
    this.checkedRawKeys.add(raw.key);
    // A missing version is reported on the processed object that names it (the key itself may be fine).
    if (raw.status === 'missing') return;
    if (raw.status === 'unreadable') {
      if (this.damaged.has(raw.key)) return;
      return this.readError(raw.key, 'raw', raw.error, raw.versionId);
    }
    this.rawBodiesChecked++;
    if (raw.head.etag !== undefined) {
      const etags = this.checkedRawEtags.get(raw.key) ?? new Set<string>();
      this.checkedRawEtags.set(raw.key, etags.add(raw.head.etag));
    }
    this.checkContentSha256(raw.key, 'raw', raw.head, raw.sha256);
    if (raw.status === 'unparseable') {
      this.findings.mismatch({
        key: raw.key,
        kind: 'raw',
        problem: 'unparseable',
        actual: raw.error,
        version_id: raw.head.versionId,
      });
    }
    const parsed = parseRawKey(raw.key);
    if (parsed === undefined) return; // a processed object pointing outside the layout; its own finding says so
    const body = raw.status === 'ok' ? { fetched_at: raw.snapshot.fetched_at } : undefined;
    await this.compareWithCatalog(
      {
        key: raw.key,
        parsed,
        versionId: raw.head.versionId,
        size: raw.size,
        metadata: raw.head.metadata,
        bodySha256: raw.sha256,
        body,
      },
      'raw',
    );
  }

  /** `bodySha256` undefined: only the head was read, there is no body hash to check. */
  private checkContentSha256(key: string, kind: string, head: ObjectHead, bodySha256: string | undefined): void {
    const recorded = head.metadata.content_sha256;
    if (recorded === undefined) {
      // Objects of the older writer carry no hash; marketlake's always do.
      if (OUR_PRODUCER.test(head.metadata.producer ?? '')) {
        this.findings.mismatch({
          key,
          kind,
          problem: 'content-sha256-missing',
          field: 'content_sha256',
          version_id: head.versionId,
        });
      }
      return;
    }
    if (bodySha256 !== undefined && recorded !== bodySha256) {
      this.findings.mismatch({
        key,
        kind,
        problem: 'content-sha256',
        field: 'content_sha256',
        expected: recorded,
        actual: bodySha256,
        version_id: head.versionId,
      });
    }
  }

  private async compareWithCatalog(evidence: ObjectEvidence, kind: string): Promise<void> {
    const row = this.catalog.get(evidence.key);
    if (row === undefined) return; // an uncatalogued object: reported from the listing
    this.comparedRows.add(evidence.key);
    const derived = deriveCatalogRow(evidence);
    // Without a hash or a lineage there is no row to compare; the checks of the object itself report why.
    if (derived.row === undefined) return;
    const differences = compareCatalogRow(row, derived.row);
    const version = differences.find((difference) => difference.column === 'version_id');
    const found = (field: string, expected: string | number | null, actual: string | number | null) =>
      this.findings.mismatch({
        key: evidence.key,
        kind,
        problem: 'catalog',
        field,
        expected,
        actual,
        version_id: evidence.versionId,
      });
    if (version !== undefined) {
      found('version_id', version.catalog, version.object);
      // The other columns describe another version: comparing them would only add noise. Is that version there?
      const headed = await headObject(this.store, evidence.key, row.versionId ?? undefined);
      if (headed.status === 'missing')
        this.findings.missing.push({ key: row.key, kind: row.kind, version_id: row.versionId, problem: 'no-version' });
      return;
    }
    for (const difference of differences) found(difference.column, difference.catalog, difference.object);
  }

  private readError(key: string, kind: string, error: string, versionId?: string): void {
    this.findings.mismatch({
      key,
      kind,
      problem: 'read-error',
      actual: error,
      ...(versionId === undefined ? {} : { version_id: versionId }),
    });
  }
}

const LISTED_BUT_GONE = 'not found (it was listed a moment before)';

type Detail = { field?: string; expected?: JsonValue; actual?: JsonValue };

/** The JSON object of a body, or why it is not one. */
function parseDocument(body: Uint8Array): Document | string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  return value as Document;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A body field as JSON (absent reads as null, so the report can show it). */
function json(value: unknown): JsonValue {
  return value === undefined ? null : (value as JsonValue);
}

function parseRawKey(key: string): ParsedKey | undefined {
  const parsed = parseKeyOrUndefined(key);
  return parsed?.kind === 'raw' ? parsed : undefined;
}
