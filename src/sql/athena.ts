/**
 * The Athena engine of `marketlake sql`: start a query in a workgroup, wait for it with backoff, page its results
 * into JSON values. Athena runs the query; this module only drives the API (StartQueryExecution,
 * GetQueryExecution, GetQueryResults, StopQueryExecution) and turns every failure into an AthenaQueryError whose
 * message names the query id and what Athena said, so the CLI can print it as it is.
 *
 * Retries. Each request goes through the SDK's standard retry (AthenaClientOptions.maxAttempts, default 3
 * attempts): throttling (TooManyRequestsException, HTTP 429), 5xx answers and network failures, with jittered
 * exponential backoff. That is safe for StartQueryExecution because it carries a ClientRequestToken made once per
 * runAthenaQuery call: Athena answers a repeated start with the same token with the same query id instead of
 * running the query twice. Nothing is retried on top of the SDK: a start still throttled after its attempts (e.g.
 * CONCURRENT_QUERY_LIMIT_EXCEEDED, which lasts as long as the workgroup's other queries do) is reported with
 * Athena's code and reason, and a query Athena reports FAILED is never resubmitted (the message says when Athena
 * deems it retryable).
 *
 * A query that this call gives up on while it may still run (past `timeoutMs`, `signal` aborted, or its status
 * unreadable) is stopped with StopQueryExecution, so it does not go on scanning (and billing) unseen.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type GetQueryResultsOutput,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { UserError } from '../errors.js';
import { athenaValueConverter, type AthenaValue, type AthenaValueConverter } from './athena-values.js';

export type { AthenaValue } from './athena-values.js';

export interface AthenaPollBackoff {
  /** The first wait between two GetQueryExecution calls. */
  initialMs: number;
  /** The longest wait. */
  maxMs: number;
  /** Each wait is the previous one times this, up to maxMs. */
  factor: number;
}

/** 100 ms, 200, 400, 800, 1600, then every 2 s: short queries answer fast, long ones cost few requests. */
export const DEFAULT_ATHENA_POLL: AthenaPollBackoff = { initialMs: 100, maxMs: 2_000, factor: 2 };

/** GetQueryResults returns at most 1000 rows a page (the API's maximum). */
const PAGE_SIZE = 1000;

export interface AthenaQueryOptions {
  /** Built by the caller (region, credentials, endpoint): athenaClient() in ./athena-client.ts. */
  client: AthenaClient;
  query: string;
  workgroup: string;
  database: string;
  /** Default AwsDataCatalog (the Glue Data Catalog). */
  catalog?: string;
  /**
   * Where Athena writes the result file (s3://bucket/prefix/). Default: the workgroup's own setting, which a
   * workgroup that enforces its configuration applies anyway; without either, Athena refuses to start the query.
   */
  outputLocation?: string;
  /** More rows than this is an error naming --max-rows; paging stops at the first row over. */
  maxRows: number;
  /** For the whole call, start to last page. Past it a running query is stopped; the error names --timeout. */
  timeoutMs: number;
  poll?: AthenaPollBackoff;
  /**
   * Aborting it (Ctrl-C) cuts the wait short, stops the running query and rejects with kind `interrupted`; during
   * paging it rejects before the next page.
   */
  signal?: AbortSignal;
  /** Injectable for tests; default: a timer (cut short by `signal`). */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests; default Date.now. */
  now?: () => number;
  /** Called after each GetQueryExecution with the state Athena reported (QUEUED, RUNNING, SUCCEEDED...). */
  onProgress?: (state: string, elapsedMs: number) => void;
}

export interface AthenaColumn {
  name: string;
  /** As ColumnInfo.Type gives it: varchar, bigint, double, decimal, date, timestamp, array, row... */
  type: string;
}

export interface AthenaResult {
  queryId: string;
  columns: AthenaColumn[];
  rows: AthenaValue[][];
  /** Statistics.DataScannedInBytes: what Athena bills for. */
  bytesScanned: number;
  /** Statistics.EngineExecutionTimeInMillis. */
  engineExecutionMs: number;
  /** Where Athena wrote the result file (ResultConfiguration.OutputLocation), when it says. */
  outputLocation?: string;
}

/** What went wrong, for callers that act on it (the CLI's exit code for `interrupted`). */
export type AthenaFailureKind =
  /** An API request failed: the start refused (no such workgroup, throttled, no credentials...) or a later call. */
  | 'request'
  /** Athena ran the query and reports FAILED. */
  | 'failed'
  /** Someone else cancelled it (console, stop-query-execution). */
  | 'cancelled'
  | 'timeout'
  | 'interrupted'
  | 'too-many-rows';

/** Every failure of an Athena query a user can act on; the message names the query id once there is one. */
export class AthenaQueryError extends UserError {
  override readonly name = 'AthenaQueryError';
  readonly kind: AthenaFailureKind;
  readonly queryId: string | undefined;
  /** The SDK error's code for `request` (InvalidRequestException, TooManyRequestsException...). */
  readonly code: string | undefined;

  constructor(message: string, options: { kind: AthenaFailureKind; queryId?: string; code?: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.queryId = options.queryId;
    this.code = options.code;
  }
}

export async function runAthenaQuery(options: AthenaQueryOptions): Promise<AthenaResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const deadline = started + options.timeoutMs;
  const queryId = await startQuery(options);
  const execution = await waitForCompletion(options, queryId, started, deadline);
  const { columns, rows } = await fetchResults(options, queryId, execution, deadline);
  const statistics = execution.Statistics;
  const outputLocation = execution.ResultConfiguration?.OutputLocation;
  return {
    queryId,
    columns,
    rows,
    bytesScanned: statistics?.DataScannedInBytes ?? 0,
    engineExecutionMs: statistics?.EngineExecutionTimeInMillis ?? 0,
    ...(outputLocation === undefined ? {} : { outputLocation }),
  };
}

async function startQuery(options: AthenaQueryOptions): Promise<string> {
  const catalog = options.catalog ?? 'AwsDataCatalog';
  const where = `workgroup ${options.workgroup}, database ${catalog}.${options.database}`;
  let queryId: string | undefined;
  try {
    const output = await options.client.send(
      new StartQueryExecutionCommand({
        QueryString: options.query,
        WorkGroup: options.workgroup,
        QueryExecutionContext: { Database: options.database, Catalog: catalog },
        ...(options.outputLocation === undefined
          ? {}
          : { ResultConfiguration: { OutputLocation: options.outputLocation } }),
        // One token per call: the SDK's retries of this request resend it, and Athena then answers with the
        // query it already started rather than starting a second one.
        ClientRequestToken: randomUUID(),
      }),
      // Not aborted by `signal`: Athena may have started the query before the abort, and only the answer names
      // it; the wait that follows sees the abort and stops it.
    );
    queryId = output.QueryExecutionId;
  } catch (error) {
    throw requestError(`Athena did not start the query (${where})`, error);
  }
  if (queryId === undefined || queryId === '') {
    throw new Error(`Athena StartQueryExecution answered without a QueryExecutionId (${where})`);
  }
  return queryId;
}

async function waitForCompletion(
  options: AthenaQueryOptions,
  queryId: string,
  started: number,
  deadline: number,
): Promise<QueryExecution> {
  const now = options.now ?? Date.now;
  const poll = options.poll ?? DEFAULT_ATHENA_POLL;
  let wait = poll.initialMs;
  for (;;) {
    let execution: QueryExecution | undefined;
    try {
      execution = (await options.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })))
        .QueryExecution;
    } catch (error) {
      throw await stopAfter(
        options,
        queryId,
        requestError(`Athena query ${queryId}: reading its status failed`, error, queryId),
      );
    }
    const state: string = execution?.Status?.State ?? 'unknown';
    options.onProgress?.(state, now() - started);
    if (state === 'SUCCEEDED' && execution !== undefined) return execution;
    if (state === 'FAILED') throw failedError(queryId, execution);
    if (state === 'CANCELLED') throw cancelledError(queryId, execution);
    // QUEUED or RUNNING (a transient error can take a query back from RUNNING to QUEUED): wait, within bounds.
    if (aborted(options)) throw await stopAfter(options, queryId, interruptedError(queryId, state));
    const remaining = deadline - now();
    if (remaining <= 0) throw await stopAfter(options, queryId, timeoutError(options, queryId, state));
    await pause(options, Math.min(wait, remaining));
    if (aborted(options)) throw await stopAfter(options, queryId, interruptedError(queryId, state));
    wait = Math.min(wait * poll.factor, poll.maxMs);
  }
}

function aborted(options: AthenaQueryOptions): boolean {
  return options.signal?.aborted === true;
}

async function pause(options: AthenaQueryOptions, ms: number): Promise<void> {
  if (options.sleep !== undefined) return options.sleep(ms);
  const { signal } = options;
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    // An abort cuts the wait short on purpose; the caller sees `signal.aborted` and stops the query.
    if (signal?.aborted !== true) throw error;
  }
}

/**
 * Stops a query this call gives up on, and returns `error` (the reason) to throw: with "it was stopped", or with
 * why stopping failed and how to do it by hand, since it may then still be running.
 */
async function stopAfter(
  options: AthenaQueryOptions,
  queryId: string,
  error: AthenaQueryError,
): Promise<AthenaQueryError> {
  try {
    await options.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
  } catch (stopError) {
    return new AthenaQueryError(
      `${error.message}; stopping it failed (${describeAwsFailure(stopError)}): it may still be running, stop it with ` +
        `aws athena stop-query-execution --query-execution-id ${queryId}`,
      { kind: error.kind, queryId, ...(error.code === undefined ? {} : { code: error.code }), cause: error },
    );
  }
  return new AthenaQueryError(`${error.message}; the query was stopped`, {
    kind: error.kind,
    queryId,
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
}

async function fetchResults(
  options: AthenaQueryOptions,
  queryId: string,
  execution: QueryExecution,
  deadline: number,
): Promise<{ columns: AthenaColumn[]; rows: AthenaValue[][] }> {
  const now = options.now ?? Date.now;
  let columns: AthenaColumn[] = [];
  let converters: AthenaValueConverter[] = [];
  const rows: AthenaValue[][] = [];
  let nextToken: string | undefined;
  let firstPage = true;
  do {
    // The query has finished: nothing to stop, but the caller's bounds hold for fetching too.
    if (aborted(options)) throw interruptedError(queryId, 'SUCCEEDED');
    if (now() >= deadline) throw timeoutError(options, queryId, 'SUCCEEDED', 'while its results were being fetched');
    let page: GetQueryResultsOutput;
    try {
      page = await options.client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: queryId,
          MaxResults: PAGE_SIZE,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      );
    } catch (error) {
      throw requestError(`Athena query ${queryId}: reading its results failed`, error, queryId);
    }
    let pageRows = page.ResultSet?.Rows ?? [];
    if (firstPage) {
      const columnInfo = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      columns = columnInfo.map((column, index) => ({
        name: column.Name ?? `_col${index}`,
        type: column.Type ?? 'varchar',
      }));
      converters = columns.map((column) => athenaValueConverter(column.name, column.type));
      pageRows = withoutHeader(queryId, execution, columnInfo, pageRows);
      firstPage = false;
    }
    for (const row of pageRows) {
      if (rows.length >= options.maxRows) throw tooManyRowsError(queryId, options.maxRows);
      rows.push(convertRow(queryId, row, columns, converters));
    }
    nextToken = page.NextToken === '' ? undefined : page.NextToken;
  } while (nextToken !== undefined);
  return { columns, rows };
}

/**
 * The first row of a SELECT's (DML's) first page holds the column names, not data (Athena writes its results as
 * CSV with a header line); other statements (SHOW, DESCRIBE: UTILITY, DDL) have none. A DML whose first row is not
 * the header means the results are not what this code understands: an error rather than a lost or extra row.
 * For other statements the row is dropped only when it repeats the names, as other Athena clients do.
 */
function withoutHeader(queryId: string, execution: QueryExecution, columnInfo: ColumnInfo[], rows: Row[]): Row[] {
  if (rows.length === 0) return rows;
  const values = (rows[0].Data ?? []).map((datum) => datum.VarCharValue);
  const isHeader =
    values.length === columnInfo.length &&
    columnInfo.every((column, index) => values[index] === column.Name || values[index] === column.Label);
  if (isHeader) return rows.slice(1);
  if (execution.StatementType === 'DML') {
    throw new Error(
      `Athena query ${queryId}: the first result row ${JSON.stringify(values)} is not the header of columns ` +
        JSON.stringify(columnInfo.map((column) => column.Name)),
    );
  }
  return rows;
}

function convertRow(
  queryId: string,
  row: Row,
  columns: AthenaColumn[],
  converters: AthenaValueConverter[],
): AthenaValue[] {
  const data = row.Data ?? [];
  if (data.length !== columns.length) {
    throw new Error(`Athena query ${queryId}: a result row has ${data.length} values for ${columns.length} columns`);
  }
  // A Datum without VarCharValue is SQL NULL.
  return data.map((datum, index) => (datum.VarCharValue === undefined ? null : converters[index](datum.VarCharValue)));
}

const ERROR_CATEGORIES: Record<number, string> = { 1: 'system', 2: 'user', 3: 'other' };

function failedError(queryId: string, execution: QueryExecution | undefined): AthenaQueryError {
  const status = execution?.Status;
  const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? 'no reason given';
  const athenaError = status?.AthenaError;
  const details: string[] = [];
  if (athenaError !== undefined) {
    if (athenaError.ErrorCategory !== undefined) {
      const category = ERROR_CATEGORIES[athenaError.ErrorCategory] ?? 'unknown';
      details.push(`error category ${athenaError.ErrorCategory} (${category})`);
    }
    if (athenaError.ErrorType !== undefined) details.push(`error type ${athenaError.ErrorType}`);
    if (athenaError.Retryable !== undefined) {
      details.push(athenaError.Retryable ? 'retryable: running it again may succeed' : 'not retryable');
    }
    if (athenaError.ErrorMessage !== undefined && athenaError.ErrorMessage !== reason) {
      details.push(athenaError.ErrorMessage);
    }
  }
  return new AthenaQueryError(
    `Athena query ${queryId} failed: ${reason}${details.length === 0 ? '' : ` [${details.join('; ')}]`}`,
    { kind: 'failed', queryId },
  );
}

function cancelledError(queryId: string, execution: QueryExecution | undefined): AthenaQueryError {
  const reason = execution?.Status?.StateChangeReason;
  return new AthenaQueryError(
    `Athena query ${queryId} was cancelled (not by this command: from the console, the API or a workgroup limit)` +
      (reason === undefined ? '' : `: ${reason}`),
    { kind: 'cancelled', queryId },
  );
}

function timeoutError(
  options: AthenaQueryOptions,
  queryId: string,
  state: string,
  when = `(still ${state})`,
): AthenaQueryError {
  return new AthenaQueryError(
    `Athena query ${queryId} did not finish within --timeout ${formatDuration(options.timeoutMs)} ${when}: ` +
      'raise --timeout, or narrow the query',
    { kind: 'timeout', queryId },
  );
}

function interruptedError(queryId: string, state: string): AthenaQueryError {
  return new AthenaQueryError(`Athena query ${queryId} interrupted (it was ${state})`, {
    kind: 'interrupted',
    queryId,
  });
}

function tooManyRowsError(queryId: string, maxRows: number): AthenaQueryError {
  return new AthenaQueryError(
    `Athena query ${queryId} returned more than --max-rows ${maxRows} rows: add a LIMIT or a narrower WHERE, ` +
      'or raise --max-rows',
    { kind: 'too-many-rows', queryId },
  );
}

function formatDuration(ms: number): string {
  return ms < 1000 || ms % 1000 !== 0 ? `${ms} ms` : `${ms / 1000} s`;
}

/**
 * An SDK failure as an AthenaQueryError: the SDK's error code (InvalidRequestException...), the HTTP status,
 * Athena's own details (AthenaErrorCode of an InvalidRequestException, Reason of a TooManyRequestsException), how
 * many attempts the SDK made, and the message. Missing credentials get the same hint as the S3 lake's.
 */
function requestError(context: string, error: unknown, queryId?: string): AthenaQueryError {
  const code = awsErrorCode(error);
  if (code === 'CredentialsProviderError' || code === 'TokenProviderError') {
    return new AthenaQueryError(
      `${context}: no AWS credentials (${messageOfError(error)}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
        'or AWS_PROFILE, or run where an instance or container role provides them',
      { kind: 'request', code, ...(queryId === undefined ? {} : { queryId }), cause: error },
    );
  }
  return new AthenaQueryError(`${context}: ${describeAwsFailure(error)}`, {
    kind: 'request',
    code,
    ...(queryId === undefined ? {} : { queryId }),
    cause: error,
  });
}

interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  AthenaErrorCode?: unknown;
  Reason?: unknown;
  $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
}

function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as AwsErrorShape;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return 'Error';
}

function messageOfError(error: unknown): string {
  const message = (error as AwsErrorShape | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : String(error);
}

function describeAwsFailure(error: unknown): string {
  const e = (error ?? {}) as AwsErrorShape;
  const code = awsErrorCode(error);
  const facts: string[] = [];
  if (typeof e.$metadata?.httpStatusCode === 'number') facts.push(`HTTP ${e.$metadata.httpStatusCode}`);
  if (typeof e.AthenaErrorCode === 'string') facts.push(e.AthenaErrorCode);
  if (typeof e.Reason === 'string') facts.push(e.Reason);
  if (typeof e.$metadata?.attempts === 'number' && e.$metadata.attempts > 1) {
    facts.push(`after ${e.$metadata.attempts} attempts`);
  }
  const message = messageOfError(error);
  return `${code}${facts.length === 0 ? '' : ` (${facts.join(', ')})`}${message === code ? '' : `: ${message}`}`;
}
