/**
 * The seeded-fault corpus (issue 14): bad vendor data made by breaking one thing in a real Yahoo answer (AAPL,
 * 2020-08-31 to 2020-11-06: 49 sessions, a 4:1 split on the first), replayed through the real YahooSource (the
 * yahoo-finance2 library parses it, src/sources/yahoo/yahoo-chart.ts maps it), then judged by every check.
 *
 * The recording is read in place from ../shared/fixtures/yahoo-chart (see src/sources/yahoo/yahoo.test.ts); the
 * faults are edits of its JSON body: rows removed or repeated (timestamp and every indicator array together),
 * values changed, a field renamed. Each ticker's previous snapshot is the clean answer of the day before (the same
 * range without its last session), as the daily run would have stored it; the peer calendar is built from the
 * judged ticker and three clean peers made from the same answer at other price levels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawSnapshot } from '../../../src/lake/formats/raw.js';
import { CHECKS, type CheckVerdict, type Severity } from '../../../src/quality/index.js';
import type { SnapshotRequest } from '../../../src/sources/source.js';
import { YahooSource } from '../../../src/sources/yahoo/yahoo.js';
import { runAllChecks } from './run-checks.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * Beside the repository, as src/sources/yahoo/yahoo.test.ts finds it; MARKETLAKE_YAHOO_FIXTURES points elsewhere
 * (a git worktree sits in another folder than the main checkout the recordings are beside).
 */
export const SHARED_DIR = process.env.MARKETLAKE_YAHOO_FIXTURES ?? resolve(repoRoot, '../shared/fixtures/yahoo-chart');
export const FIXTURE = resolve(SHARED_DIR, 'chart-AAPL-2020-08-31-to-2020-11-07.json');
export const fixturePresent = existsSync(FIXTURE);

const NOW = new Date('2020-11-06T22:30:00.000Z'); // the evening of the last session
const DAY_BEFORE = new Date(NOW.getTime() - 86_400_000);
const RANGE = { start: '2020-08-31', end: '2020-11-06' };

interface ChartResult {
  meta: Record<string, unknown>;
  timestamp: number[];
  events?: Record<string, unknown>;
  indicators: {
    quote: Record<string, unknown[]>[];
    adjclose: { adjclose: number[] }[];
  };
}

interface ChartBody {
  chart: { result: ChartResult[]; error: unknown };
}

const PRICE_FIELDS = ['open', 'high', 'low', 'close'] as const;

function loadBody(): ChartBody {
  const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { body: ChartBody };
  return recorded.body;
}

/** Every per-row array of the result: the timestamps, each quote field, adjclose. */
function rowArrays(result: ChartResult): unknown[][] {
  const quote = result.indicators.quote[0];
  return [result.timestamp, ...Object.values(quote), result.indicators.adjclose[0].adjclose];
}

function removeRows(result: ChartResult, from: number, count: number): void {
  for (const array of rowArrays(result)) array.splice(from, count);
}

function quoteOf(result: ChartResult): Record<'open' | 'high' | 'low' | 'close' | 'volume', number[]> {
  return result.indicators.quote[0] as Record<'open' | 'high' | 'low' | 'close' | 'volume', number[]>;
}

/** Prices (adjclose included) times `factor` and volumes times `volumeFactor`, from row `from` on. */
function scaleRows(result: ChartResult, from: number, factor: number, volumeFactor: number): void {
  const quote = quoteOf(result);
  const adj = result.indicators.adjclose[0].adjclose;
  for (let i = from; i < result.timestamp.length; i++) {
    for (const field of PRICE_FIELDS) quote[field][i] *= factor;
    adj[i] *= factor;
    quote.volume[i] = Math.round(quote.volume[i] * volumeFactor);
  }
}

export interface Fault {
  /** Short name, the row of the confusion matrix. */
  name: string;
  /** The check meant to find it. */
  expected: string;
  /** What was done to the payload. */
  description: string;
  inject(result: ChartResult): void;
}

export const FAULTS: readonly Fault[] = [
  {
    name: 'clean',
    expected: '',
    description: 'the recording as it is',
    inject() {},
  },
  {
    name: 'gaps',
    expected: 'completeness.peer_dates',
    description: 'three middle sessions removed (rows 20-22)',
    inject: (r) => removeRows(r, 20, 3),
  },
  {
    name: 'missing last day',
    expected: 'freshness.last_bar',
    description: 'the last session removed',
    inject: (r) => removeRows(r, r.timestamp.length - 1, 1),
  },
  {
    name: 'unadjusted 1:10 split',
    expected: 'plausibility.one_day_move',
    description: 'prices x0.1 and volumes x10 from row 30 on, no split event',
    inject: (r) => scaleRows(r, 30, 0.1, 10),
  },
  {
    name: 'price spike',
    expected: 'plausibility.one_day_move',
    description: 'the close of row 25 tripled (the high raised to it, so the bar stays consistent)',
    inject(r) {
      const quote = quoteOf(r);
      quote.close[25] *= 3;
      quote.high[25] = quote.close[25];
      r.indicators.adjclose[0].adjclose[25] *= 3;
    },
  },
  {
    name: 'high < low',
    expected: 'consistency.high_low',
    description: 'high and low of row 15 swapped',
    inject(r) {
      const quote = quoteOf(r);
      [quote.high[15], quote.low[15]] = [quote.low[15], quote.high[15]];
    },
  },
  {
    name: 'zero price',
    expected: 'consistency.positive_prices',
    description: 'low of row 18 set to 0',
    inject: (r) => void (quoteOf(r).low[18] = 0),
  },
  {
    name: 'shrunken history (middle)',
    expected: 'stability.history_shrank',
    description: 'rows 10-24 removed: the previous snapshot had them',
    inject: (r) => removeRows(r, 10, 15),
  },
  {
    name: 'shrunken history (start)',
    expected: 'stability.history_shrank',
    description: 'the first 15 rows removed, although the request asked for them',
    inject: (r) => removeRows(r, 0, 15),
  },
  {
    name: 'zero volume',
    expected: 'plausibility.zero_volume',
    description: 'volume 0 on rows 30-34',
    inject(r) {
      for (let i = 30; i < 35; i++) quoteOf(r).volume[i] = 0;
    },
  },
  {
    name: 'duplicate dates',
    expected: 'consistency.duplicate_dates',
    description: 'row 20 repeated a minute later (the same session)',
    inject(r) {
      const at = 21;
      for (const array of rowArrays(r)) array.splice(at, 0, array[at - 1]);
      r.timestamp[at] += 60;
    },
  },
  {
    name: 'changed payload shape',
    expected: 'vendor.payload_shape',
    description: 'indicators.quote[0].close renamed to closePrice',
    inject(r) {
      const quote = r.indicators.quote[0];
      quote.closePrice = quote.close;
      delete quote.close;
    },
  },
];

/** The clean peers of the calendar: the same sessions at other price and volume levels. */
const PEERS: readonly { ticker: string; price: number; volume: number }[] = [
  { ticker: 'PEERA', price: 0.5, volume: 0.7 },
  { ticker: 'PEERB', price: 2, volume: 1.3 },
  { ticker: 'PEERC', price: 1.5, volume: 0.9 },
];

/** A local stand-in for Yahoo's hosts: the cookie and crumb the library asks for, and one chart body per symbol. */
class ChartReplay {
  readonly bodies = new Map<string, ChartBody>();
  readonly unexpected: string[] = [];
  readonly #server = createServer((req, res) => this.#handle(req, res));
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((done) => this.#server.listen(0, '127.0.0.1', done));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((done, fail) => this.#server.close((error) => (error ? fail(error) : done())));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const local = new URL(req.url ?? '/', 'http://replay');
    const [, host, ...rest] = local.pathname.split('/');
    const path = `/${rest.join('/')}`;
    const send = (status: number, body: string, type: string, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': type, ...headers }).end(body);
    if (host === 'finance.yahoo.com' && path.startsWith('/quote/')) {
      send(200, '<html>quote page</html>', 'text/html', {
        'set-cookie': 'A3=d=replay; Domain=.yahoo.com; Path=/; Max-Age=3600; Secure',
      });
      return;
    }
    if (path === '/v1/test/getcrumb') {
      send(200, 'replay-crumb', 'text/plain');
      return;
    }
    const symbol = /^\/v8\/finance\/chart\/([^/]+)$/.exec(path)?.[1];
    const body = symbol === undefined ? undefined : this.bodies.get(decodeURIComponent(symbol));
    if (body === undefined) {
      this.unexpected.push(`${host}${path}`);
      send(501, `no body for ${host}${path}`, 'text/plain');
      return;
    }
    send(200, JSON.stringify(body), 'application/json');
  }

  source(): YahooSource {
    return new YahooSource({
      fetch: async (input, init) => {
        const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
        if (url.hostname !== 'yahoo.com' && !url.hostname.endsWith('.yahoo.com')) {
          throw new Error(`the corpus tried to reach ${url.host}, which is not Yahoo`);
        }
        return fetch(`http://127.0.0.1:${this.port}/${url.host}${url.pathname}${url.search}`, init);
      },
      sleep: async () => {},
      random: () => 0.5,
      retry: { attempts: 1 },
    });
  }
}

/** The body with one fault injected, for `symbol`. */
function faultedBody(fault: Fault | null, symbol: string, edit?: (result: ChartResult) => void): ChartBody {
  const body = loadBody();
  const result = body.chart.result[0];
  result.meta.symbol = symbol;
  fault?.inject(result);
  edit?.(result);
  return body;
}

export interface FaultOutcome {
  fault: Fault;
  /** The snapshot the source made of the faulty answer, or the error it rejected it with. */
  snapshot: RawSnapshot | null;
  rejection: string | null;
  /** Every verdict on the faulty ticker (empty when the source rejected the answer). */
  verdicts: CheckVerdict[];
}

/** Replays every fault (and the clean recording) through YahooSource and runs all checks on each. */
export async function runCorpus(): Promise<FaultOutcome[]> {
  const replay = new ChartReplay();
  await replay.start();
  try {
    const source = replay.source();
    const request = (now: Date, end = RANGE.end): SnapshotRequest => ({ start: RANGE.start, end, now });
    // Yesterday's clean answer: the same range, one session shorter.
    replay.bodies.set(
      'PREVIOUS',
      faultedBody(null, 'AAPL', (r) => removeRows(r, r.timestamp.length - 1, 1)),
    );
    const previous = { ...(await source.fetchSnapshot('PREVIOUS', request(DAY_BEFORE, '2020-11-05'))), ticker: 'AAPL' };
    const peers: RawSnapshot[] = [];
    for (const peer of PEERS) {
      replay.bodies.set(
        peer.ticker,
        faultedBody(null, peer.ticker, (r) => scaleRows(r, 0, peer.price, peer.volume)),
      );
      peers.push(await source.fetchSnapshot(peer.ticker, request(NOW)));
    }

    const outcomes: FaultOutcome[] = [];
    for (const fault of FAULTS) {
      replay.bodies.set('AAPL', faultedBody(fault, 'AAPL'));
      let snapshot: RawSnapshot | null = null;
      let rejection: string | null = null;
      try {
        snapshot = await source.fetchSnapshot('AAPL', request(NOW));
      } catch (error) {
        rejection = `${(error as Error).name}: ${(error as Error).message}`;
      }
      const verdicts =
        snapshot === null
          ? []
          : runAllChecks([
              { snapshot, previous, requestStart: RANGE.start },
              ...peers.map((peer) => ({ snapshot: peer, requestStart: RANGE.start })),
            ])[0].verdicts;
      outcomes.push({ fault, snapshot, rejection, verdicts });
    }
    if (replay.unexpected.length > 0) throw new Error(`unexpected requests: ${replay.unexpected.join(', ')}`);
    return outcomes;
  } finally {
    await replay.stop();
  }
}

/**
 * The checks that failed on an outcome, by id, with their severity. A rejection by the source is a
 * vendor.payload_shape finding (what the run records), unless it is the bar validation's InputError: that one
 * refuses values the consistency checks are for, and is shown apart (the column `rejected`).
 */
export function failedChecks(outcome: FaultOutcome): Map<string, Severity> {
  const failed = new Map<string, Severity>();
  if (outcome.rejection !== null && !outcome.rejection.startsWith('InputError')) {
    failed.set('vendor.payload_shape', 'error');
  }
  for (const verdict of outcome.verdicts) {
    // Results are judged once per computation version: the worse severity wins.
    if (!verdict.passed && failed.get(verdict.check) !== 'error') failed.set(verdict.check, verdict.severity);
  }
  return failed;
}

/**
 * The confusion matrix as a Markdown table: a row per fault, a column per check; E (error) or W (warn) where the
 * check failed, `.` where it passed, in bold the check meant for the fault; R where the source rejected the answer.
 */
export function confusionMatrix(outcomes: readonly FaultOutcome[]): string {
  const ids = CHECKS.map((c) => c.id);
  const short = (id: string) => id.split('.')[1];
  const lines = [
    `| fault | meant for | rejected | ${ids.map(short).join(' | ')} |`,
    `| --- | --- | :-: | ${ids.map(() => ':-:').join(' | ')} |`,
  ];
  for (const outcome of outcomes) {
    const failed = failedChecks(outcome);
    const cells = ids.map((id) => {
      const severity = failed.get(id);
      const mark = severity === undefined ? '.' : severity === 'error' ? 'E' : 'W';
      return id === outcome.fault.expected ? `**${mark}**` : mark;
    });
    const meant = outcome.fault.expected ? short(outcome.fault.expected) : '-';
    const rejected = outcome.rejection === null ? '.' : 'R';
    lines.push(`| ${outcome.fault.name} | ${meant} | ${rejected} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
