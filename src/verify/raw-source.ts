import type { ComputationVersion } from '../compute/fields.js';
import type { ProcessedKind } from '../lake/keys.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { computeResults } from '../compute/results.js';
import { InputError } from '../errors.js';
import { parseRawDocument } from '../lake/formats/raw-parse.js';
import type { ObjectHead, ObjectStore } from '../storage/object-store.js';
import { type JsonValue, toJsonValue } from './json-diff.js';
import { PromiseCache } from './promise-cache.js';
import { fetchObject } from '../lake-scan/fetch.js';

/** A raw object as verify needs it: its head, the sha256 of its bytes, and the snapshot (or why it has none). */
export type LoadedRaw =
  /** `size` and `sha256` are the document's (the uncompressed body); `head.size` is the stored size. */
  | { status: 'ok'; key: string; head: ObjectHead; sha256: string; size: number; snapshot: RawSnapshot }
  | { status: 'unparseable'; key: string; head: ObjectHead; sha256: string; size: number; error: string }
  | { status: 'missing'; key: string; versionId: string | undefined }
  | { status: 'unreadable'; key: string; versionId: string | undefined; error: string };

export type Recomputed = { asOf: string; values: Record<ProcessedKind, JsonValue> } | { error: string };

/** Raw snapshots in flight or recently used; one run of one ticker shares a raw across three processed objects. */
const RAW_CACHE_SIZE = 32;

/**
 * Reads each raw object (key + version id) once and computes each (raw, computation version) once, however many
 * processed objects refer to them. The bytes are hashed and parsed, then dropped: only the snapshot stays.
 */
export class RawSource {
  private readonly raws = new PromiseCache<LoadedRaw>(RAW_CACHE_SIZE);
  private readonly results = new PromiseCache<Recomputed>(RAW_CACHE_SIZE);

  constructor(private readonly store: ObjectStore) {}

  /** The version `versionId`, or the current one when it is undefined. */
  load(key: string, versionId?: string): Promise<LoadedRaw> {
    return this.raws.get(`${key}\n${versionId ?? ''}`, () => this.read(key, versionId));
  }

  /**
   * The results `computeResults` gives for this snapshot truncated at `asOf`, under `version`, as stored bodies
   * hold them (through JSON, so NaN is null). A daily run stores results as of the snapshot's last bar, a backfill
   * as of earlier bars, and both equal computeResults over the bars up to that date (src/reprocess/as-of.ts): so
   * truncating here verifies both. computeResults is pure, which is what makes the comparison meaningful.
   */
  recompute(raw: Extract<LoadedRaw, { status: 'ok' }>, version: ComputationVersion, asOf: string): Promise<Recomputed> {
    return this.results.get(`${raw.key}\n${raw.head.versionId}\n${version}\n${asOf}`, async () => {
      const bars = raw.snapshot.bars;
      let end = bars.length;
      while (end > 0 && bars[end - 1].date > asOf) end--;
      if (end === 0 || bars[end - 1].date !== asOf)
        return { error: `the raw snapshot has no bar on the as-of date ${asOf}` };
      let results;
      try {
        results = computeResults(
          end === bars.length ? raw.snapshot : { ...raw.snapshot, bars: bars.slice(0, end) },
          version,
        );
      } catch (error) {
        // Reported on every object computed from this raw, with the message; verify does not stop for it.
        return { error: error instanceof Error ? error.message : String(error) };
      }
      return {
        asOf: results.asOf,
        values: {
          indicators: toJsonValue(results.indicators),
          percentiles: toJsonValue(results.percentiles),
          features: toJsonValue(results.features),
        },
      };
    });
  }

  private async read(key: string, versionId: string | undefined): Promise<LoadedRaw> {
    const fetched = await fetchObject(this.store, key, versionId);
    if (fetched.status === 'missing') return { status: 'missing', key, versionId };
    if (fetched.status === 'unreadable') return { status: 'unreadable', key, versionId, error: fetched.error };
    const { head, sha256, size } = fetched;
    try {
      // The lake's own reader (what lake.get uses for raw objects), so raw objects of the older format verify as
      // they are read everywhere.
      const snapshot = parseRawDocument(Buffer.from(fetched.body).toString('utf8'), key);
      return { status: 'ok', key, head, sha256, size, snapshot };
    } catch (error) {
      if (error instanceof InputError) return { status: 'unparseable', key, head, sha256, size, error: error.message };
      throw error;
    }
  }
}
