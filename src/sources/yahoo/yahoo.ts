import YahooFinance from 'yahoo-finance2';
import { ExtendedCookieJar } from 'yahoo-finance2/lib/cookieJar';
import type { Logger } from 'yahoo-finance2/lib/options';
import type { ChartOptionsWithReturnArray, ChartResultArray } from 'yahoo-finance2/modules/chart';
import type { RawSnapshot } from '../../lake/formats/raw.js';
import { normalizeTicker } from '../../market/ticker.js';
import {
  checkRequest,
  NoDataError,
  SourceFetchError,
  VendorFormatError,
  type MarketDataSource,
  type SnapshotRequest,
} from '../source.js';
import {
  checkPolicy,
  DEFAULT_RETRY_POLICY,
  defaultSleep,
  RetriesExhaustedError,
  withRetry,
  type RetryInfo,
  type RetryPolicy,
  type Verdict,
} from '../retry.js';
import { chartResponseProblem } from './chart-response.js';
import { chartToSnapshot } from './yahoo-chart.js';

/**
 * Daily bars from Yahoo Finance through the yahoo-finance2 library's `chart()` (the endpoint Yahoo's own site uses;
 * the library validates the response's shape). The library does the HTTP; this module adds what a lake needs:
 * retries for transient failures only, a timeout, NoDataError for unknown symbols, and the mapping to the raw
 * document (yahoo-chart.ts).
 */
export interface YahooSourceOptions {
  /** The HTTP client; tests pass one that sends Yahoo's URLs to a local replay server. Default: global fetch. */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** Waits between retries; tests pass one that records the delay and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for the retry jitter. */
  random?: () => number;
  /** Per HTTP request, body included. Default 30 s: a hung connection must not hang the whole run. */
  timeoutMs?: number;
  /** Told before each retry, so a CLI can say why it is waiting. */
  onRetry?: (info: RetryInfo & { ticker: string }) => void;
  /** The library's logger. Default: quiet (it warns on Node 20, which works, and would print per request). */
  logger?: Logger;
}

/** Yahoo answered with an HTTP error status. Raised by our fetch wrapper, so the library never sees the response. */
export class YahooHttpError extends Error {
  override readonly name = 'YahooHttpError';
  constructor(
    readonly url: string,
    readonly status: number,
    /** Yahoo's own description (`chart.error.description`) or the start of the body. */
    readonly description: string,
    /** From a Retry-After header, when there is one. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status} from ${url}${description ? `: ${description}` : ''}`);
  }
}

/** The request never got an answer (DNS, refused or reset connection, timeout). */
export class YahooNetworkError extends Error {
  override readonly name = 'YahooNetworkError';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`network error on ${url}: ${messageOf(cause)}`, { cause });
  }
}

/**
 * Yahoo's chart response is not in the format marketlake reads (chart-response.ts). Raised by our fetch wrapper,
 * before the library parses the body; `explain` names the ticker (a VendorFormatError).
 */
export class YahooFormatError extends Error {
  override readonly name = 'YahooFormatError';
  constructor(
    readonly url: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`the chart response from ${url} changed shape: ${problem}`);
  }
}

const QUIET_LOGGER: Logger = { info() {}, warn() {}, error() {}, debug() {}, dir() {} };
const DAY_SECONDS = 86_400;

export class YahooSource implements MarketDataSource {
  readonly name = 'yfinance' as const;
  readonly #client: InstanceType<typeof YahooFinance>;
  readonly #policy: RetryPolicy;
  readonly #options: YahooSourceOptions;

  constructor(options: YahooSourceOptions = {}) {
    this.#options = options;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    checkPolicy(this.#policy);
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
    this.#client = new YahooFinance({
      versionCheck: false,
      logger: options.logger ?? QUIET_LOGGER,
      // Looked up per call, so a fetch installed globally after construction (a proxy agent) is honoured.
      fetch: guardFetch(options.fetch ?? ((input, init) => globalThis.fetch(input, init)), timeoutMs),
      // The library's default cookie jar (and the crumb cached with it) is one object shared by every instance in
      // the process; an own jar keeps sources, and tests with their own servers, apart.
      cookieJar: new ExtendedCookieJar(),
    });
  }

  async fetchSnapshot(tickerInput: string, request: SnapshotRequest): Promise<RawSnapshot> {
    const ticker = normalizeTicker(tickerInput);
    checkRequest(request, `${ticker} (yfinance)`);
    const query = chartQuery(request);
    let result: ChartResultArray;
    try {
      result = await withRetry(() => this.#client.chart(ticker, query), {
        policy: this.#policy,
        classify,
        sleep: this.#options.sleep ?? defaultSleep,
        random: this.#options.random ?? Math.random,
        onRetry: this.#options.onRetry && ((info) => this.#options.onRetry!({ ...info, ticker })),
      });
    } catch (error) {
      throw explain(ticker, error);
    }
    return chartToSnapshot(ticker, result, request);
  }
}

/**
 * Yahoo takes UTC instants; the request is in exchange-local dates, and a local date spans UTC-12..UTC+14.
 * Asking for a day more on each side covers every zone; chartToSnapshot keeps the local dates in range.
 */
export function chartQuery(request: Pick<SnapshotRequest, 'start' | 'end'>): ChartOptionsWithReturnArray {
  const startSeconds = Date.parse(`${request.start}T00:00:00Z`) / 1000;
  const endSeconds = Date.parse(`${request.end}T00:00:00Z`) / 1000;
  return {
    period1: startSeconds - DAY_SECONDS,
    period2: endSeconds + 2 * DAY_SECONDS,
    interval: '1d',
    events: 'div|split',
    return: 'array',
  };
}

/**
 * Wraps fetch so that HTTP errors and network failures become typed errors here, before the library reads the
 * response: the library would turn a 404 or 500 into a bare Error (losing the status) and print the URL with
 * console.error. Redirects (the library's cookie/consent flow asks for them) pass through untouched.
 */
function guardFetch(base: typeof fetch, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const url = describeUrl(input);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await base(input, { ...init, signal });
    } catch (error) {
      throw new YahooNetworkError(url, error);
    }
    if (response.status < 400) return isChartUrl(input) ? checkedChartResponse(url, response) : response;
    let body: string;
    try {
      body = await response.text();
    } catch (error) {
      throw new YahooNetworkError(url, error);
    }
    throw new YahooHttpError(
      url,
      response.status,
      yahooDescription(body),
      retryAfterMs(response.headers.get('retry-after')),
    );
  };
}

const CHART_PATH = /\/v8\/finance\/chart\//;

function isChartUrl(input: string | URL | Request): boolean {
  return CHART_PATH.test(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
}

/**
 * The chart response, its body checked against chart-response.ts first: a changed format is a YahooFormatError
 * naming the field. The library gets a new Response of the same body, status and headers (the body of the first
 * one is read); the body is already decoded, so the encoding and length headers are left out.
 */
async function checkedChartResponse(url: string, response: Response): Promise<Response> {
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    throw new YahooNetworkError(url, error);
  }
  const problem = chartResponseProblem(body);
  if (problem !== undefined) throw new YahooFormatError(url, problem.field, problem.problem);
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** Host and path only: query strings may carry a crumb, which has no place in an error message. */
function describeUrl(input: string | URL | Request): string {
  const text = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    const url = new URL(text);
    return `${url.host}${url.pathname}`;
  } catch {
    return text.split('?')[0];
  }
}

/** Yahoo's error bodies look like `{"chart":{"result":null,"error":{"code":"Not Found","description":"..."}}}`. */
function yahooDescription(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') {
      for (const value of Object.values(parsed)) {
        const description = (value as { error?: { description?: unknown } } | null)?.error?.description;
        if (typeof description === 'string') return description;
      }
    }
  } catch {
    // Not JSON (an HTML error page, "Too Many Requests"): the text itself is the description.
  }
  return body.trim().replace(/\s+/g, ' ').slice(0, 200);
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Network failures, timeouts, 429 and 5xx may pass; 404 ("No data found") and other 4xx will not. */
function classify(error: unknown): Verdict {
  if (error instanceof YahooNetworkError) return { transient: true };
  if (error instanceof YahooHttpError) {
    return { transient: error.status === 429 || error.status >= 500, minDelayMs: error.retryAfterMs };
  }
  // The timeout can also fire while the library reads the body, outside the wrapper.
  if (error instanceof Error && error.name === 'TimeoutError') return { transient: true };
  return { transient: false };
}

const NO_DATA = /no data found|data doesn't exist/i;

/** Turns whatever ended the fetch into an error that names the ticker and the source, keeping the original as cause. */
function explain(ticker: string, error: unknown): Error {
  if (error instanceof RetriesExhaustedError) {
    return new SourceFetchError(ticker, 'yfinance', error.message, { cause: error });
  }
  if (error instanceof YahooHttpError) {
    if (error.status === 404 || NO_DATA.test(error.description)) {
      return new NoDataError(ticker, 'yfinance', error.description || `HTTP ${error.status}`, { cause: error });
    }
    return new SourceFetchError(ticker, 'yfinance', error.message, { cause: error });
  }
  if (error instanceof YahooFormatError) {
    return new VendorFormatError(ticker, 'yfinance', error.field, error.problem, { cause: error });
  }
  // The library's own check of the response (its JSON schema), should it refuse what chart-response.ts let pass.
  const refused = libraryValidationProblem(error);
  if (refused !== undefined) {
    return new VendorFormatError(ticker, 'yfinance', refused.field, refused.problem, { cause: error });
  }
  // The library raises Yahoo's in-body errors (sent with status 200 at times) as plain Errors with the description.
  if (error instanceof Error && NO_DATA.test(error.message)) {
    return new NoDataError(ticker, 'yfinance', error.message, { cause: error });
  }
  return new SourceFetchError(ticker, 'yfinance', messageOf(error), { cause: error });
}

/**
 * yahoo-finance2's FailedYahooValidationError (matched by name: the class is not part of the package's exports) as
 * a field and a problem: its `errors` are Ajv's, `{instancePath: "/meta/currency", message}`, relative to
 * `chart.result[0]` (what the library's chart module validates, after taking it out of the body).
 */
function libraryValidationProblem(error: unknown): { field: string; problem: string } | undefined {
  if (!(error instanceof Error) || error.name !== 'FailedYahooValidationError') return undefined;
  const errors = (error as { errors?: unknown }).errors;
  const listed = (Array.isArray(errors) ? errors : []).flatMap((entry: unknown) => {
    const { instancePath, message, params } = (entry ?? {}) as {
      instancePath?: unknown;
      message?: unknown;
      params?: { missing?: unknown };
    };
    if (typeof instancePath !== 'string') return [];
    // "Missing required properties" says which only in `params.missing`.
    const missing = Array.isArray(params?.missing) ? `: ${params.missing.join(', ')}` : '';
    const field = instancePath
      .split('/')
      .slice(1)
      .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`), 'chart.result[0]');
    return [{ field, message: `${typeof message === 'string' ? message : 'refused'}${missing}` }];
  });
  if (listed.length === 0) return { field: '(body)', problem: `(body): ${error.message}` };
  const problems = listed.slice(0, 3).map((entry) => `${entry.field}: ${entry.message}`);
  const more = listed.length > 3 ? ` (and ${listed.length - 3} more)` : '';
  return { field: listed[0].field, problem: problems.join('; ') + more };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
