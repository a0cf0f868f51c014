/**
 * The quality checks on demand, over what the lake holds (`marketlake quality check`): for each ticker, its latest
 * raw snapshot fetched on or before a date and the one before it are read from the store, judged by the snapshot
 * checks, computed and judged by the result checks, then every judged ticker is judged against the peers of its
 * market. The lake alone: no database, no vendor.
 *
 * The peer calendar is always made of every ticker of the market that the lake holds (on or before the date): with
 * a few tickers named, their markets' other tickers are read for it (latest snapshot only, not judged), so naming
 * tickers narrows the findings without changing them.
 *
 * Cost: one listing of `raw/` (the peers need it even for one ticker), then two reads per judged ticker and one per
 * peer, `concurrency` at a time; memory holds the bar dates of every ticker, the bars of those in flight.
 *
 * A raw object that cannot be read or parsed is not a verdict (no check of the catalog judged anything) but a
 * problem naming its key; the ticker's other objects and the other tickers are still judged:
 * - the snapshot to judge unreadable: the ticker is not judged (judging an older one instead would pass off stale
 *   data as current);
 * - a previous snapshot unreadable: the next older readable one is the previous (the stability checks then compare
 *   across a longer span, which they allow for).
 * Only UserErrors (the store's ObjectStoreError, the parser's InputError) are such problems; anything else is a bug
 * and ends the check.
 */
import { mapAll } from '../concurrency.js';
import type { ComputationVersion } from '../compute/fields.js';
import { computeResults } from '../compute/results.js';
import { UserError } from '../errors.js';
import { decodeBody } from '../lake/compression.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { parseRawDocument } from '../lake/formats/raw-parse.js';
import { sha256Hex } from '../lake/formats/render.js';
import { compareKeys, InvalidKeyError, parseKey, type ParsedKey } from '../lake/keys.js';
import { noProgress, type ProgressSink } from '../lake-scan/progress.js';
import { InvalidTickerError } from '../market/ticker.js';
import { listAllObjects } from '../storage/listing.js';
import type { ObjectStore } from '../storage/object-store.js';
import { marketOfTicker, type Market } from '../sources/markets.js';
import { DEFAULT_QUALITY_CONFIG, type QualityConfig } from './config.js';
import type { CheckVerdict, JudgedSnapshot, QualityResult } from './finding.js';
import { checkAgainstPeers, peerCalendars, type PeerSeries } from './peer-checks.js';
import { checkResults } from './result-checks.js';
import { checkSnapshot } from './snapshot-checks.js';

/** Snapshots read at once: enough to hide S3's latency, few enough for memory (two snapshots per ticker). */
const DEFAULT_CONCURRENCY = 8;

export interface LakeCheckOptions {
  store: ObjectStore;
  /** Only these tickers (normalised); default: every ticker with a raw object in the lake. */
  tickers?: readonly string[];
  /** The latest fetch date (YYYY-MM-DD) a judged snapshot may have; default: no limit (the latest). */
  date?: string;
  version: ComputationVersion;
  config?: QualityConfig;
  concurrency?: number;
  progress?: ProgressSink;
}

/** Something the check could not judge: an unreadable raw object, or a named ticker without a snapshot. */
export interface LakeCheckProblem {
  ticker: string;
  /** The raw object at fault; null when there is no object to name (no snapshot at all). */
  key: string | null;
  reason: string;
}

export interface LakeCheckReport {
  /** The tickers judged (with a readable snapshot), sorted. */
  tickers: string[];
  /** Every verdict, passed or not, sorted by ticker then check. */
  results: QualityResult[];
  /** Sorted by ticker then key. */
  problems: LakeCheckProblem[];
}

type RawKey = ParsedKey & { key: string };

interface ReadSnapshot {
  snapshot: RawSnapshot;
  raw: JudgedSnapshot;
}

/** One ticker after the snapshot and result phases: what the peer phase needs, and the verdicts so far. */
interface Judged {
  ticker: string;
  market: Market;
  dates: string[];
  previousDates: string[] | undefined;
  asOf: string;
  raw: JudgedSnapshot;
  verdicts: CheckVerdict[];
}

export async function checkLake(options: LakeCheckOptions): Promise<LakeCheckReport> {
  const config = options.config ?? DEFAULT_QUALITY_CONFIG;
  const progress = options.progress ?? noProgress;
  const problems: LakeCheckProblem[] = [];
  const byTicker = await listRawKeys(options.store);
  const inScope = (ticker: string) =>
    (byTicker.get(ticker) ?? []).filter((key) => options.date === undefined || key.date <= options.date);
  const named = options.tickers ? [...options.tickers].sort() : [...byTicker.keys()].sort();

  const work: { ticker: string; keys: RawKey[]; peerOnly: boolean }[] = [];
  for (const ticker of named) {
    const keys = inScope(ticker);
    if (keys.length > 0) work.push({ ticker, keys, peerOnly: false });
    else if (options.tickers) {
      // Named on purpose: saying nothing would read as "nothing wrong". Unnamed tickers with only later snapshots
      // are simply outside the date asked for.
      const when = options.date === undefined ? '' : ` fetched on or before ${options.date}`;
      problems.push({ ticker, key: null, reason: `no raw snapshot${when} in the lake` });
    }
  }
  // A few named tickers are no market: the peer calendar is made of every ticker of their markets in the lake, as
  // for a check of the whole lake, so narrowing the findings does not change them. Those peers are read, not judged.
  if (options.tickers) {
    const markets = new Set(options.tickers.map(marketOfTicker));
    const names = new Set(options.tickers);
    for (const ticker of [...byTicker.keys()].sort()) {
      if (names.has(ticker) || !markets.has(marketOfTicker(ticker))) continue;
      const keys = inScope(ticker);
      if (keys.length > 0) work.push({ ticker, keys, peerOnly: true });
    }
  }

  progress.start(work.length, 'quality check');
  let read: (Judged | PeerSeries | undefined)[];
  try {
    read = await mapAll(work, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ ticker, keys, peerOnly }) => {
      const one = peerOnly
        ? await readPeer(options.store, ticker, keys, problems)
        : await judgeTicker(options.store, ticker, keys, options.version, config, problems);
      progress.tick(ticker);
      return one;
    });
  } finally {
    progress.stop();
  }

  const series = read.filter((one): one is Judged | PeerSeries => one !== undefined);
  const calendars = peerCalendars(
    series.map(({ ticker, market, dates }) => ({ ticker, market, dates })),
    config,
  );
  const results: QualityResult[] = [];
  for (const one of series) {
    if (!('verdicts' in one)) continue;
    const peers = checkAgainstPeers(
      {
        ticker: one.ticker,
        market: one.market,
        dates: one.dates,
        ...(one.previousDates ? { previousDates: one.previousDates } : {}),
      },
      calendars.get(one.market),
      config,
    );
    for (const verdict of [...one.verdicts, ...peers]) {
      results.push({ ...verdict, ticker: one.ticker, market: one.market, as_of: one.asOf, raw: one.raw });
    }
  }
  results.sort((a, b) => compareText(a.ticker, b.ticker) || compareText(a.check, b.check));
  problems.sort((a, b) => compareText(a.ticker, b.ticker) || compareText(a.key ?? '', b.key ?? ''));
  const judged = series.filter((one): one is Judged => 'verdicts' in one).map((one) => one.ticker);
  return { tickers: judged, results, problems };
}

/**
 * The raw keys of every ticker, oldest first: all of `raw/` is listed, even for a few tickers, since their peers
 * are needed too. Keys outside the layout (a manual upload) are not snapshots and are left out here:
 * `marketlake verify` is what reports them.
 */
async function listRawKeys(store: ObjectStore): Promise<Map<string, RawKey[]>> {
  const byTicker = new Map<string, RawKey[]>();
  for await (const object of listAllObjects(store, 'raw/')) {
    const parsed = rawKeyOrUndefined(object.key);
    if (parsed === undefined) continue;
    const keys = byTicker.get(parsed.ticker);
    if (keys) keys.push({ ...parsed, key: object.key });
    else byTicker.set(parsed.ticker, [{ ...parsed, key: object.key }]);
  }
  // Sources interleave: one ticker's keys of two sources are ordered by fetch time, as DataLake.getLatest does.
  for (const keys of byTicker.values()) keys.sort(compareKeys);
  return byTicker;
}

/**
 * The parsed key of a raw snapshot, or undefined for a key outside the layout. (Not lake-scan's helper: its module
 * brings the warehouse's query builder along, which a lake-only command does not load.)
 */
function rawKeyOrUndefined(key: string): ParsedKey | undefined {
  try {
    const parsed = parseKey(key);
    return parsed.kind === 'raw' ? parsed : undefined;
  } catch (error) {
    if (error instanceof InvalidKeyError || error instanceof InvalidTickerError) return undefined;
    throw error;
  }
}

async function judgeTicker(
  store: ObjectStore,
  ticker: string,
  keys: readonly RawKey[],
  version: ComputationVersion,
  config: QualityConfig,
  problems: LakeCheckProblem[],
): Promise<Judged | undefined> {
  const readOrReport = (key: string) => readOrReportProblem(store, ticker, key, problems);
  const latest = keys[keys.length - 1];
  const current = await readOrReport(latest.key);
  if (current === undefined) return undefined;
  let previous: ReadSnapshot | undefined;
  for (let i = keys.length - 2; i >= 0 && previous === undefined; i--) previous = await readOrReport(keys[i].key);

  const market = marketOfTicker(ticker);
  const { snapshot } = current;
  const verdicts = checkSnapshot(
    { ticker, market, snapshot, ...(previous ? { previous: previous.snapshot } : {}) },
    config,
  );
  // The parser refuses a snapshot without bars (checkBars), so there is always a last bar to compute as of.
  const results = computeResults(snapshot, version);
  verdicts.push(...checkResults({ ticker, market, version, results, bars: snapshot.bars }, config));
  const dates = snapshot.bars.map((bar) => bar.date);
  return {
    ticker,
    market,
    dates,
    previousDates: previous?.snapshot.bars.map((bar) => bar.date),
    asOf: dates[dates.length - 1],
    raw: current.raw,
    verdicts,
  };
}

/** A peer of a named ticker: the dates of its latest snapshot, for the calendar of its market. */
async function readPeer(
  store: ObjectStore,
  ticker: string,
  keys: readonly RawKey[],
  problems: LakeCheckProblem[],
): Promise<PeerSeries | undefined> {
  const market = marketOfTicker(ticker);
  const why = `a peer left out of the ${market} peer calendar`;
  const latest = await readOrReportProblem(store, ticker, keys[keys.length - 1].key, problems, why);
  return latest && { ticker, market, dates: latest.snapshot.bars.map((bar) => bar.date) };
}

/** The snapshot, or undefined with the reason recorded as a problem naming the key. */
async function readOrReportProblem(
  store: ObjectStore,
  ticker: string,
  key: string,
  problems: LakeCheckProblem[],
  role?: string,
): Promise<ReadSnapshot | undefined> {
  try {
    return await readRawSnapshot(store, key);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const what = role === undefined ? '' : ` (${role})`;
    problems.push({ ticker, key, reason: `cannot read the raw snapshot${what}: ${error.message}` });
    return undefined;
  }
}

/**
 * One raw object: its body (inflated when stored compressed), parsed as DataLake reads raw objects, with the store's
 * version id and the sha256 of the document as read (not the one its metadata claims: this is an audit).
 */
export async function readRawSnapshot(store: ObjectStore, key: string): Promise<ReadSnapshot> {
  const object = await store.get(key);
  const body = decodeBody(key, object);
  const snapshot = parseRawDocument(Buffer.from(body).toString('utf8'), key);
  // The key says whose snapshot this is; a body for another ticker would be judged under the wrong name.
  const expected = parseKey(key).ticker;
  if (snapshot.ticker !== expected) {
    throw new UserError(`${key}: the snapshot is for ${snapshot.ticker}, but its key names ${expected}`);
  }
  return { snapshot, raw: { key, versionId: object.versionId, sha256: sha256Hex(body) } };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
