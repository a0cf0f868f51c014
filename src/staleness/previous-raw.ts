/**
 * The raw snapshot a new one is compared with when looking for restatements: the newest catalogued raw object of
 * the ticker older than the new one.
 */
import type { Kysely } from 'kysely';
import { compareKeys, parseKey, type ParsedKey } from '../lake/keys.js';
import { listRawObjectsOnDateAndDayBefore, listRawObjectsSince, type RawObjectRow } from '../warehouse/raw-objects.js';
import type { Database } from '../warehouse/schema.js';

export interface RawObjectRef {
  key: string;
  versionId: string | null;
}

/**
 * The newest raw object of `ticker` in the catalog that is older than `rawKey` (by fetch date, time and `_n`, as
 * compareKeys orders them; every source counts, since results may have come from any of them).
 *
 * One query: the ticker's raw objects on the snapshot's own date and on the latest date before it (a subquery,
 * `limit 1` on `lake_objects_latest_idx`), both ranges of the same index. The previous snapshot is on one of those
 * two dates: the same day if an older one exists there, else the latest earlier day. The table sorts keys as
 * text, which is not time order across sources, so the candidates are ordered here.
 */
export async function findPreviousRaw(
  db: Kysely<Database>,
  ticker: string,
  rawKey: string,
): Promise<RawObjectRef | undefined> {
  const current = parseKey(rawKey);
  const rows = await listRawObjectsOnDateAndDayBefore(db, ticker, current.date, rawKey);
  return newestBefore(rows, current);
}

/** Of catalogued raw objects, the newest older than `current` (as compareKeys orders keys). */
function newestBefore(rows: readonly RawObjectRow[], current: ParsedKey): RawObjectRef | undefined {
  let best: { key: string; versionId: string | null; parsed: ParsedKey } | undefined;
  for (const row of rows) {
    const parsed = parseKey(row.key);
    if (compareKeys(parsed, current) >= 0) continue; // fetched at the same time or later: not "previous"
    if (!best || compareKeys(parsed, best.parsed) > 0) best = { key: row.key, versionId: row.version_id, parsed };
  }
  return best && { key: best.key, versionId: best.versionId };
}

/** Finds the previous raw snapshot of a ticker, as `findPreviousRaw` does. */
export interface PreviousRawFinder {
  find(ticker: string, rawKey: string): Promise<RawObjectRef | undefined>;
}

/**
 * `findPreviousRaw` for every ticker of a run in ONE query, made when the run starts, instead of one query per
 * ticker (on PGlite each statement has a fixed cost however little it reads: docs/benchmarks.md, "Measurements behind
 * design choices").
 *
 * It loads each ticker's raw objects dated from its latest raw date before `since` (the run's start date) on.
 * For a snapshot fetched on or after `since`, the previous snapshot is among those rows: it is on the snapshot's
 * date or on the latest date before it, and neither is earlier than that first date. So `find` gives the answer
 * `findPreviousRaw` would give, for the catalog as it was at `load`. It asks the catalog itself instead for a
 * ticker it did not load, a snapshot dated before `since`, and a ticker's second snapshot in the same run (the
 * first one is catalogued meanwhile). Raw objects catalogued by another process during the run are not seen:
 * two runs writing the same tickers at once race either way (the per-ticker query only narrows the window).
 */
export class PreloadedPreviousRaws implements PreviousRawFinder {
  private readonly asked = new Set<string>();

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly since: string,
    private readonly rowsByTicker: ReadonlyMap<string, readonly RawObjectRow[]>,
  ) {}

  /** `since`: YYYY-MM-DD, the UTC date the run started (snapshots are dated by their UTC fetch date). */
  static async load(db: Kysely<Database>, tickers: readonly string[], since: string): Promise<PreloadedPreviousRaws> {
    const unique = [...new Set(tickers)];
    const rowsByTicker = new Map<string, RawObjectRow[]>(unique.map((ticker) => [ticker, []]));
    // The ranges of lake_objects_latest_idx that findPreviousRaw reads, for every ticker in one statement.
    for (const row of await listRawObjectsSince(db, unique, since)) rowsByTicker.get(row.ticker)?.push(row);
    return new PreloadedPreviousRaws(db, since, rowsByTicker);
  }

  find(ticker: string, rawKey: string): Promise<RawObjectRef | undefined> {
    const current = parseKey(rawKey);
    const rows = this.rowsByTicker.get(ticker);
    if (rows === undefined || current.date < this.since || this.asked.has(ticker))
      return findPreviousRaw(this.db, ticker, rawKey);
    this.asked.add(ticker);
    return Promise.resolve(newestBefore(rows, current));
  }
}
