/**
 * `findStale`: every latest result that no longer says what a recomputation would say, and why.
 *
 * "Latest result": per ticker, kind and as-of date, the newest processed object in the catalog (`lake_objects`;
 * results still waiting in the outbox are not catalogued yet and are not considered). It is stale when
 *   (a) it was computed under an older computation version than the current one, or
 *   (b) a raw snapshot newer than its source snapshot restated a bar the result depends on: a restatement whose
 *       newer raw key sorts after the source raw key (compareKeys), with a changed date D inside the result's
 *       window (its source snapshot's first bar .. as_of), in a bar field the result reads, and with as_of
 *       within D's lookback (lookback.ts). Restatements are chained snapshot to snapshot, so every one after the
 *       source counts; a later one that reverts an earlier change still leaves the result flagged (recomputing
 *       it is harmless, missing it is not).
 * The window is read from the source raw snapshot (one read per source snapshot, and only for results with a
 * candidate change). When it cannot be read (archived, missing), its first date comes from the object's metadata
 * if possible, the lag is taken as 0 (every field whose inputs changed counts as affected) and the reason says so
 * in `window_error`: unsure means stale.
 */
import type { Kysely } from 'kysely';
import { INDICATOR_FIELDS, type ComputationVersion, type IndicatorField } from '../compute/fields.js';
import { UserError } from '../errors.js';
import type { DataLake } from '../lake/data-lake.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { compareKeys, parseKey, type ProcessedKind } from '../lake/keys.js';
import type { Warehouse } from '../warehouse/database.js';
import { listLatestProcessedObjects } from '../warehouse/lake-objects.js';
import { listRawObjectsOfLatestDate } from '../warehouse/raw-objects.js';
import type { Database } from '../warehouse/schema.js';
import type { BarField, BarRestatement } from './bar-diff.js';
import {
  affectedUntilAnyVersion,
  INDICATOR_INPUTS,
  isResultAffected,
  RESULT_INPUTS,
  touchesInputs,
} from './lookback.js';
import { listRestatements, type StoredRestatement } from '../warehouse/restatements.js';
import { isOlderVersion } from './versions.js';

export interface FindStaleOptions {
  warehouse: Warehouse;
  /** Reads the source snapshots' windows. */
  lake: DataLake;
  /** The current version (currentComputationVersion: flag, env, default). */
  computationVersion: ComputationVersion;
  /** Only these tickers (normalised); default every ticker in the catalog. */
  tickers?: readonly string[];
}

export interface ComputationVersionReason {
  type: 'computation_version';
  current: string;
  recorded: string;
}

export interface RestatementReason {
  type: 'restatement';
  /** The newer snapshot that revealed the restatement, and the one it was compared with. */
  raw_key: string;
  raw_version_id: string | null;
  previous_raw_key: string;
  /** The changed dates that affect this result, sorted. */
  dates: string[];
  /** The changed bar fields (on those dates) that this result reads. */
  fields: BarField[];
  /** Indicators only: the affected fields of the stored object (the others would recompute to the same value). */
  affected_fields?: IndicatorField[];
  /** Set when the source snapshot could not be read and the check fell back to "unsure means stale". */
  window_error?: string;
}

export type StaleReason = ComputationVersionReason | RestatementReason;

export interface StaleResult {
  key: string;
  version_id: string | null;
  ticker: string;
  kind: ProcessedKind;
  as_of: string;
  computation_version: string;
  source_raw_key: string;
  source_raw_version_id: string | null;
  /** What to recompute from: the ticker's newest raw snapshot in the catalog. */
  newest_raw_key: string | null;
  newest_raw_version_id: string | null;
  reasons: StaleReason[];
}

/** Stale latest results, ordered by ticker, kind and as-of date. */
export async function findStale(options: FindStaleOptions): Promise<StaleResult[]> {
  const { db } = options.warehouse;
  const results = await latestResults(db, options.tickers);
  if (results.length === 0) return [];
  const tickers = [...new Set(results.map((result) => result.ticker))];
  const restatementsByTicker = groupBy(await listRestatements(db, { tickers }), (r) => r.ticker);
  const newestRaw = await newestRawByTicker(db, tickers);
  const windows = new WindowLoader(options.lake);

  const stale: StaleResult[] = [];
  for (const result of results) {
    const reasons: StaleReason[] = [];
    if (isOlderVersion(result.computation_version, options.computationVersion)) {
      reasons.push({
        type: 'computation_version',
        current: options.computationVersion,
        recorded: result.computation_version,
      });
    }
    const source = parseKey(result.source_raw_key);
    for (const restatement of restatementsByTicker.get(result.ticker) ?? []) {
      if (compareKeys(parseKey(restatement.raw_key), source) <= 0) continue; // not newer than the source snapshot
      const reason = await restatementReason(result, restatement, windows);
      if (reason) reasons.push(reason);
    }
    if (reasons.length === 0) continue;
    const newest = newestRaw.get(result.ticker);
    stale.push({
      ...result,
      newest_raw_key: newest?.key ?? null,
      newest_raw_version_id: newest?.versionId ?? null,
      reasons,
    });
  }
  return stale;
}

type LatestResult = Omit<StaleResult, 'newest_raw_key' | 'newest_raw_version_id' | 'reasons'>;

/** Per ticker, kind and as-of date the newest processed object, with its lineage. */
async function latestResults(db: Kysely<Database>, tickers?: readonly string[]): Promise<LatestResult[]> {
  const objects = await listLatestProcessedObjects(db, tickers);
  return objects.map((object) => {
    // The catalog's CHECK constraint guarantees both for processed objects; a row without them is corrupt.
    if (object.computationVersion === null || object.sourceRawKey === null)
      throw new Error(`catalogued ${object.key} has no lineage`);
    return {
      key: object.key,
      version_id: object.versionId,
      ticker: object.ticker,
      kind: object.kind as ProcessedKind,
      as_of: object.objectDate,
      computation_version: object.computationVersion,
      source_raw_key: object.sourceRawKey,
      source_raw_version_id: object.sourceRawVersionId,
    };
  });
}

/** Each ticker's newest raw object: the keys of its latest fetch date, ordered by compareKeys (any source). */
async function newestRawByTicker(
  db: Kysely<Database>,
  tickers: readonly string[],
): Promise<Map<string, { key: string; versionId: string | null }>> {
  const rows = await listRawObjectsOfLatestDate(db, tickers);
  const newest = new Map<string, { key: string; versionId: string | null }>();
  for (const row of rows) {
    const current = newest.get(row.ticker);
    if (!current || compareKeys(parseKey(row.key), parseKey(current.key)) > 0)
      newest.set(row.ticker, { key: row.key, versionId: row.version_id });
  }
  return newest;
}

async function restatementReason(
  result: LatestResult,
  restatement: StoredRestatement,
  windows: WindowLoader,
): Promise<RestatementReason | undefined> {
  const inputs = RESULT_INPUTS[result.kind];
  // Cheap filter before any read: a change after as_of, or only in fields the result does not read, is irrelevant.
  const candidates = restatement.bars.filter((bar) => bar.date <= result.as_of && touchesInputs(fieldsOf(bar), inputs));
  if (candidates.length === 0) return undefined;

  const window = await windows.load(result.source_raw_key, result.source_raw_version_id);
  const affects = (bar: BarRestatement, lookback: number): boolean =>
    window.dates !== null
      ? isResultAffected(result.as_of, window.dates, [bar.date], lookback)
      : window.firstDate === null || bar.date >= window.firstDate;

  const affecting = new Set<BarRestatement>();
  let affectedFields: IndicatorField[] | undefined;
  if (result.kind === 'indicators') {
    affectedFields = [];
    for (const field of INDICATOR_FIELDS) {
      const lookback = affectedUntilAnyVersion(field, result.computation_version);
      const hits = candidates.filter(
        (bar) => touchesInputs(fieldsOf(bar), INDICATOR_INPUTS[field]) && affects(bar, lookback),
      );
      if (hits.length === 0) continue;
      affectedFields.push(field);
      for (const bar of hits) affecting.add(bar);
    }
  } else {
    // Percentiles and features are statistics over the whole window.
    for (const bar of candidates) if (affects(bar, Infinity)) affecting.add(bar);
  }
  if (affecting.size === 0) return undefined;

  const bars = [...affecting].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const touched = new Set(bars.flatMap(fieldsOf));
  return {
    type: 'restatement',
    raw_key: restatement.raw_key,
    raw_version_id: restatement.raw_version_id,
    previous_raw_key: restatement.previous_raw_key,
    dates: bars.map((bar) => bar.date),
    fields: inputs.filter((field) => touched.has(field)),
    ...(affectedFields ? { affected_fields: affectedFields } : {}),
    ...(window.error !== undefined ? { window_error: window.error } : {}),
  };
}

function fieldsOf(bar: BarRestatement): BarField[] {
  return Object.keys(bar.fields) as BarField[];
}

interface Window {
  /** The source snapshot's bar dates, sorted; null when it could not be read. */
  dates: string[] | null;
  firstDate: string | null;
  error?: string;
}

/** The windows of source snapshots, read once each. */
class WindowLoader {
  private readonly cache = new Map<string, Promise<Window>>();

  constructor(private readonly lake: DataLake) {}

  load(key: string, versionId: string | null): Promise<Window> {
    const id = `${key}\u0000${versionId ?? ''}`;
    let window = this.cache.get(id);
    if (!window) this.cache.set(id, (window = this.read(key, versionId ?? undefined)));
    return window;
  }

  private async read(key: string, versionId: string | undefined): Promise<Window> {
    try {
      const raw = await this.lake.get<RawSnapshot>(key, versionId);
      const dates = raw.body.bars.map((bar) => bar.date).sort();
      return { dates, firstDate: dates[0] ?? null };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      // An archived object still answers HEAD, and its metadata names the first bar: the window's start at least.
      let message = `cannot read the source snapshot ${key}: ${error.message}`;
      let firstDate: string | null = null;
      try {
        firstDate =
          (await this.lake.store.head(key, versionId === undefined ? undefined : { versionId })).metadata.first_date ||
          null;
      } catch (headError) {
        if (!(headError instanceof UserError)) throw headError;
        message += `; nor its metadata: ${headError.message}`;
      }
      return { dates: null, firstDate, error: message };
    }
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
