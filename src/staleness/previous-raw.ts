/**
 * The raw snapshots a new one is compared with: the newest catalogued raw object of the ticker older than the new
 * one (the restatement detection records what the vendor said against it), and the newest older one that a
 * `block` run did not block (the quality checks' baseline: a snapshot kept out for bad data must not become the
 * measure of the next one; src/warehouse/blocked-raws.ts).
 */
import type { Kysely } from 'kysely';
import { compareKeys, parseKey, type ParsedKey } from '../lake/keys.js';
import {
  listRawObjectsOnDateAndDayBefore,
  listRawObjectsSince,
  type JudgedRawObjectRow,
} from '../warehouse/raw-objects.js';
import type { Database } from '../warehouse/schema.js';

export interface RawObjectRef {
  key: string;
  versionId: string | null;
}

/** A snapshot's previous ones; both absent for the ticker's first, and the same object unless it was blocked. */
export interface PreviousRaws {
  /** The newest older raw object: what the restatement detection compares with. */
  previous?: RawObjectRef;
  /** The newest older raw object not blocked: what the stability checks compare with. */
  baseline?: RawObjectRef;
}

/**
 * The previous raw objects of `ticker` in the catalog, older than `rawKey` (by fetch date, time and `_n`, as
 * compareKeys orders them; every source counts, since results may have come from any of them).
 *
 * One query: the ticker's raw objects on the snapshot's own date and back to the latest earlier date with one
 * not blocked (subqueries, `limit 1` on `lake_objects_latest_idx`), each with whether it was blocked. The
 * previous snapshot is on the same day if an older one exists there, else on the latest earlier day; the baseline
 * likewise among those not blocked. The table sorts keys as text, which is not time order across sources, so the
 * candidates are ordered here.
 */
export async function findPreviousRaw(db: Kysely<Database>, ticker: string, rawKey: string): Promise<PreviousRaws> {
  const current = parseKey(rawKey);
  const rows = await listRawObjectsOnDateAndDayBefore(db, ticker, current.date, rawKey);
  return previousAmong(rows, current);
}

/** Of catalogued raw objects: the newest older than `current` (compareKeys order), and the newest not blocked. */
function previousAmong(rows: readonly JudgedRawObjectRow[], current: ParsedKey): PreviousRaws {
  let previous: { row: JudgedRawObjectRow; parsed: ParsedKey } | undefined;
  let baseline: { row: JudgedRawObjectRow; parsed: ParsedKey } | undefined;
  for (const row of rows) {
    const parsed = parseKey(row.key);
    if (compareKeys(parsed, current) >= 0) continue; // fetched at the same time or later: not "previous"
    if (!previous || compareKeys(parsed, previous.parsed) > 0) previous = { row, parsed };
    if (!row.blocked && (!baseline || compareKeys(parsed, baseline.parsed) > 0)) baseline = { row, parsed };
  }
  const ref = (found: { row: JudgedRawObjectRow } | undefined) =>
    found && { key: found.row.key, versionId: found.row.version_id };
  return { ...(previous ? { previous: ref(previous) } : {}), ...(baseline ? { baseline: ref(baseline) } : {}) };
}

/** Finds the previous raw snapshots of a ticker, as `findPreviousRaw` does. */
export interface PreviousRawFinder {
  find(ticker: string, rawKey: string): Promise<PreviousRaws>;
}

/**
 * `findPreviousRaw` for every ticker of a run in ONE query, made when the run starts, instead of one query per
 * ticker (on PGlite each statement has a fixed cost however little it reads: docs/benchmarks.md, "Measurements behind
 * design choices").
 *
 * It loads each ticker's raw objects dated from `since` (the run's start date) on, and back to its latest raw date
 * before `since` with an object not blocked (its latest raw date before `since` when none is), each with whether
 * it was blocked. For a snapshot fetched on or after `since`, the previous snapshot and the baseline are among
 * those rows: each is on the snapshot's date or on the latest (not blocked) date before it, and none of those is
 * earlier than that first date. So `find` gives the answer
 * `findPreviousRaw` would give, for the catalog as it was at `load`. It asks the catalog itself instead for a
 * ticker it did not load, a snapshot dated before `since`, and a ticker's second snapshot in the same run (the
 * first one is catalogued meanwhile; its verdicts are recorded only at the run's end, so it counts as not blocked
 * yet). Raw objects catalogued by another process during the run are not seen:
 * two runs writing the same tickers at once race either way (the per-ticker query only narrows the window).
 */
export class PreloadedPreviousRaws implements PreviousRawFinder {
  private readonly asked = new Set<string>();

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly since: string,
    private readonly rowsByTicker: ReadonlyMap<string, readonly JudgedRawObjectRow[]>,
  ) {}

  /** `since`: YYYY-MM-DD, the UTC date the run started (snapshots are dated by their UTC fetch date). */
  static async load(db: Kysely<Database>, tickers: readonly string[], since: string): Promise<PreloadedPreviousRaws> {
    const unique = [...new Set(tickers)];
    const rowsByTicker = new Map<string, JudgedRawObjectRow[]>(unique.map((ticker) => [ticker, []]));
    // The ranges of lake_objects_latest_idx that findPreviousRaw reads, for every ticker in one statement (the
    // statement the run already made for the previous snapshots: the blocked flag and the wider range cost no more).
    for (const row of await listRawObjectsSince(db, unique, since)) rowsByTicker.get(row.ticker)?.push(row);
    return new PreloadedPreviousRaws(db, since, rowsByTicker);
  }

  find(ticker: string, rawKey: string): Promise<PreviousRaws> {
    const current = parseKey(rawKey);
    const rows = this.rowsByTicker.get(ticker);
    if (rows === undefined || current.date < this.since || this.asked.has(ticker))
      return findPreviousRaw(this.db, ticker, rawKey);
    this.asked.add(ticker);
    return Promise.resolve(previousAmong(rows, current));
  }
}
