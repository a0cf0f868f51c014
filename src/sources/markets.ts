/**
 * The markets the project reports on, and what the synthetic generator needs to know about each: currency,
 * exchange code (Yahoo's `exchangeName` where the project has seen it), IANA zone, and plausible price levels,
 * tick sizes and board lots so synthetic bars look like that market's.
 */
export const MARKET_CODES = ['US', 'SG', 'JP', 'HK', 'VN', 'TW'] as const;
export type Market = (typeof MARKET_CODES)[number];

export interface MarketProfile {
  market: Market;
  currency: string;
  /** The usual exchange code; a listing may name another (NYSE `NYQ` beside Nasdaq `NMS`). */
  exchange: string;
  timezone: string;
  /** Typical share prices, low and high, in the market's currency. */
  priceRange: readonly [number, number];
  /** Prices are multiples of this (a simplification: real tick tables step with the price). */
  tick: number;
  /** Volumes are multiples of the board lot. */
  lot: number;
  /** A typical daily volume in shares, the centre of the synthetic volumes. */
  typicalVolume: number;
}

export const MARKETS: Readonly<Record<Market, MarketProfile>> = {
  US: {
    market: 'US',
    currency: 'USD',
    exchange: 'NMS',
    timezone: 'America/New_York',
    priceRange: [20, 500],
    tick: 0.01,
    lot: 1,
    typicalVolume: 8_000_000,
  },
  SG: {
    market: 'SG',
    currency: 'SGD',
    exchange: 'SES',
    timezone: 'Asia/Singapore',
    priceRange: [1, 40],
    tick: 0.01,
    lot: 100,
    typicalVolume: 3_000_000,
  },
  JP: {
    market: 'JP',
    currency: 'JPY',
    exchange: 'JPX',
    timezone: 'Asia/Tokyo',
    priceRange: [500, 10_000],
    tick: 1,
    lot: 100,
    typicalVolume: 4_000_000,
  },
  HK: {
    market: 'HK',
    currency: 'HKD',
    exchange: 'HKG',
    timezone: 'Asia/Hong_Kong',
    priceRange: [5, 500],
    tick: 0.05,
    lot: 100,
    typicalVolume: 10_000_000,
  },
  // The Ho Chi Minh exchange (HOSE); its Yahoo symbols end in .VN.
  VN: {
    market: 'VN',
    currency: 'VND',
    exchange: 'HOSE',
    timezone: 'Asia/Ho_Chi_Minh',
    priceRange: [10_000, 150_000],
    tick: 50,
    lot: 100,
    typicalVolume: 3_000_000,
  },
  TW: {
    market: 'TW',
    currency: 'TWD',
    exchange: 'TAI',
    timezone: 'Asia/Taipei',
    priceRange: [20, 1_000],
    tick: 0.05,
    lot: 1_000,
    typicalVolume: 15_000_000,
  },
};

const SUFFIXES: readonly [string, Market][] = [
  ['.SI', 'SG'],
  ['.T', 'JP'],
  ['.HK', 'HK'],
  ['.VN', 'VN'],
  ['.TW', 'TW'],
  ['.TWO', 'TW'],
];

/** The benchmark indices of the markets (Yahoo's `^` symbols), which carry no suffix. */
const INDICES: Readonly<Record<string, Market>> = {
  '^GSPC': 'US',
  '^DJI': 'US',
  '^IXIC': 'US',
  '^STI': 'SG',
  '^N225': 'JP',
  '^HSI': 'HK',
  '^TWII': 'TW',
  '^VNINDEX': 'VN',
};

/** The market of a Yahoo symbol by its suffix (or as a known index); any other symbol is taken as US. */
export function marketOfTicker(ticker: string): Market {
  const upper = ticker.toUpperCase();
  const index = INDICES[upper];
  if (index !== undefined) return index;
  for (const [suffix, market] of SUFFIXES) if (upper.endsWith(suffix)) return market;
  return 'US';
}
