/**
 * YahooSource against recorded Yahoo responses, replayed by a local HTTP server: the real yahoo-finance2 library
 * builds the requests and parses the answers; only the network is replaced. The fetch given to the source
 * rewrites `https://{host}/{path}` to `http://127.0.0.1:{port}/{host}/{path}`, so the server sees which Yahoo
 * host was asked, and anything not a Yahoo host fails the test instead of reaching the internet.
 *
 * Two sets of recordings:
 * - ../shared/fixtures/yahoo-chart: real responses recorded by the yahoo-finance2 project (read in place, never
 *   copied); skipped with a loud warning when absent, a failure when MARKETLAKE_REQUIRE_SERVICES=1;
 * - test/fixtures/yahoo: the project's own (scripts/fixtures/record-yahoo-fixtures.ts), always run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import YahooFinance from 'yahoo-finance2';
import { ExtendedCookieJar } from 'yahoo-finance2/lib/cookieJar';
import { InputError } from '../../errors.js';
import { InvalidTickerError } from '../../market/ticker.js';
import { NoDataError, SourceFetchError, VendorFormatError, type SnapshotRequest } from '../source.js';
import { chartQuery, YahooSource, type YahooSourceOptions } from './yahoo.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SHARED_DIR = resolve(repoRoot, '../shared/fixtures/yahoo-chart');
const OWN_DIR = join(repoRoot, 'test/fixtures/yahoo');
const NOW = new Date('2025-01-06T12:00:00.000Z');

interface Recorded {
  request_url: string;
  status: number;
  body: unknown;
}

function load(dir: string, file: string): Recorded {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Recorded;
}

/** What the server does for one request. */
type Reply =
  | { kind: 'respond'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'stall'; ms: number; recorded: Recorded };

interface LoggedRequest {
  host: string;
  path: string;
  query: URLSearchParams;
  cookie: string | undefined;
  status: number;
}

const COOKIE = 'A3=d=replay-cookie';
const CRUMB = 'replay-crumb';

/**
 * Answers each Yahoo URL from a queue of replies (each used once, in order), plus Yahoo's cookie and crumb
 * endpoints as the library's crumb flow expects them: a Set-Cookie on the quote page, the crumb (only for a
 * request that presents the cookie) on /v1/test/getcrumb. A request with no reply left is answered 501 and
 * listed in `unexpected`, which every test checks is empty.
 */
class ReplayServer {
  readonly log: LoggedRequest[] = [];
  readonly unexpected: string[] = [];
  #queues = new Map<string, Reply[]>();
  #server: Server = createServer((req, res) => this.#handle(req, res));
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((done) => this.#server.listen(0, '127.0.0.1', done));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((done, fail) => this.#server.close((error) => (error ? fail(error) : done())));
  }

  reset(): void {
    this.log.length = 0;
    this.unexpected.length = 0;
    this.#queues.clear();
  }

  /** Queues a reply for the host and path of `url` (the query is not matched: see the chart tests). */
  enqueue(url: string, reply: Reply): void {
    const { host, pathname } = new URL(url);
    const key = `${host}${pathname}`;
    const queue = this.#queues.get(key) ?? [];
    queue.push(reply);
    this.#queues.set(key, queue);
  }

  replay(recorded: Recorded): void {
    this.enqueue(recorded.request_url, { kind: 'respond', status: recorded.status, body: recorded.body });
  }

  requestsTo(pathPrefix: string): LoggedRequest[] {
    // Through the same URL parser as the logged paths: Node 24's percent-encodes `^` in a path, Node 20's does not.
    const prefix = new URL(pathPrefix, 'http://replay').pathname;
    return this.log.filter((entry) => entry.path.startsWith(prefix));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const local = new URL(req.url ?? '/', 'http://replay');
    const [, host, ...rest] = local.pathname.split('/');
    const path = `/${rest.join('/')}`;
    const entry: LoggedRequest = { host, path, query: local.searchParams, cookie: req.headers.cookie, status: 0 };
    this.log.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/plain' : 'application/json';
      res.writeHead(status, { 'content-type': type, ...headers }).end(text);
    };

    if (host === 'finance.yahoo.com' && path.startsWith('/quote/')) {
      send(200, '<html>quote page</html>', {
        'set-cookie': `${COOKIE}; Domain=.yahoo.com; Path=/; Max-Age=3600; Secure`,
        'content-type': 'text/html',
      });
      return;
    }
    if (path === '/v1/test/getcrumb') {
      if (req.headers.cookie?.includes(COOKIE)) send(200, CRUMB);
      else send(401, 'Unauthorized: no cookie');
      return;
    }
    const reply = this.#queues.get(`${host}${path}`)?.shift();
    if (!reply) {
      this.unexpected.push(`${host}${path}?${local.searchParams}`);
      send(501, `no recorded response for ${host}${path}`);
      return;
    }
    if (reply.kind === 'reset') {
      entry.status = -1;
      req.socket.destroy();
    } else if (reply.kind === 'stall') {
      const timer = setTimeout(() => send(reply.recorded.status, reply.recorded.body), reply.ms);
      res.on('close', () => clearTimeout(timer));
    } else {
      send(reply.status, reply.body, reply.headers);
    }
  }
}

const server = new ReplayServer();

/** The fetch the tests inject: Yahoo's hosts go to the replay server; any other host is a test failure. */
const replayFetch: typeof fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (url.hostname !== 'yahoo.com' && !url.hostname.endsWith('.yahoo.com')) {
    throw new Error(`the test tried to reach ${url.host}, which is not Yahoo`);
  }
  return fetch(`http://127.0.0.1:${server.port}/${url.host}${url.pathname}${url.search}`, init);
};

/** A source wired to the replay server; sleeps are recorded, not waited. */
function makeSource(options: YahooSourceOptions = {}) {
  const sleeps: number[] = [];
  const source = new YahooSource({
    fetch: replayFetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 5_000 },
    ...options,
  });
  return { source, sleeps };
}

const request = (start: string, end: string): SnapshotRequest => ({ start, end, now: NOW });

beforeAll(() => server.start());
afterAll(() => server.stop());
afterEach(() => {
  expect(server.unexpected, 'requests the replay server had no answer for').toEqual([]);
  server.reset();
});

// ---------------------------------------------------------------------------------------------------------------
// Real recordings (../shared/fixtures/yahoo-chart)

const sharedPresent = existsSync(SHARED_DIR);
const requireServices = process.env.MARKETLAKE_REQUIRE_SERVICES === '1';
if (!sharedPresent) {
  const banner = '!'.repeat(100);
  console.warn(
    `\n${banner}\n!! SKIPPED: the real Yahoo recordings are absent (${SHARED_DIR}).\n` +
      `!! YahooSource is tested only against the project's own fixtures in this run.\n` +
      `!! Set MARKETLAKE_REQUIRE_SERVICES=1 to make this a failure.\n${banner}\n`,
  );
}

describe('real recordings folder', () => {
  // Declared only when it must fail, so a normal run shows no skipped test here.
  if (!sharedPresent && requireServices) {
    it('is present when MARKETLAKE_REQUIRE_SERVICES=1', () => {
      throw new Error(`MARKETLAKE_REQUIRE_SERVICES=1 but ${SHARED_DIR} does not exist`);
    });
  }
  it.runIf(sharedPresent)('holds the recordings these tests name', () => {
    const files = readdirSync(SHARED_DIR);
    for (const name of [
      'chart-AAPL-2020-08-31-to-2020-11-07.json',
      'chart-AAPL-2020-01-01-to-2020-01-03.json',
      'chart-AZT.OL-2020-01-01-to-2020-01-03.json',
      'chart-BTC-USD-2020-01-01-to-2020-01-03.json',
      'chart-EURUSD=X-2020-01-01-to-2020-01-03.json',
      'chart-GC=F-2020-01-01-to-2020-01-03.json',
      'chart-OCDO.L-2020-01-01-to-2020-01-03.json',
      'chart-WSKT.JK-2020-01-01-to-2020-01-03.json',
      'chart-WSU.DE-2023-08-04-to-2023-08-09.json',
    ]) {
      expect(files).toContain(name);
    }
  });
});

interface ChartBody {
  chart: {
    result: {
      timestamp: number[];
      indicators: {
        quote: { open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] }[];
        adjclose: { adjclose: number[] }[];
      };
    }[];
  };
}

describe.skipIf(!sharedPresent)('YahooSource on real recorded responses', () => {
  it('maps AAPL across its 4:1 split: 49 local-date bars, the split and the dividend', async () => {
    const recorded = load(SHARED_DIR, 'chart-AAPL-2020-08-31-to-2020-11-07.json');
    server.replay(recorded);
    const { source, sleeps } = makeSource();
    const snapshot = await source.fetchSnapshot('aapl', request('2020-08-31', '2020-11-06'));

    expect(snapshot).toMatchObject({
      schema: 'marketlake.raw/1',
      source: 'yfinance',
      ticker: 'AAPL',
      fetched_at: NOW.toISOString(),
      interval: '1d',
      currency: 'USD',
      exchange: 'NMS',
      timezone: 'America/New_York',
    });
    expect(snapshot.bars).toHaveLength(49);
    expect(snapshot.bars[0].date).toBe('2020-08-31');
    expect(snapshot.bars.at(-1)!.date).toBe('2020-11-06');
    expect(snapshot.bars.map((b) => b.date)).not.toContain('2020-09-07'); // Labor Day
    for (const bar of snapshot.bars) expect([1, 2, 3, 4, 5]).toContain(new Date(`${bar.date}T00:00:00Z`).getUTCDay());
    expect(snapshot.events.splits).toEqual([{ date: '2020-08-31', numerator: 4, denominator: 1 }]);
    expect(snapshot.events.dividends).toEqual([{ date: '2020-11-06', amount: 0.205 }]);
    expect(snapshot.dropped_bars).toBeUndefined();
    expect(sleeps).toEqual([]);

    // The values pass through untouched, row for row, adjclose included.
    const result = (recorded.body as ChartBody).chart.result[0];
    const quote = result.indicators.quote[0];
    snapshot.bars.forEach((bar, i) => {
      expect(bar).toEqual({
        date: bar.date,
        open: quote.open[i],
        high: quote.high[i],
        low: quote.low[i],
        close: quote.close[i],
        adj_close: result.indicators.adjclose[0].adjclose[i],
        volume: quote.volume[i],
      });
    });
    // The first post-split session: the close is about a quarter of the pre-split level, not the raw 500.
    expect(snapshot.bars[0].close).toBeCloseTo(129.04, 2);

    const [chartRequest] = server.requestsTo('/v8/finance/chart/AAPL');
    expect(chartRequest.host).toBe('query2.finance.yahoo.com');
    expect(chartRequest.query.get('interval')).toBe('1d');
    expect(chartRequest.query.get('events')).toBe('div|split');
    const query = chartQuery({ start: '2020-08-31', end: '2020-11-06' });
    expect(chartRequest.query.get('period1')).toBe(String(query.period1));
    expect(chartRequest.query.get('period2')).toBe(String(query.period2));
  });

  // One row per recording: what the local date, currency, exchange and zone must be.
  const cases = [
    {
      file: 'chart-AAPL-2020-01-01-to-2020-01-03.json',
      ticker: 'AAPL',
      dates: ['2020-01-02'],
      currency: 'USD',
      exchange: 'NMS',
      timezone: 'America/New_York',
    },
    {
      file: 'chart-OCDO.L-2020-01-01-to-2020-01-03.json',
      ticker: 'OCDO.L',
      dates: ['2020-01-02'],
      currency: 'GBp',
      exchange: 'LSE',
      timezone: 'Europe/London',
    },
    {
      file: 'chart-AZT.OL-2020-01-01-to-2020-01-03.json',
      ticker: 'AZT.OL',
      dates: ['2020-01-02'],
      currency: 'NOK',
      exchange: 'OSL',
      timezone: 'Europe/Oslo',
    },
    {
      file: 'chart-WSKT.JK-2020-01-01-to-2020-01-03.json',
      ticker: 'WSKT.JK',
      dates: ['2020-01-02'],
      currency: 'IDR',
      exchange: 'JKT',
      timezone: 'Asia/Jakarta',
    },
    {
      file: 'chart-WSU.DE-2023-08-04-to-2023-08-09.json',
      ticker: 'WSU.DE',
      dates: ['2023-08-04', '2023-08-07', '2023-08-08'],
      currency: 'EUR',
      exchange: 'GER',
      timezone: 'Europe/Berlin',
    },
    {
      file: 'chart-GC=F-2020-01-01-to-2020-01-03.json',
      ticker: 'GC=F',
      dates: ['2020-01-02'],
      currency: 'USD',
      exchange: 'CMX',
      timezone: 'America/New_York',
    },
    {
      file: 'chart-EURUSD=X-2020-01-01-to-2020-01-03.json',
      ticker: 'EURUSD=X',
      dates: ['2020-01-01', '2020-01-02', '2020-01-03'],
      currency: 'USD',
      exchange: 'CCY',
      timezone: 'Europe/London',
    },
    {
      file: 'chart-BTC-USD-2020-01-01-to-2020-01-03.json',
      ticker: 'BTC-USD',
      dates: ['2020-01-01', '2020-01-02', '2020-01-03'],
      currency: 'USD',
      exchange: 'CCC',
      timezone: 'UTC',
    },
  ];
  it.each(cases)('$ticker: local dates $dates, $currency on $exchange', async (c) => {
    const recorded = load(SHARED_DIR, c.file);
    server.replay(recorded);
    const [, start, end] = /(\d{4}-\d{2}-\d{2})-to-(\d{4}-\d{2}-\d{2})/.exec(c.file)!;
    const snapshot = await makeSource().source.fetchSnapshot(c.ticker, request(start, end));
    expect(snapshot.bars.map((b) => b.date)).toEqual(c.dates);
    expect({ currency: snapshot.currency, exchange: snapshot.exchange, timezone: snapshot.timezone }).toEqual({
      currency: c.currency,
      exchange: c.exchange,
      timezone: c.timezone,
    });
    const result = (recorded.body as ChartBody).chart.result[0];
    expect(snapshot.bars.map((b) => b.close)).toEqual(result.indicators.quote[0].close);
    expect(snapshot.bars.map((b) => b.adj_close)).toEqual(result.indicators.adjclose[0].adjclose);
  });

  it('keeps crypto bars on a holiday and currency bars with zero volume', async () => {
    server.replay(load(SHARED_DIR, 'chart-BTC-USD-2020-01-01-to-2020-01-03.json'));
    server.replay(load(SHARED_DIR, 'chart-EURUSD=X-2020-01-01-to-2020-01-03.json'));
    const { source } = makeSource();
    const btc = await source.fetchSnapshot('BTC-USD', request('2020-01-01', '2020-01-03'));
    expect(btc.bars[0].date).toBe('2020-01-01'); // New Year's Day: no exchange is open, crypto trades
    const fx = await source.fetchSnapshot('EURUSD=X', request('2020-01-01', '2020-01-03'));
    expect(fx.bars.map((b) => b.volume)).toEqual([0, 0, 0]);
  });

  it('keeps adj_close apart from close where Yahoo adjusts (WSKT.JK)', async () => {
    server.replay(load(SHARED_DIR, 'chart-WSKT.JK-2020-01-01-to-2020-01-03.json'));
    const snapshot = await makeSource().source.fetchSnapshot('WSKT.JK', request('2020-01-01', '2020-01-03'));
    expect(snapshot.bars[0].close).toBe(1505);
    expect(snapshot.bars[0].adj_close).toBeCloseTo(1497.7766, 3);
  });

  it('filters to the requested local dates', async () => {
    server.replay(load(SHARED_DIR, 'chart-AAPL-2020-08-31-to-2020-11-07.json'));
    const snapshot = await makeSource().source.fetchSnapshot('AAPL', request('2020-09-01', '2020-09-30'));
    expect(snapshot.bars[0].date).toBe('2020-09-01');
    expect(snapshot.bars.at(-1)!.date).toBe('2020-09-30');
    expect(snapshot.bars).toHaveLength(21);
    // the split (08-31) and dividend (11-06) are outside
    expect(snapshot.events).toEqual({ dividends: [], splits: [] });
  });

  it('makes no request the replay server does not answer (no crumb or cookie is needed for chart)', async () => {
    server.replay(load(SHARED_DIR, 'chart-AAPL-2020-01-01-to-2020-01-03.json'));
    await makeSource().source.fetchSnapshot('AAPL', request('2020-01-01', '2020-01-03'));
    expect(server.log.map((entry) => `${entry.host}${entry.path} ${entry.status}`)).toEqual([
      'query2.finance.yahoo.com/v8/finance/chart/AAPL 200',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The project's own recordings (test/fixtures/yahoo), always run

const own = (file: string) => load(OWN_DIR, file);
const TOYOTA = 'chart-7203.T-2024-05-07-to-2024-05-10.json';
const TOYOTA_500 = 'chart-7203.T-2024-05-07-to-2024-05-10.status-500.json';

describe('YahooSource on the project fixtures', () => {
  it('drops a bar of nulls with the reason, and keeps the dividend (D05.SI)', async () => {
    server.replay(own('chart-D05.SI-2024-05-06-to-2024-05-10.json'));
    const snapshot = await makeSource().source.fetchSnapshot('D05.SI', request('2024-05-06', '2024-05-10'));
    expect(snapshot.bars.map((b) => b.date)).toEqual(['2024-05-06', '2024-05-07', '2024-05-09', '2024-05-10']);
    expect(snapshot.dropped_bars).toEqual([{ date: '2024-05-08', reason: 'open, high, low, close, volume are null' }]);
    expect(snapshot.events.dividends).toEqual([{ date: '2024-05-09', amount: 0.54 }]);
    expect(snapshot).toMatchObject({ currency: 'SGD', exchange: 'SES', timezone: 'Asia/Singapore', ticker: 'D05.SI' });
    expect(snapshot.bars[0]).toEqual({
      date: '2024-05-06',
      open: Math.fround(35.8),
      high: Math.fround(36.2),
      low: Math.fround(35.71),
      close: Math.fround(36.1),
      adj_close: Math.fround(35.56),
      volume: 4_012_300,
    });
  });

  it('fetches an index symbol (^STI) under its own name', async () => {
    // No index chart is recorded and none can be here (no network): the D05.SI payload, replayed under ^STI,
    // carries the symbol through the request and the mapping (the values are D05.SI's; the request is ^STI's).
    const recorded = own('chart-D05.SI-2024-05-06-to-2024-05-10.json');
    server.replay({ ...recorded, request_url: recorded.request_url.replace('/chart/D05.SI?', '/chart/^STI?') });
    const snapshot = await makeSource().source.fetchSnapshot('^sti', request('2024-05-06', '2024-05-10'));
    expect(snapshot.ticker).toBe('^STI');
    expect(snapshot.bars.map((b) => b.date)).toEqual(['2024-05-06', '2024-05-07', '2024-05-09', '2024-05-10']);
    expect(server.requestsTo('/v8/finance/chart/^STI')).toHaveLength(1);
  });

  it('dates bars stamped at local midnight by the exchange, not by UTC (7203.T)', async () => {
    const recorded = own(TOYOTA);
    const timestamps = (recorded.body as ChartBody).chart.result[0].timestamp;
    // The premise: every UTC date is the day before the Tokyo date.
    expect(timestamps.map((t) => new Date(t * 1000).toISOString().slice(0, 10))).toEqual([
      '2024-05-06',
      '2024-05-07',
      '2024-05-08',
      '2024-05-09',
    ]);
    server.replay(recorded);
    const snapshot = await makeSource().source.fetchSnapshot('7203.T', request('2024-05-07', '2024-05-10'));
    expect(snapshot.bars.map((b) => b.date)).toEqual(['2024-05-07', '2024-05-08', '2024-05-09', '2024-05-10']);
    expect(snapshot).toMatchObject({ currency: 'JPY', exchange: 'JPX', timezone: 'Asia/Tokyo' });
  });

  it('keeps the later row when Yahoo repeats the live session for a date (0700.HK)', async () => {
    server.replay(own('chart-0700.HK-2024-06-03-to-2024-06-07.json'));
    const snapshot = await makeSource().source.fetchSnapshot('0700.HK', request('2024-06-03', '2024-06-07'));
    expect(snapshot.bars).toHaveLength(5);
    expect(snapshot.bars.at(-1)).toMatchObject({ date: '2024-06-07', close: Math.fround(366.6), volume: 16_380_400 });
    expect(snapshot.dropped_bars).toEqual([
      { date: '2024-06-07', reason: 'a later row for the same exchange-local date replaced it' },
    ]);
  });

  it('has crypto bars on Saturday and Sunday (BTC-USD)', async () => {
    server.replay(own('chart-BTC-USD-2024-05-03-to-2024-05-07.json'));
    const snapshot = await makeSource().source.fetchSnapshot('BTC-USD', request('2024-05-03', '2024-05-07'));
    expect(snapshot.bars.map((b) => b.date)).toEqual([
      '2024-05-03',
      '2024-05-04',
      '2024-05-05',
      '2024-05-06',
      '2024-05-07',
    ]);
    expect(snapshot.timezone).toBe('UTC');
  });

  it("keeps a bar whose high is below its low as the vendor's record (9988.HK): the quality checks judge it", async () => {
    server.replay(own('chart-9988.HK-2024-06-03-to-2024-06-05.json'));
    const snapshot = await makeSource().source.fetchSnapshot('9988.HK', request('2024-06-03', '2024-06-05'));
    const bad = snapshot.bars.find((bar) => bar.date === '2024-06-04')!;
    expect(bad.high).toBeLessThan(bad.low);
    expect(bad.high).toBeCloseTo(75, 0);
  });

  it('fails the bad ticker alone: the others of a batch still arrive', async () => {
    server.replay(own('chart-NOSUCH.SI-2024-05-06-to-2024-05-10.json'));
    server.replay(own('chart-0700.HK-2024-06-03-to-2024-06-07.json'));
    const { source } = makeSource();
    const results = await Promise.allSettled([
      source.fetchSnapshot('NOSUCH.SI', request('2024-05-06', '2024-05-10')),
      source.fetchSnapshot('0700.HK', request('2024-06-03', '2024-06-07')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/no data for NOSUCH\.SI/);
  });

  it('filters rows, drops and events to the requested range', async () => {
    server.replay(own('chart-D05.SI-2024-05-06-to-2024-05-10.json'));
    const snapshot = await makeSource().source.fetchSnapshot('D05.SI', request('2024-05-07', '2024-05-08'));
    expect(snapshot.bars.map((b) => b.date)).toEqual(['2024-05-07']);
    expect(snapshot.dropped_bars).toEqual([{ date: '2024-05-08', reason: 'open, high, low, close, volume are null' }]);
    expect(snapshot.events.dividends).toEqual([]);
  });

  it('throws NoDataError when the range holds no bars', async () => {
    server.replay(own('chart-D05.SI-2024-05-06-to-2024-05-10.json'));
    const fetching = makeSource().source.fetchSnapshot('D05.SI', request('2024-05-08', '2024-05-08'));
    await expect(fetching).rejects.toThrow(NoDataError);
    await expect(fetching).rejects.toThrow(
      'no data for D05.SI from yfinance: no bars between 2024-05-08 and 2024-05-08 (1 row without prices)',
    );
  });

  it('throws NoDataError naming the ticker on 404 "No data found", without retrying', async () => {
    server.replay(own('chart-NOSUCH.SI-2024-05-06-to-2024-05-10.json'));
    const { source, sleeps } = makeSource();
    const fetching = source.fetchSnapshot('NOSUCH.SI', request('2024-05-06', '2024-05-10'));
    await expect(fetching).rejects.toThrow(NoDataError);
    await expect(fetching).rejects.toThrow(
      'no data for NOSUCH.SI from yfinance: No data found, symbol may be delisted',
    );
    expect(server.requestsTo('/v8/finance/chart/')).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 500 with backoff, then succeeds', async () => {
    server.replay(own(TOYOTA_500));
    server.replay(own(TOYOTA));
    const retries: string[] = [];
    const { source, sleeps } = makeSource({
      onRetry: (info) => retries.push(`${info.ticker} attempt ${info.attempt}: ${(info.error as Error).message}`),
    });
    const snapshot = await source.fetchSnapshot('7203.T', request('2024-05-07', '2024-05-10'));
    expect(snapshot.bars).toHaveLength(4);
    expect(server.requestsTo('/v8/finance/chart/7203.T').map((r) => r.status)).toEqual([500, 200]);
    // base 100 ms, first retry: ceiling 100, half fixed + half x random(0.5) = 75.
    expect(sleeps).toEqual([75]);
    expect(retries).toEqual([
      '7203.T attempt 1: HTTP 500 from query2.finance.yahoo.com/v8/finance/chart/7203.T: Internal error, please retry',
    ]);
  });

  it('honours Retry-After on 429', async () => {
    server.enqueue(own(TOYOTA).request_url, {
      kind: 'respond',
      status: 429,
      body: 'Too Many Requests',
      headers: { 'retry-after': '2' },
    });
    server.replay(own(TOYOTA));
    const { source, sleeps } = makeSource();
    await source.fetchSnapshot('7203.T', request('2024-05-07', '2024-05-10'));
    expect(sleeps).toEqual([2_000]);
  });

  it('retries a dropped connection', async () => {
    server.enqueue(own(TOYOTA).request_url, { kind: 'reset' });
    server.replay(own(TOYOTA));
    const { source, sleeps } = makeSource();
    const snapshot = await source.fetchSnapshot('7203.T', request('2024-05-07', '2024-05-10'));
    expect(snapshot.bars).toHaveLength(4);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after the last attempt with an error naming the ticker and the last failure', async () => {
    for (let i = 0; i < 3; i++) server.replay(own(TOYOTA_500));
    const { source, sleeps } = makeSource();
    const fetching = source.fetchSnapshot('7203.T', request('2024-05-07', '2024-05-10'));
    await expect(fetching).rejects.toThrow(SourceFetchError);
    await expect(fetching).rejects.toThrow(/^cannot fetch 7203\.T from yfinance: gave up after 3 attempts: HTTP 500/);
    // Exponential: ceilings 100 then 200, each half fixed and half jitter (random 0.5).
    expect(sleeps).toEqual([75, 150]);
  });

  it('times out a request that hangs, and counts it as transient', async () => {
    server.enqueue(own(TOYOTA).request_url, { kind: 'stall', ms: 5_000, recorded: own(TOYOTA) });
    server.replay(own(TOYOTA));
    const { source, sleeps } = makeSource({ timeoutMs: 200 });
    const snapshot = await source.fetchSnapshot('7203.T', request('2024-05-07', '2024-05-10'));
    expect(snapshot.bars).toHaveLength(4);
    expect(sleeps).toHaveLength(1);
  });

  it('refuses a bad ticker or range before any request', async () => {
    const { source } = makeSource();
    await expect(source.fetchSnapshot('../etc', request('2024-05-07', '2024-05-10'))).rejects.toThrow(
      InvalidTickerError,
    );
    await expect(source.fetchSnapshot('7203.T', request('2024-05-10', '2024-05-07'))).rejects.toThrow(
      '7203.T (yfinance): start 2024-05-10 is after end 2024-05-07',
    );
    await expect(source.fetchSnapshot('7203.T', request('2024-02-30', '2024-05-07'))).rejects.toThrow(InputError);
    expect(server.log).toEqual([]);
  });
});

describe('YahooSource on a chart response that changed shape', () => {
  const FILE = 'chart-D05.SI-2024-05-06-to-2024-05-10.json';
  type Result = Record<string, unknown> & {
    timestamp?: number[];
    indicators: { quote: Record<string, unknown>[]; adjclose?: Record<string, unknown>[] };
  };

  /** The fixture's answer, altered by `change`, fetched once: the error it ends with. */
  async function fetchAltered(change: (result: Result) => void): Promise<unknown> {
    const recorded = structuredClone(own(FILE));
    change((recorded.body as { chart: { result: Result[] } }).chart.result[0]);
    server.replay(recorded);
    const { source, sleeps } = makeSource();
    const error = await source.fetchSnapshot('D05.SI', request('2024-05-06', '2024-05-10')).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(sleeps, 'a changed format is not retried').toEqual([]);
    expect(server.requestsTo('/v8/finance/chart/D05.SI')).toHaveLength(1);
    return error;
  }

  const QUOTE = 'chart.result[0].indicators.quote[0]';
  it.each([
    {
      name: 'a renamed quote field',
      change: (result: Result) => {
        const quote = result.indicators.quote[0];
        quote.closePrice = quote.close;
        delete quote.close;
      },
      field: `${QUOTE}.close`,
      message: `D05.SI (yfinance): the chart response changed shape: ${QUOTE}.close: missing`,
    },
    {
      name: 'a string instead of an array',
      change: (result: Result) => {
        result.indicators.quote[0].close = '36.1,36.2';
      },
      field: `${QUOTE}.close`,
      message: `D05.SI (yfinance): the chart response changed shape: ${QUOTE}.close: expected array, received string`,
    },
    {
      name: 'a quote column shorter than the timestamps',
      change: (result: Result) => {
        (result.indicators.quote[0].volume as unknown[]).pop();
      },
      field: `${QUOTE}.volume`,
      message: `${QUOTE}.volume: has 4 values for 5 timestamps`,
    },
    {
      name: 'an adjclose column longer than the timestamps',
      change: (result: Result) => {
        (result.indicators.adjclose![0].adjclose as unknown[]).push(1);
      },
      field: 'chart.result[0].indicators.adjclose[0].adjclose',
      message: 'chart.result[0].indicators.adjclose[0].adjclose: has 6 values for 5 timestamps',
    },
    {
      name: 'no timestamp beside the quotes',
      change: (result: Result) => {
        delete result.timestamp;
      },
      field: 'chart.result[0].timestamp',
      message: 'chart.result[0].timestamp: missing, while the quote has values',
    },
    {
      name: 'timestamps as text',
      change: (result: Result) => {
        result.timestamp = result.timestamp!.map(String) as unknown as number[];
      },
      field: 'chart.result[0].timestamp[0]',
      message: 'chart.result[0].timestamp[0]: expected number, received string',
    },
  ])('names the field of $name (VendorFormatError, not retried)', async ({ change, field, message }) => {
    const error = await fetchAltered(change);
    expect(error).toBeInstanceOf(VendorFormatError);
    expect(error).toMatchObject({ ticker: 'D05.SI', source: 'yfinance', field });
    expect((error as Error).message).toContain(message);
  });

  it('reads a range without trading (no timestamp, an empty quote) as no data, not as a changed format', async () => {
    const error = await fetchAltered((result) => {
      delete result.timestamp;
      result.indicators = { quote: [{}], adjclose: [{}] };
    });
    expect(error).toBeInstanceOf(NoDataError);
  });

  it('names a body that is not JSON', async () => {
    server.enqueue(own(FILE).request_url, { kind: 'respond', status: 200, body: '<html>consent</html>' });
    const failure = makeSource().source.fetchSnapshot('D05.SI', request('2024-05-06', '2024-05-10'));
    await expect(failure).rejects.toThrow(VendorFormatError);
    await expect(failure).rejects.toThrow(
      /^D05\.SI \(yfinance\): the chart response changed shape: \(body\): not JSON/,
    );
  });

  it("maps the library's own validation error to a VendorFormatError naming the field", async () => {
    // meta.priceHint is a field marketlake does not read (chart-response.ts lets it go), but the library's schema
    // requires it: the library's refusal is reported the same way, with the field.
    const error = await fetchAltered((result) => {
      delete (result.meta as Record<string, unknown>).priceHint;
    });
    expect(error).toBeInstanceOf(VendorFormatError);
    expect(error).toMatchObject({ field: 'chart.result[0].meta' });
    expect((error as Error).message).toBe(
      'D05.SI (yfinance): the chart response changed shape: chart.result[0].meta: Missing required properties: priceHint',
    );
  });
});

describe('the replay server and the library crumb flow', () => {
  it("answers the library's cookie and crumb requests (quote() needs a crumb; chart() does not today)", async () => {
    server.enqueue('https://query2.finance.yahoo.com/v7/finance/quote', {
      kind: 'respond',
      status: 200,
      body: { quoteResponse: { result: [], error: null } },
    });
    const quiet = { info() {}, warn() {}, error() {}, debug() {}, dir() {} };
    const yahoo = new YahooFinance({
      versionCheck: false,
      logger: quiet,
      fetch: replayFetch,
      cookieJar: new ExtendedCookieJar(),
    });
    expect(await yahoo.quote('AAPL')).toBeUndefined();

    expect(server.log.map((entry) => `${entry.host}${entry.path} ${entry.status}`)).toEqual([
      'finance.yahoo.com/quote/AAPL 200',
      'query1.finance.yahoo.com/v1/test/getcrumb 200',
      'query2.finance.yahoo.com/v7/finance/quote 200',
    ]);
    const [, crumbRequest, quoteRequest] = server.log;
    expect(crumbRequest.cookie).toContain(COOKIE);
    expect(quoteRequest.query.get('crumb')).toBe(CRUMB);
    expect(quoteRequest.cookie).toContain(COOKIE);
  });
});
