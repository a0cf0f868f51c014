/**
 * runAthenaQuery with the real AthenaClient (SDK v3: its JSON 1.1 serializer, signer, retries and error parsing)
 * against a local server replaying answers in the documented format of the Athena API reference
 * (test/fixtures/athena/README.md: not recorded from a live Athena). Time is a fake clock: the injected sleep
 * records each wait and moves `now` on, so backoff and timeouts are asserted exactly and take no real time.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { athenaClient, type AthenaClientOptions } from './athena-client.js';
import { AthenaQueryError, runAthenaQuery, type AthenaQueryOptions } from './athena.js';
import { AthenaReplayServer, fixture, type ReplayScript } from './testing/athena-replay-server.js';

const QUERY_ID = 'a7b3c2d1-5e6f-4a8b-9c0d-1e2f3a4b5c6d';
const QUERY = "SELECT ticker, close, volume FROM bars WHERE date = DATE '2026-12-04' ORDER BY ticker";
const ACCESS_KEY = 'AKIAREPLAYTEST000001';

let server: AthenaReplayServer | undefined;
let client: AthenaClient | undefined;

afterEach(async () => {
  client?.destroy();
  client = undefined;
  await server?.close();
  server = undefined;
});

async function replay(
  script: ReplayScript,
  clientOptions: AthenaClientOptions = {},
): Promise<{ server: AthenaReplayServer; client: AthenaClient }> {
  server = await AthenaReplayServer.start(script);
  client = athenaClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'replay-test-secret' },
    ...clientOptions,
  });
  return { server, client };
}

/** A clock that only the injected sleep moves. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let time = 1_796_421_600_000;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: (ms) => {
      sleeps.push(ms);
      time += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

function queryOptions(
  athena: AthenaClient,
  overrides: Partial<AthenaQueryOptions> = {},
): AthenaQueryOptions & { sleeps: number[] } {
  const clock = fakeClock();
  return {
    client: athena,
    query: QUERY,
    workgroup: 'marketlake',
    database: 'marketlake',
    maxRows: 100,
    timeoutMs: 60_000,
    now: clock.now,
    sleep: clock.sleep,
    sleeps: clock.sleeps,
    ...overrides,
  };
}

/** The rejection of `promise`, which must be an AthenaQueryError. */
async function failure(promise: Promise<unknown>): Promise<AthenaQueryError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the query to fail');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AthenaQueryError);
  return error as AthenaQueryError;
}

const SUCCEEDED_TWO_PAGES: ReplayScript = {
  StartQueryExecution: [fixture('start-query-execution')],
  GetQueryExecution: [fixture('get-query-execution-succeeded')],
  GetQueryResults: [fixture('get-query-results-page-1'), fixture('get-query-results-page-2')],
};

/** The script for two queries in a row: each operation's answers, twice over. */
function twice(script: ReplayScript): ReplayScript {
  return Object.fromEntries(
    Object.entries(script).map(([operation, answers]) => [operation, [...answers, ...answers]]),
  );
}

describe('runAthenaQuery', () => {
  it('runs a SELECT over two result pages: the header skipped once, NextToken followed, statistics kept', async () => {
    const { server, client } = await replay(SUCCEEDED_TWO_PAGES);
    const result = await runAthenaQuery(queryOptions(client));

    expect(result).toEqual({
      queryId: QUERY_ID,
      columns: [
        { name: 'ticker', type: 'varchar' },
        { name: 'close', type: 'double' },
        { name: 'volume', type: 'bigint' },
      ],
      rows: [
        ['AAPL', 238.47, 51234100],
        ['MSFT', 431.2, 20877300],
        // Beyond 2^53 a bigint stays a string: a JSON number would change its last digit.
        ['NVDA', 142.03, '9007199254740993'],
      ],
      bytesScanned: 48213677,
      engineExecutionMs: 1834,
      outputLocation: `s3://marketlake-athena-results/sql/${QUERY_ID}.csv`,
    });

    const pages = server.requestsFor('GetQueryResults');
    expect(pages.map((request) => request.body)).toEqual([
      { QueryExecutionId: QUERY_ID, MaxResults: 1000 },
      {
        QueryExecutionId: QUERY_ID,
        MaxResults: 1000,
        NextToken: (fixture('get-query-results-page-1').body as { NextToken: string }).NextToken,
      },
    ]);
    expect(server.requests.map((request) => request.operation)).toEqual([
      'StartQueryExecution',
      'GetQueryExecution',
      'GetQueryResults',
      'GetQueryResults',
    ]);
  });

  it('sends the query, workgroup, database, catalog and a request token, signed with the given credentials', async () => {
    const { server, client } = await replay(twice(SUCCEEDED_TWO_PAGES));
    await runAthenaQuery(queryOptions(client, { workgroup: 'analysts', database: 'lake_v2' }));
    await runAthenaQuery(
      queryOptions(client, { catalog: 'other_catalog', outputLocation: 's3://results-bucket/marketlake/' }),
    );

    const starts = server.requestsFor('StartQueryExecution');
    expect(starts).toHaveLength(2);
    const [first, second] = starts;
    expect(first.body).toEqual({
      QueryString: QUERY,
      WorkGroup: 'analysts',
      QueryExecutionContext: { Database: 'lake_v2', Catalog: 'AwsDataCatalog' },
      ClientRequestToken: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
    });
    expect(second.body.QueryExecutionContext).toEqual({ Database: 'marketlake', Catalog: 'other_catalog' });
    // Without the option the workgroup's result location applies: nothing is sent.
    expect(first.body).not.toHaveProperty('ResultConfiguration');
    expect(second.body.ResultConfiguration).toEqual({ OutputLocation: 's3://results-bucket/marketlake/' });
    // A new token per query: the same token would make Athena answer the second start with the first query.
    expect(second.body.ClientRequestToken).not.toEqual(first.body.ClientRequestToken);
    expect(first.headers['x-amz-target']).toBe('AmazonAthena.StartQueryExecution');
    expect(first.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(first.headers.authorization).toContain(`Credential=${ACCESS_KEY}/`);
    expect(first.headers.authorization).toContain('/us-east-1/athena/aws4_request');
    expect(server.requestsFor('GetQueryExecution').map((request) => request.body)).toEqual([
      { QueryExecutionId: QUERY_ID },
      { QueryExecutionId: QUERY_ID },
    ]);
  });

  it('converts values by their column type, a missing VarCharValue being NULL', async () => {
    const { client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryResults: [fixture('get-query-results-types')],
    });
    const result = await runAthenaQuery(queryOptions(client));

    expect(result.columns.map((column) => column.type)).toEqual([
      'varchar',
      'char',
      'tinyint',
      'smallint',
      'integer',
      'bigint',
      'double',
      'real',
      'decimal',
      'boolean',
      'date',
      'timestamp',
      'array',
      'map',
      'row',
      'json',
    ]);
    expect(result.rows).toEqual([
      [
        'AAPL',
        'ab ',
        -7,
        1200,
        2147483647,
        '9223372036854775807',
        0.00001,
        2.5,
        12345.6789,
        true,
        '2026-12-04',
        '2026-12-04T22:00:00.000Z',
        '[1, 2, 3]',
        '{a=1, b=2}',
        '{x=1, y=abc}',
        '{"k":[1,2]}',
      ],
      [
        // An empty string is a value, not NULL.
        '',
        'xyz',
        12,
        -3,
        -42,
        -12,
        -0.5,
        // No JSON number for NaN: Athena's text.
        'NaN',
        // 28 significant digits do not survive a double: the exact text.
        '123456789012345678.9012345678',
        false,
        '1999-01-31',
        '1999-01-31T00:00:00.5Z',
        '[]',
        '{}',
        '{x=null, y=null}',
        'null',
      ],
      Array.from({ length: 16 }, () => null),
    ]);
  });

  it('polls QUEUED -> RUNNING -> SUCCEEDED with the default backoff (100 ms doubling up to 2 s)', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [
        fixture('get-query-execution-queued'),
        fixture('get-query-execution-queued'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-succeeded'),
      ],
    });
    const progress: [string, number][] = [];
    const options = queryOptions(client, { onProgress: (state, elapsed) => progress.push([state, elapsed]) });
    const result = await runAthenaQuery(options);

    expect(result.rows).toHaveLength(3);
    expect(options.sleeps).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect(progress).toEqual([
      ['QUEUED', 0],
      ['QUEUED', 100],
      ['RUNNING', 300],
      ['RUNNING', 700],
      ['RUNNING', 1500],
      ['RUNNING', 3100],
      ['RUNNING', 5100],
      ['SUCCEEDED', 7100],
    ]);
    expect(server.requestsFor('GetQueryExecution')).toHaveLength(8);
  });

  it('follows a given backoff', async () => {
    const { client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [
        fixture('get-query-execution-queued'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-running'),
        fixture('get-query-execution-succeeded'),
      ],
    });
    const options = queryOptions(client, { poll: { initialMs: 50, maxMs: 300, factor: 3 } });
    await runAthenaQuery(options);
    expect(options.sleeps).toEqual([50, 150, 300, 300]);
  });

  it('reports a FAILED query with its reason and AthenaError, and fetches no results', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [fixture('get-query-execution-running'), fixture('get-query-execution-failed')],
    });
    const error = await failure(runAthenaQuery(queryOptions(client)));

    expect(error).toBeInstanceOf(UserError);
    expect(error.kind).toBe('failed');
    expect(error.queryId).toBe(QUERY_ID);
    expect(error.message).toBe(
      `Athena query ${QUERY_ID} failed: COLUMN_NOT_FOUND: line 1:16: Column 'closee' cannot be resolved or ` +
        'requester is not authorized to access requested resources [error category 2 (user); error type 1000; ' +
        'not retryable]',
    );
    expect(server.requestsFor('GetQueryResults')).toEqual([]);
    // FAILED is final: nothing to stop, and nothing resubmitted.
    expect(server.requestsFor('StopQueryExecution')).toEqual([]);
    expect(server.requestsFor('StartQueryExecution')).toHaveLength(1);
  });

  it('says when Athena deems a failure retryable, and that the category is a system one', async () => {
    const failed = fixture('get-query-execution-failed');
    const execution = (failed.body as { QueryExecution: { Status: Record<string, unknown> } }).QueryExecution;
    execution.Status.StateChangeReason = 'Amazon Athena experienced an internal error while executing this query.';
    execution.Status.AthenaError = { ErrorCategory: 1, ErrorType: 100, Retryable: true };
    const { client } = await replay({ ...SUCCEEDED_TWO_PAGES, GetQueryExecution: [failed] });
    const error = await failure(runAthenaQuery(queryOptions(client)));
    expect(error.message).toBe(
      `Athena query ${QUERY_ID} failed: Amazon Athena experienced an internal error while executing this query. ` +
        '[error category 1 (system); error type 100; retryable: running it again may succeed]',
    );
  });

  it('reports a query cancelled by someone else', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [fixture('get-query-execution-running'), fixture('get-query-execution-cancelled')],
    });
    const error = await failure(runAthenaQuery(queryOptions(client)));
    expect(error.kind).toBe('cancelled');
    expect(error.message).toBe(
      `Athena query ${QUERY_ID} was cancelled (not by this command: from the console, the API or a workgroup ` +
        'limit): Query cancelled by user',
    );
    expect(server.requestsFor('GetQueryResults')).toEqual([]);
  });

  it('surfaces a start refused with InvalidRequestException (no such workgroup) with its code and message', async () => {
    const { server, client } = await replay({
      StartQueryExecution: [fixture('error-invalid-request-workgroup', 400)],
    });
    const error = await failure(runAthenaQuery(queryOptions(client, { workgroup: 'nope' })));

    expect(error.kind).toBe('request');
    expect(error.code).toBe('InvalidRequestException');
    expect(error.queryId).toBeUndefined();
    expect(error.message).toBe(
      'Athena did not start the query (workgroup nope, database AwsDataCatalog.marketlake): ' +
        'InvalidRequestException (HTTP 400): WorkGroup is not found.',
    );
    expect(error.cause).toMatchObject({ name: 'InvalidRequestException' });
    // A client error: the SDK does not retry it, and there is no query to poll.
    expect(server.requests.map((request) => request.operation)).toEqual(['StartQueryExecution']);
  });

  it('retries a throttled start (SDK standard retry) with the same request token, then reports the throttling', async () => {
    const { server, client } = await replay(
      { StartQueryExecution: [fixture('error-too-many-requests', 400)] },
      { maxAttempts: 2 },
    );
    const error = await failure(runAthenaQuery(queryOptions(client)));

    expect(error.code).toBe('TooManyRequestsException');
    expect(error.message).toMatch(
      /^Athena did not start the query \(workgroup marketlake, database AwsDataCatalog\.marketlake\): TooManyRequestsException \(HTTP 400, CONCURRENT_QUERY_LIMIT_EXCEEDED, after 2 attempts\): You have exceeded the limit/,
    );
    const tokens = server.requestsFor('StartQueryExecution').map((request) => request.body.ClientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('runs the query when a throttled start is accepted on the retry', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      StartQueryExecution: [fixture('error-too-many-requests', 400), fixture('start-query-execution')],
    });
    const result = await runAthenaQuery(queryOptions(client));
    expect(result.queryId).toBe(QUERY_ID);
    const tokens = server.requestsFor('StartQueryExecution').map((request) => request.body.ClientRequestToken);
    expect(tokens).toEqual([tokens[0], tokens[0]]);
  });

  it('stops a query still running at --timeout and names the query id and the timeout', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [fixture('get-query-execution-queued'), fixture('get-query-execution-running')],
      StopQueryExecution: [fixture('stop-query-execution')],
    });
    const options = queryOptions(client, { timeoutMs: 1000 });
    const error = await failure(runAthenaQuery(options));

    expect(error.kind).toBe('timeout');
    expect(error.queryId).toBe(QUERY_ID);
    expect(error.message).toBe(
      `Athena query ${QUERY_ID} did not finish within --timeout 1 s (still RUNNING): raise --timeout, or narrow ` +
        'the query; the query was stopped',
    );
    // The last wait is cut to the deadline; the status is read once more at it before giving up.
    expect(options.sleeps).toEqual([100, 200, 400, 300]);
    expect(server.requestsFor('GetQueryExecution')).toHaveLength(5);
    expect(server.requestsFor('StopQueryExecution').map((request) => request.body)).toEqual([
      { QueryExecutionId: QUERY_ID },
    ]);
    expect(server.requestsFor('GetQueryResults')).toEqual([]);
  });

  it('says how to stop the query by hand when StopQueryExecution fails after a timeout', async () => {
    const { client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [fixture('get-query-execution-running')],
      StopQueryExecution: [
        { status: 400, body: { __type: 'InvalidRequestException', Message: 'Access denied to StopQueryExecution' } },
      ],
    });
    const error = await failure(runAthenaQuery(queryOptions(client, { timeoutMs: 250 })));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(
      `Athena query ${QUERY_ID} did not finish within --timeout 250 ms (still RUNNING): raise --timeout, or ` +
        'narrow the query; stopping it failed (InvalidRequestException (HTTP 400): Access denied to ' +
        'StopQueryExecution): it may still be running, stop it with aws athena stop-query-execution ' +
        `--query-execution-id ${QUERY_ID}`,
    );
  });

  it('stops the query when its status cannot be read, and says why', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [
        fixture('get-query-execution-running'),
        {
          status: 400,
          body: {
            __type: 'AccessDeniedException',
            Message: 'User is not authorized to perform: athena:GetQueryExecution',
          },
        },
      ],
      StopQueryExecution: [fixture('stop-query-execution')],
    });
    const error = await failure(runAthenaQuery(queryOptions(client)));
    expect(error.kind).toBe('request');
    expect(error.code).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `Athena query ${QUERY_ID}: reading its status failed: AccessDeniedException (HTTP 400): User is not ` +
        'authorized to perform: athena:GetQueryExecution; the query was stopped',
    );
    expect(server.requestsFor('StopQueryExecution')).toHaveLength(1);
  });

  it('stops the query when the signal is aborted while it runs', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [fixture('get-query-execution-running')],
      StopQueryExecution: [fixture('stop-query-execution')],
    });
    const controller = new AbortController();
    let polls = 0;
    const options = queryOptions(client, {
      signal: controller.signal,
      onProgress: () => {
        polls += 1;
        if (polls === 3) controller.abort('SIGINT');
      },
    });
    const error = await failure(runAthenaQuery(options));
    expect(error.kind).toBe('interrupted');
    expect(error.message).toBe(`Athena query ${QUERY_ID} interrupted (it was RUNNING); the query was stopped`);
    expect(server.requestsFor('GetQueryExecution')).toHaveLength(3);
    expect(server.requestsFor('StopQueryExecution').map((request) => request.body)).toEqual([
      { QueryExecutionId: QUERY_ID },
    ]);
  });

  it('cuts the default (real) wait short when the signal is aborted', async () => {
    const { server, client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [fixture('get-query-execution-running')],
      StopQueryExecution: [fixture('stop-query-execution')],
    });
    const controller = new AbortController();
    const started = Date.now();
    const error = await failure(
      runAthenaQuery({
        client,
        query: QUERY,
        workgroup: 'marketlake',
        database: 'marketlake',
        maxRows: 100,
        timeoutMs: 600_000,
        // A minute's wait after the first poll: only the abort can end it within the test's time.
        poll: { initialMs: 60_000, maxMs: 60_000, factor: 1 },
        signal: controller.signal,
        onProgress: () => setTimeout(() => controller.abort('SIGINT'), 20),
      }),
    );
    expect(error.kind).toBe('interrupted');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(server.requestsFor('GetQueryExecution')).toHaveLength(1);
    expect(server.requestsFor('StopQueryExecution')).toHaveLength(1);
  });

  it('refuses more rows than --max-rows, fetching no page after the one that goes over', async () => {
    const { server, client } = await replay(SUCCEEDED_TWO_PAGES);
    const error = await failure(runAthenaQuery(queryOptions(client, { maxRows: 1 })));
    expect(error.kind).toBe('too-many-rows');
    expect(error.message).toBe(
      `Athena query ${QUERY_ID} returned more than --max-rows 1 rows: add a LIMIT or a narrower WHERE, or raise ` +
        '--max-rows',
    );
    // Page 1 holds 2 rows: over the cap already, so page 2 is never asked for.
    expect(server.requestsFor('GetQueryResults')).toHaveLength(1);
  });

  it('counts rows across pages against --max-rows, the cap itself being allowed', async () => {
    const { server, client } = await replay(twice(SUCCEEDED_TWO_PAGES));
    const over = await failure(runAthenaQuery(queryOptions(client, { maxRows: 2 })));
    expect(over.message).toContain('more than --max-rows 2 rows');
    expect(server.requestsFor('GetQueryResults')).toHaveLength(2);

    const exactly = await runAthenaQuery(queryOptions(client, { maxRows: 3 }));
    expect(exactly.rows.map((row) => row[0])).toEqual(['AAPL', 'MSFT', 'NVDA']);
  });

  it('fails on a SELECT whose first row is not the header rather than drop or keep a row silently', async () => {
    const page = fixture('get-query-results-page-1');
    const rows = (page.body as { ResultSet: { Rows: unknown[] } }).ResultSet.Rows;
    rows.shift();
    const { client } = await replay({ ...SUCCEEDED_TWO_PAGES, GetQueryResults: [page] });
    await expect(runAthenaQuery(queryOptions(client))).rejects.toThrow(
      `Athena query ${QUERY_ID}: the first result row ["AAPL","238.47","51234100"] is not the header of columns ` +
        '["ticker","close","volume"]',
    );
  });

  it('keeps the first row of a statement without a header (SHOW, DESCRIBE)', async () => {
    const succeeded = fixture('get-query-execution-succeeded');
    (succeeded.body as { QueryExecution: { StatementType: string } }).QueryExecution.StatementType = 'UTILITY';
    const page = fixture('get-query-results-page-1');
    const { NextToken: _token, ...onePage } = page.body as Record<string, unknown>;
    (onePage.ResultSet as { Rows: unknown[] }).Rows.shift();
    const { client } = await replay({
      ...SUCCEEDED_TWO_PAGES,
      GetQueryExecution: [succeeded],
      GetQueryResults: [{ body: onePage }],
    });
    const result = await runAthenaQuery(queryOptions(client));
    expect(result.rows.map((row) => row[0])).toEqual(['AAPL', 'MSFT']);
  });
});
