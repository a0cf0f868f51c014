import { InputError } from '../../errors.js';
import { RAW_SCHEMA, type RawBar, type RawSnapshot } from '../../lake/formats/raw.js';
import { checkBars } from '../../lake/formats/raw-bars.js';
import { normalizeTicker } from '../../market/ticker.js';
import { MARKETS, marketOfTicker, type MarketProfile } from '../markets.js';
import { hashString, mulberry32, normal } from './random.js';
import { universeEntry } from './sample-universe.js';
import { checkRequest, NoDataError, type MarketDataSource, type SnapshotRequest } from '../source.js';

/**
 * A seeded synthetic market: plausible daily bars for any ticker, without a network, labelled `synthetic: true`
 * so nobody mistakes them for market data. For demos, first runs and tests of everything downstream.
 *
 * Determinism: a bar depends only on (seed, ticker, date). Every series is generated from SAMPLE_EPOCH, whatever
 * range is asked for, and then cut to the range, so overlapping requests agree on every shared date and the same
 * request gives byte-identical bars. Business days only (Monday to Friday; no holiday calendars).
 */
export interface SampleSourceOptions {
  /** Default 42. */
  seed?: number;
}

/** The first date of every synthetic series (a Monday). Earlier dates have no bars. */
export const SAMPLE_EPOCH = '2000-01-03';

/**
 * Per-day pull of the log price towards the ticker's base level (an Ornstein-Uhlenbeck walk). Small, so a year
 * still trends; non-zero, so twenty-five years stay within about a factor of two of the market's price levels.
 */
const MEAN_REVERSION = 0.003;
const DAY_MS = 86_400_000;

export class SampleSource implements MarketDataSource {
  readonly name = 'sample' as const;
  readonly seed: number;

  constructor(options: SampleSourceOptions = {}) {
    const seed = options.seed ?? 42;
    if (!Number.isInteger(seed))
      throw new InputError('sample source', undefined, `seed must be an integer, got ${seed}`);
    this.seed = seed;
  }

  async fetchSnapshot(tickerInput: string, request: SnapshotRequest): Promise<RawSnapshot> {
    const ticker = normalizeTicker(tickerInput);
    checkRequest(request, `${ticker} (sample)`);
    const entry = universeEntry(ticker);
    const profile = MARKETS[entry?.market ?? marketOfTicker(ticker)];
    const bars = generateBars(this.seed, ticker, profile, request.start, request.end);
    if (bars.length === 0) {
      throw new NoDataError(
        ticker,
        'sample',
        `no business days between ${request.start} and ${request.end} (synthetic series start on ${SAMPLE_EPOCH})`,
      );
    }
    checkBars(bars, `${ticker} (sample)`);
    return {
      schema: RAW_SCHEMA,
      source: 'sample',
      ticker,
      fetched_at: request.now.toISOString(),
      interval: '1d',
      currency: entry?.currency ?? profile.currency,
      exchange: entry?.exchange ?? profile.exchange,
      timezone: entry?.timezone ?? profile.timezone,
      bars,
      events: { dividends: [], splits: [] },
      synthetic: true,
    };
  }
}

/** The synthetic bars of `ticker` on the business days in [start, end]. */
export function generateBars(
  seed: number,
  ticker: string,
  profile: MarketProfile,
  start: string,
  end: string,
): RawBar[] {
  const random = mulberry32(hashString(ticker, seed >>> 0) ^ Math.imul(seed, 0x9e3779b1));
  const [low, high] = profile.priceRange;
  // Per ticker: a base level spread log-uniformly over the market's range, a daily volatility of 1-3 %,
  // and a volume level around the market's typical one.
  const base = Math.exp(Math.log(low) + random() * (Math.log(high) - Math.log(low)));
  const sigma = 0.01 + random() * 0.02;
  const volumeLevel = profile.typicalVolume * Math.exp(normal(random) * 0.5);
  const round = tickRounder(profile.tick);

  const bars: RawBar[] = [];
  const logBase = Math.log(base);
  let logPrice = logBase;
  const startMs = Date.parse(`${start}T00:00:00Z`);
  const endMs = Date.parse(`${end}T00:00:00Z`);
  // The epoch is a Monday, so the weekday is the day count mod 7 (no Date object per day: this loop is hot).
  let day = 0;
  for (let ms = Date.parse(`${SAMPLE_EPOCH}T00:00:00Z`); ms <= endMs; ms += DAY_MS, day++) {
    if (day % 7 >= 5) continue;
    // Every day consumes the same ten uniforms, so a bar does not depend on the range asked for. Before the range
    // only the close matters (it carries the walk): the other draws are skipped uniforms, not computed normals.
    const previousLog = logPrice;
    logPrice += MEAN_REVERSION * (logBase - logPrice) + sigma * normal(random);
    if (ms < startMs) {
      random.skip(8);
      continue;
    }
    const zGap = normal(random);
    const zHigh = Math.abs(normal(random));
    const zLow = Math.abs(normal(random));
    const zVolume = normal(random);
    // The previous close, as that day printed it (the base level before the first day).
    const previousClose = round(Math.exp(previousLog));
    const open = round(previousClose * Math.exp(0.25 * sigma * zGap));
    const close = round(Math.exp(logPrice));
    const barHigh = Math.max(round(Math.max(open, close) * Math.exp(0.5 * sigma * zHigh)), open, close);
    const barLow = Math.max(
      Math.min(round(Math.min(open, close) * Math.exp(-0.5 * sigma * zLow)), open, close),
      profile.tick,
    );
    const volume = Math.max(
      profile.lot,
      Math.round((volumeLevel * Math.exp(0.35 * zVolume)) / profile.lot) * profile.lot,
    );
    const date = new Date(ms).toISOString().slice(0, 10);
    bars.push({ date, open, high: barHigh, low: barLow, close, adj_close: close, volume });
  }
  return bars;
}

/**
 * Rounds to the tick without binary noise: the tick is k / scale in integers (0.05 = 5 / 100), and an integer
 * divided by a power of ten is the double nearest the decimal, the same number that parsing "12.35" gives.
 */
function tickRounder(tick: number): (price: number) => number {
  const scale = tick >= 1 ? 1 : 10 ** Math.ceil(-Math.log10(tick) - 1e-9);
  const step = Math.round(tick * scale);
  return (price) => Math.max(step, Math.round((price * scale) / step) * step) / scale;
}
