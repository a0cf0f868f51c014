import { UserError } from '../errors.js';
import { utcDate } from '../market/dates.js';
import { ObjectExistsError, ObjectNotFoundError } from '../storage/errors.js';
import { listAllCommonPrefixes, listAllKeys } from '../storage/listing.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CatalogEntry, LakeCatalog } from './catalog.js';
import {
  contentEncoding,
  decodeBody,
  encodeBody,
  type LakeCompression,
  UNCOMPRESSED_SIZE_METADATA,
} from './compression.js';
import type { ProcessedDocument, RawReference } from './formats/processed.js';
import type { RawSnapshot } from './formats/raw.js';
import type { RenderedObject } from './formats/render.js';
import { checkMetadata } from './limits.js';
import {
  compareKeys,
  datePrefix,
  formatTimestamp,
  type ObjectKind,
  objectKey,
  parseKey,
  type ParsedKey,
  type ProcessedKind,
  RAW_SOURCES,
  tickerPrefix,
} from './keys.js';

/** A stored object as the lake returns it (the shape `marketlake get --json` prints). */
export interface LakeObject<Body = unknown> {
  key: string;
  versionId: string;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  body: Body;
}

export interface WrittenObject {
  key: string;
  versionId: string;
  sha256: string;
  size: number;
  /** False when an identical object was already there (a retry after a lost response): nothing was written. */
  created: boolean;
}

export interface VersionInfo {
  key: string;
  version_id: string;
  date: string;
  computed_at: string | null;
  computation_version: string | null;
}

export interface Lineage {
  key: string;
  version_id: string;
  sources: { key: string; version_id: string; sha256: string }[];
  derived: { key: string; version_id: string }[];
}

export class LakeObjectNotFoundError extends UserError {
  override readonly name = 'LakeObjectNotFoundError';
}

/** How many `{TS}_n.json` suffixes a writer tries before it reports contention instead of looping. */
const MAX_SEQUENCE = 1000;

/**
 * The lake's API over an ObjectStore (docs/design.md): immutable writes with the key layout, tags and metadata of the
 * design; reads of the latest, by date, by version; version listings; lineage in both directions.
 * With a catalog, lookups are one query each; without one they list the store by prefix with a delimiter.
 *
 * One write path, `write`, for objects rendered by src/lake/formats; it does not catalog what it wrote: the
 * pipeline commits the catalog row with the rows it mirrors (or the outbox drain does, see src/pipeline).
 * One family of readers for every kind: `get`, `getLatest` (of a date, when given), `getByVersion`, whose
 * `Body` parameter names the document type (RawSnapshot, ProcessedDocument); raw bodies are read through
 * formats/raw-parse.ts, so an object of the older format reads as the current one.
 */
export class DataLake {
  constructor(
    readonly store: ObjectStore,
    readonly catalog?: LakeCatalog,
    /** What "recent" means to the lake-only search for the newest date folder (see newestFolder). */
    private readonly now: () => Date = () => new Date(),
    /** How new objects are stored (compression.ts); reads follow each object's own key, whatever this says. */
    readonly compression: LakeCompression = 'none',
  ) {}

  // ---------------------------------------------------------------- writes

  /**
   * Writes a rendered object under `{prefix}{TS}.json`, or the next free `{TS}_n.json` if that key is taken.
   * A key already holding the same bytes (sha256) is the same object written before (a retry whose first
   * response was lost) and is returned as is, so retries never create a second copy. `parsed` is where the
   * document goes (rawKeyParts, processedKeyParts); `exactKey` refuses any key but the first (a raw key others
   * already reference must not move). The body is stored as `parsed.compression` says (an outbox entry's planned
   * key), else as the lake's setting; sha256 and size stay those of the uncompressed body.
   */
  async write(
    parsed: Omit<ParsedKey, 'sequence'>,
    rendered: RenderedObject,
    options: { firstSequence?: number; exactKey?: boolean } = {},
  ): Promise<WrittenObject> {
    const first = options.firstSequence ?? 1;
    const last = options.exactKey ? first : MAX_SEQUENCE;
    const compression = parsed.compression ?? this.compression;
    const keyAt = (sequence: number) =>
      objectKey(parsed.kind, parsed.ticker, parsed.date, parsed.timestamp, sequence, parsed.source, compression);
    const stored = storedForm(keyAt(first), rendered, compression);
    for (let sequence = first; sequence <= last; sequence++) {
      const key = keyAt(sequence);
      try {
        const result = await this.store.put({ key, ...stored });
        return { key, versionId: result.versionId, sha256: rendered.sha256, size: rendered.size, created: true };
      } catch (error) {
        if (!(error instanceof ObjectExistsError)) throw error;
        const existing = await this.store.head(key);
        if (existing.metadata.content_sha256 === rendered.sha256) {
          return { key, versionId: existing.versionId, sha256: rendered.sha256, size: rendered.size, created: false };
        }
      }
    }
    if (options.exactKey) {
      const key = keyAt(first);
      // The first write's response may have been lost, but the bytes differ: this is someone else's object.
      throw new ObjectExistsError(key);
    }
    throw new Error(
      `${parsed.kind} ${parsed.ticker} ${parsed.date} ${parsed.timestamp}: more than ${MAX_SEQUENCE} objects in one second`,
    );
  }

  // ---------------------------------------------------------------- reads

  async get<Body = unknown>(key: string, versionId?: string): Promise<LakeObject<Body>> {
    const options = versionId === undefined ? undefined : { versionId };
    const [read, tags] = await Promise.all([
      this.getUntagged<Body>(key, versionId),
      this.notFoundAsLakeError(key, versionId, () => this.store.getTags(key, options)),
    ]);
    return { key: read.key, versionId: read.versionId, tags, metadata: read.metadata, body: read.body };
  }

  /**
   * `get` without the object's tags, which cost a request of their own on S3 (and a second read of the file on
   * the file store): for a caller that needs only the document (the daily run's restatement check).
   */
  async getUntagged<Body = unknown>(key: string, versionId?: string): Promise<Omit<LakeObject<Body>, 'tags'>> {
    const options = versionId === undefined ? undefined : { versionId };
    return this.notFoundAsLakeError(key, versionId, async () => {
      const object = await this.store.get(key, options);
      const text = Buffer.from(decodeBody(key, object)).toString('utf8');
      // Every document is checked against its schema (a foreign or damaged one is a DocumentShapeError naming the
      // key and the field). The raw parser (and zod) loads only when a raw object is read; a processed document is
      // checked without zod (processed-read.ts), so the CLI's reads of results stay light.
      const kind = parseKeySafe(key)?.kind;
      const body = (
        kind === undefined
          ? JSON.parse(text)
          : kind === 'raw'
            ? (await import('./formats/raw-parse.js')).parseRawDocument(text, key)
            : (await import('./formats/processed-read.js')).readProcessedDocument(text, key, kind)
      ) as Body;
      return { key, versionId: object.versionId, metadata: object.metadata, body };
    });
  }

  private async notFoundAsLakeError<T>(key: string, versionId: string | undefined, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ObjectNotFoundError) {
        throw new LakeObjectNotFoundError(
          `no object ${key}${versionId ? ` with version id ${versionId}` : ''} in ${this.store.description}`,
        );
      }
      throw error;
    }
  }

  /** The newest object of a kind and ticker (of a date, when given); raw objects of every source are considered. */
  async getLatest<Body = unknown>(kind: ObjectKind, ticker: string, date?: string): Promise<LakeObject<Body>> {
    const key = await this.latestKey(kind, ticker, date);
    if (key === undefined) {
      throw new LakeObjectNotFoundError(
        `no ${kind} object for ${ticker}${date ? ` on ${date}` : ''} in ${this.store.description}`,
      );
    }
    return this.get<Body>(key.key, key.versionId);
  }

  /**
   * A specific version: either the key's timestamp (`20261126_150000`, or `20261126_150000_2` for the second
   * object of that second) or the store's version id.
   */
  async getByVersion<Body = unknown>(kind: ObjectKind, ticker: string, version: string): Promise<LakeObject<Body>> {
    const versions = await this.listVersions(kind, ticker);
    const match = versions.find((v) => {
      const parsed = parseKey(v.key);
      const stamp = parsed.sequence === 1 ? parsed.timestamp : `${parsed.timestamp}_${parsed.sequence}`;
      return stamp === version || v.version_id === version;
    });
    if (!match)
      throw new LakeObjectNotFoundError(`no ${kind} version "${version}" for ${ticker} in ${this.store.description}`);
    return this.get<Body>(match.key, match.version_id);
  }

  /** Every stored object of a kind and ticker (of a date, when given), newest first. */
  async listVersions(kind: ObjectKind, ticker: string, date?: string): Promise<VersionInfo[]> {
    if (this.catalog) {
      const entries = await this.catalog.list({ kind, ticker, ...(date ? { date } : {}) });
      return entries.map((entry) => ({
        key: entry.key,
        version_id: entry.versionId,
        date: entry.objectDate,
        computed_at: entry.createdAt.toISOString(),
        computation_version: entry.computationVersion,
      }));
    }
    const keys: ParsedWithKey[] = [];
    for (const prefix of this.prefixes(kind, ticker, date)) {
      for await (const key of listAllKeys(this.store, prefix)) {
        const parsed = parseKeySafe(key);
        if (parsed) keys.push({ ...parsed, key });
      }
    }
    keys.sort((a, b) => compareKeys(b, a));
    return Promise.all(
      keys.map(async ({ key, date: objectDate }) => {
        const head = await this.store.head(key);
        return {
          key,
          version_id: head.versionId,
          date: objectDate,
          computed_at: head.metadata.computed_at ?? null,
          computation_version: head.metadata.computation_version ?? null,
        };
      }),
    );
  }

  /** Where a key came from (processed → raw) and what was computed from it (raw → processed). */
  async lineage(key: string, versionId?: string): Promise<Lineage> {
    const parsed = parseKey(key);
    const head = await this.headOrNotFound(key, versionId);
    if (parsed.kind !== 'raw') {
      const m = head.metadata;
      return {
        key,
        version_id: head.versionId,
        sources: [
          { key: m.source_raw_data_key, version_id: m.source_raw_data_version_id, sha256: m.source_raw_data_sha256 },
        ],
        derived: [],
      };
    }
    let derived: { key: string; version_id: string }[];
    if (this.catalog) {
      derived = (await this.catalog.findDerived(key)).map((entry) => ({ key: entry.key, version_id: entry.versionId }));
    } else {
      // Without a catalog: read the tags of every processed object of this ticker (they name their raw key).
      derived = [];
      for (const kind of ['indicators', 'percentiles', 'features'] as const) {
        for await (const candidate of listAllKeys(this.store, tickerPrefix(kind, parsed.ticker))) {
          const candidateHead = await this.store.head(candidate);
          if (candidateHead.metadata.source_raw_data_key === key)
            derived.push({ key: candidate, version_id: candidateHead.versionId });
        }
      }
    }
    return { key, version_id: head.versionId, sources: [], derived };
  }

  // ---------------------------------------------------------------- helpers

  private async headOrNotFound(key: string, versionId?: string) {
    try {
      return await this.store.head(key, versionId === undefined ? undefined : { versionId });
    } catch (error) {
      if (error instanceof ObjectNotFoundError)
        throw new LakeObjectNotFoundError(`no object ${key} in ${this.store.description}`);
      throw error;
    }
  }

  private prefixes(kind: ObjectKind, ticker: string, date?: string): string[] {
    const sources = kind === 'raw' ? RAW_SOURCES : [undefined];
    return sources.map((source) =>
      date ? datePrefix(kind, ticker, date, source) : tickerPrefix(kind, ticker, source),
    );
  }

  /**
   * The greatest folder under `prefix` (the newest date). It starts the listing after a recent date and widens
   * only when nothing is there: every folder of the narrower listing sorts after every folder outside it, so its
   * greatest is the greatest overall. For a ticker written to in the last week that is one request whatever the
   * number of older folders; the last attempt lists them all.
   */
  private async newestFolder(prefix: string): Promise<string | undefined> {
    const now = this.now().getTime();
    for (const days of [...RECENT_FOLDER_WINDOWS, undefined]) {
      const startAfter = days === undefined ? undefined : prefix + utcDate(new Date(now - days * 86_400_000));
      let newest: string | undefined;
      for await (const common of listAllCommonPrefixes(
        this.store,
        prefix,
        '/',
        startAfter === undefined ? {} : { startAfter },
      )) {
        if (!newest || common > newest) newest = common;
      }
      if (newest) return newest;
    }
    return undefined;
  }

  /**
   * The newest key: one catalog query, or without a catalog usually two listings per prefix whatever the number
   * of versions: the recent date folders (with a delimiter, not every object; see newestFolder), then the keys
   * of the newest date.
   */
  private async latestKey(
    kind: ObjectKind,
    ticker: string,
    date?: string,
  ): Promise<{ key: string; versionId?: string } | undefined> {
    if (this.catalog) {
      const entry = await this.catalog.findLatest({ kind, ticker, ...(date ? { date } : {}) });
      return entry && { key: entry.key, versionId: entry.versionId };
    }
    let best: ParsedWithKey | undefined;
    for (const prefix of this.prefixes(kind, ticker)) {
      const folder = date ? `${prefix}${date}/` : await this.newestFolder(prefix);
      if (!folder) continue;
      for await (const key of listAllKeys(this.store, folder)) {
        const parsed = parseKeySafe(key);
        if (parsed && (!best || compareKeys(parsed, best) > 0)) best = { ...parsed, key };
      }
    }
    return best && { key: best.key };
  }
}

/**
 * How far back (days) the lake-only search for a ticker's newest date folder looks first, then second...: S3
 * lists only forward, so listing every date folder to find the last one costs time in proportion to their number
 * (docs/benchmarks.md, "Measurements behind design choices").
 */
const RECENT_FOLDER_WINDOWS = [8, 120, 1500];

type ParsedWithKey = ParsedKey & { key: string };

/**
 * What the store is given for a rendered object: under gzip the compressed bytes, `Content-Encoding: gzip`, and
 * the uncompressed size in the metadata (so a HEAD still tells the catalog's size); otherwise the object as
 * rendered. `key` names the object in a metadata-limit error.
 */
function storedForm(key: string, rendered: RenderedObject, compression: LakeCompression) {
  const encoding = contentEncoding(compression);
  if (encoding === undefined) {
    return { body: rendered.body, contentType: rendered.contentType, tags: rendered.tags, metadata: rendered.metadata };
  }
  const metadata = { ...rendered.metadata, [UNCOMPRESSED_SIZE_METADATA]: String(rendered.size) };
  checkMetadata(key, metadata);
  return {
    body: encodeBody(rendered.body, compression),
    contentType: rendered.contentType,
    contentEncoding: encoding,
    tags: rendered.tags,
    metadata,
  };
}

function parseKeySafe(key: string): ParsedKey | undefined {
  try {
    return parseKey(key);
  } catch {
    return undefined; // a foreign object under our prefixes (e.g. a manual upload) is not ours to interpret
  }
}

export function rawKeyParts(snapshot: RawSnapshot): Omit<ParsedKey, 'sequence'> {
  const fetchedAt = new Date(snapshot.fetched_at);
  return {
    kind: 'raw',
    source: snapshot.source,
    ticker: snapshot.ticker,
    date: utcDate(fetchedAt),
    timestamp: formatTimestamp(fetchedAt),
  };
}

export function processedKeyParts(kind: ProcessedKind, document: ProcessedDocument): Omit<ParsedKey, 'sequence'> {
  return {
    kind,
    ticker: document.ticker,
    date: document.as_of,
    timestamp: formatTimestamp(new Date(document.computed_at)),
  };
}

export function catalogEntry(
  parsed: Omit<ParsedKey, 'sequence'>,
  written: WrittenObject,
  computationVersion: string | null,
  raw: RawReference | null,
  createdAt: Date,
): CatalogEntry {
  return {
    key: written.key,
    kind: parsed.kind,
    ticker: parsed.ticker,
    objectDate: parsed.date,
    versionId: written.versionId,
    sha256: written.sha256,
    size: written.size,
    computationVersion,
    sourceRawKey: raw?.key ?? null,
    sourceRawVersionId: raw?.versionId ?? null,
    createdAt,
  };
}
