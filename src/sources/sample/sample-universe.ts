import { MARKETS, type Market } from '../markets.js';

/**
 * The default universe: about fifty listings across the six markets of the daily report (US, Singapore, Japan,
 * Hong Kong, Vietnam, Taiwan), as Yahoo spells their symbols. The sample source generates these when no tickers
 * are given, so a first run looks like a real one without any network.
 */
export interface UniverseEntry {
  ticker: string;
  name: string;
  market: Market;
  currency: string;
  exchange: string;
  timezone: string;
}

function listing(ticker: string, name: string, market: Market, exchange = MARKETS[market].exchange): UniverseEntry {
  const { currency, timezone } = MARKETS[market];
  return { ticker, name, market, currency, exchange, timezone };
}

export const SAMPLE_UNIVERSE: readonly UniverseEntry[] = Object.freeze([
  // United States: Nasdaq (NMS), NYSE (NYQ), NYSE Arca (PCX)
  listing('NVDA', 'NVIDIA Corporation', 'US'),
  listing('AAPL', 'Apple Inc.', 'US'),
  listing('MSFT', 'Microsoft Corporation', 'US'),
  listing('AMZN', 'Amazon.com, Inc.', 'US'),
  listing('GOOGL', 'Alphabet Inc.', 'US'),
  listing('META', 'Meta Platforms, Inc.', 'US'),
  listing('TSLA', 'Tesla, Inc.', 'US'),
  listing('AVGO', 'Broadcom Inc.', 'US'),
  listing('AMD', 'Advanced Micro Devices, Inc.', 'US'),
  listing('NFLX', 'Netflix, Inc.', 'US'),
  listing('JPM', 'JPMorgan Chase & Co.', 'US', 'NYQ'),
  listing('V', 'Visa Inc.', 'US', 'NYQ'),
  listing('BRK-B', 'Berkshire Hathaway Inc.', 'US', 'NYQ'),
  listing('XOM', 'Exxon Mobil Corporation', 'US', 'NYQ'),
  listing('SPY', 'SPDR S&P 500 ETF Trust', 'US', 'PCX'),
  // Singapore
  listing('D05.SI', 'DBS Group Holdings Ltd', 'SG'),
  listing('O39.SI', 'Oversea-Chinese Banking Corporation Limited', 'SG'),
  listing('U11.SI', 'United Overseas Bank Limited', 'SG'),
  listing('Z74.SI', 'Singapore Telecommunications Limited', 'SG'),
  listing('C38U.SI', 'CapitaLand Integrated Commercial Trust', 'SG'),
  listing('A17U.SI', 'CapitaLand Ascendas REIT', 'SG'),
  listing('C6L.SI', 'Singapore Airlines Limited', 'SG'),
  listing('S68.SI', 'Singapore Exchange Limited', 'SG'),
  // Japan
  listing('7974.T', 'Nintendo Co., Ltd.', 'JP'),
  listing('7203.T', 'Toyota Motor Corporation', 'JP'),
  listing('6758.T', 'Sony Group Corporation', 'JP'),
  listing('9984.T', 'SoftBank Group Corp.', 'JP'),
  listing('8306.T', 'Mitsubishi UFJ Financial Group, Inc.', 'JP'),
  listing('6861.T', 'Keyence Corporation', 'JP'),
  listing('9983.T', 'Fast Retailing Co., Ltd.', 'JP'),
  listing('8035.T', 'Tokyo Electron Limited', 'JP'),
  // Hong Kong
  listing('0700.HK', 'Tencent Holdings Limited', 'HK'),
  listing('9988.HK', 'Alibaba Group Holding Limited', 'HK'),
  listing('0005.HK', 'HSBC Holdings plc', 'HK'),
  listing('1299.HK', 'AIA Group Limited', 'HK'),
  listing('0939.HK', 'China Construction Bank Corporation', 'HK'),
  listing('3690.HK', 'Meituan', 'HK'),
  listing('0388.HK', 'Hong Kong Exchanges and Clearing Limited', 'HK'),
  listing('2800.HK', 'Tracker Fund of Hong Kong', 'HK'),
  // Vietnam (Ho Chi Minh City Stock Exchange)
  listing('VNM.VN', 'Vietnam Dairy Products JSC (Vinamilk)', 'VN'),
  listing('FPT.VN', 'FPT Corporation', 'VN'),
  listing('VCB.VN', 'Joint Stock Commercial Bank for Foreign Trade of Vietnam', 'VN'),
  listing('HPG.VN', 'Hoa Phat Group JSC', 'VN'),
  listing('VIC.VN', 'Vingroup JSC', 'VN'),
  listing('MWG.VN', 'Mobile World Investment Corporation', 'VN'),
  // Taiwan
  listing('2330.TW', 'Taiwan Semiconductor Manufacturing Company Limited', 'TW'),
  listing('0050.TW', 'Yuanta/P-shares Taiwan Top 50 ETF', 'TW'),
  listing('2317.TW', 'Hon Hai Precision Industry Co., Ltd.', 'TW'),
  listing('2454.TW', 'MediaTek Inc.', 'TW'),
  listing('2412.TW', 'Chunghwa Telecom Co., Ltd.', 'TW'),
  listing('2882.TW', 'Cathay Financial Holding Co., Ltd.', 'TW'),
]);

export const SAMPLE_TICKERS: readonly string[] = Object.freeze(SAMPLE_UNIVERSE.map((entry) => entry.ticker));

/** The entry for a ticker (already normalized), if it is in the universe. */
export function universeEntry(ticker: string): UniverseEntry | undefined {
  return SAMPLE_UNIVERSE.find((entry) => entry.ticker === ticker);
}
