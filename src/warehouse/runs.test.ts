import { expect, it } from 'vitest';
import { describeOnDatabases } from '../../test/support/databases.js';
import { finishRun, getRun, lakeErrorsOfNewestRun, startRun } from './runs.js';

describeOnDatabases('computation runs', (ctx) => {
  it('records a run from start to finish', async () => {
    const { db } = ctx.warehouse();
    await startRun(db, {
      runId: 'run-20240301-210000',
      kind: 'run',
      computationVersion: '1.0',
      source: 'yfinance',
      tickers: ['NVDA', 'D05.SI'],
    });
    const started = await getRun(db, 'run-20240301-210000');
    expect(started).toMatchObject({
      kind: 'run',
      status: 'running',
      finishedAt: null,
      summary: null,
      tickers: ['NVDA', 'D05.SI'],
    });
    expect(started!.startedAt).toBeInstanceOf(Date);

    const summary = { ok: ['NVDA'], failed: { 'D05.SI': 'HTTP 404' }, outboxPending: 0 };
    await finishRun(db, 'run-20240301-210000', 'partial', summary);
    const finished = await getRun(db, 'run-20240301-210000');
    expect(finished).toMatchObject({ status: 'partial', summary });
    expect(finished!.finishedAt!.getTime()).toBeGreaterThanOrEqual(started!.startedAt.getTime());
  });

  it('counts the lake errors of the newest finished run (none before any run finishes; a running one is not yet)', async () => {
    const { db } = ctx.warehouse();
    const run = { kind: 'run', computationVersion: '1.0', source: 'csv', tickers: ['NVDA'] } as const;
    expect(await lakeErrorsOfNewestRun(db)).toBeUndefined();
    await startRun(db, { ...run, runId: 'r-a' });
    expect(await lakeErrorsOfNewestRun(db)).toBeUndefined();
    await finishRun(db, 'r-a', 'partial', { lake_errors: ['raw/a: refused', 'processed/b: refused'] });
    expect(await lakeErrorsOfNewestRun(db)).toBe(2);
    await startRun(db, { ...run, runId: 'r-b' });
    expect(await lakeErrorsOfNewestRun(db)).toBe(2);
    // A summary without the list (a run that stopped early) counts none.
    await finishRun(db, 'r-b', 'failed', { error: 'the vendor is down' });
    expect(await lakeErrorsOfNewestRun(db)).toBe(0);
  });

  it('stores a summary whose texts carry a NUL byte (user input), with the byte written as \\0', async () => {
    const { db } = ctx.warehouse();
    await startRun(db, { runId: 'r-nul', kind: 'run', computationVersion: '1.0', source: 'csv', tickers: ['NVDA'] });
    await finishRun(db, 'r-nul', 'failed', {
      tickers_failed: [{ ticker: 'NVDA', reason: 'cannot read /tmp/a\u0000b/NVDA.csv' }],
    });
    expect((await getRun(db, 'r-nul'))!.summary).toEqual({
      tickers_failed: [{ ticker: 'NVDA', reason: 'cannot read /tmp/a\\0b/NVDA.csv' }],
    });
  });

  it('refuses to finish a run twice, or one that never started, or to reuse a run id', async () => {
    const { db } = ctx.warehouse();
    const run = { runId: 'r1', kind: 'reprocess', computationVersion: '2.0', source: 'lake', tickers: [] } as const;
    await startRun(db, { ...run, startedAt: '2024-03-01T00:00:00Z' });
    await finishRun(db, 'r1', 'ok', {});
    await expect(finishRun(db, 'r1', 'failed', {})).rejects.toThrow(
      'cannot finish run r1: it already finished with status ok',
    );
    await expect(finishRun(db, 'nope', 'ok', {})).rejects.toThrow('cannot finish run nope: no such run');
    await expect(startRun(db, run)).rejects.toThrow(/duplicate key/);
    expect((await getRun(db, 'r1'))!.startedAt.toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });

  it('stores the tickers and the summary without the password of any URL they quote (src/secrets.ts)', async () => {
    const { db } = ctx.warehouse();
    await startRun(db, {
      runId: 'r-secret',
      kind: 'run',
      computationVersion: '1.0',
      source: 'sample',
      tickers: ['NVDA', 'http://u:Ticker-Pw-1@h'],
    });
    await finishRun(db, 'r-secret', 'partial', {
      lineage_errors: [
        'OpenLineage START event not delivered: Request cannot be constructed from a URL that includes credentials: http://user:Summary-Pw-2@127.0.0.1:5000/api/v1/lineage',
      ],
      lake_errors: [{ key: 'raw/x.json', error: 'PUT https://k:Summary-Pw-3@s3.local/b/raw/x.json failed' }],
    });
    const run = await getRun(db, 'r-secret');
    expect(JSON.stringify(run)).not.toMatch(/Pw-\d/);
    expect(run).toMatchObject({
      tickers: ['NVDA', 'http://u:***@h'],
      summary: {
        lineage_errors: [expect.stringContaining('http://user:***@127.0.0.1:5000/api/v1/lineage')],
        lake_errors: [{ key: 'raw/x.json', error: 'PUT https://k:***@s3.local/b/raw/x.json failed' }],
      },
    });
  });
});
