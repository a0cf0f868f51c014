/**
 * The run's table files (ticker-tables.ts): the jobs' order, the order of the tickers' keys; and whatever order
 * the jobs end in, the files are the ones renderBatchFiles makes of every ticker's batches (the same keys, so the
 * same bytes), which is what `tables rebuild` writes too. Finishing before every ticker is done is refused.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createSource } from '../sources/index.js';
import { firstPriceColumns, lakeObjectRow, runRow } from '../tables/rows.js';
import { objectKey } from '../lake/keys.js';
import { compareText, renderBatchFiles, type RowBatch } from '../tables/table-files.js';
import { RunTableFiles, tickerKeyOrder } from './ticker-tables.js';

const NOW = new Date('2026-11-02T22:00:00Z');
const DATE = '2026-11-02';

/** What a first run's job leaves for the tables: its prices (lazy columns) and its raw snapshot's catalog row. */
async function tickerBatches(ticker: string): Promise<RowBatch[]> {
  const snapshot = await createSource('sample').fetchSnapshot(ticker, { start: '2026-05-01', end: DATE, now: NOW });
  const key = `raw/sample/${ticker}/${DATE}/20261102_220000.json`;
  const raw = { key, versionId: `v-${ticker}`, sha256: createHash('sha256').update(key).digest('hex') };
  const catalog = lakeObjectRow({
    key,
    versionId: raw.versionId,
    kind: 'raw',
    ticker,
    source: 'sample',
    sha256: raw.sha256,
    size: 1000,
    createdAt: NOW.toISOString(),
    computationVersion: null,
    sourceRawKey: null,
    sourceRawVersionId: null,
    runId: 'run-1',
  });
  return [
    { table: 'prices', partition: DATE, source: key, rows: () => firstPriceColumns(snapshot, raw, 'run-1') },
    { table: 'lake_objects', partition: DATE, source: key, rows: [catalog] },
  ];
}

describe('tickerKeyOrder', () => {
  it('orders tickers as their keys compare: "AAPL.SI/" before "AAPL/", an invalid ticker by its text', () => {
    const tickers = ['nvda', 'D05.SI', 'AAPL', '^GSPC', 'AAPL.SI', 'not a ticker', 'BRK-B', 'EURUSD=X', '7974.T'];
    const ordered = tickerKeyOrder(tickers).map((index) => tickers[index]);
    expect(ordered).toEqual([
      '7974.T',
      'AAPL.SI',
      'AAPL',
      'BRK-B',
      'D05.SI',
      'EURUSD=X',
      'nvda',
      '^GSPC',
      'not a ticker',
    ]);
    // The order of the raw keys themselves, as the lake writes them.
    const keys = ordered
      .filter((ticker) => ticker !== 'not a ticker')
      .map((ticker) => objectKey('raw', ticker, DATE, '20261102_220000', 1, 'sample'));
    expect(keys).toEqual([...keys].sort(compareText));
  });
});

describe('RunTableFiles', () => {
  it("makes renderBatchFiles' files of every ticker's batches, whatever order the jobs end in", async () => {
    const tickers = ['NVDA', 'D05.SI', '7974.T', 'AAPL'];
    const batches = await Promise.all(tickers.map(tickerBatches));
    const order = tickerKeyOrder(tickers);
    const files = new RunTableFiles(order, 'run-1');
    try {
      // The jobs end in another order than they started in (key order: 7974.T, AAPL, D05.SI, NVDA); one ticker
      // failed (no batches). The first two in key order are appended as soon as they are done, before the rest.
      const appendedTickers: string[] = [];
      const appended = () => appendedTickers;
      // A ticker's batches, its prices noting when they are made (appended).
      const counted = (index: number): RowBatch[] =>
        batches[index].map((batch) => {
          const rows = batch.rows;
          if (batch.table !== 'prices' || typeof rows !== 'function') return batch;
          return {
            ...batch,
            rows: () => {
              appendedTickers.push(tickers[index]);
              return rows();
            },
          };
        });
      files.tickerDone(2, counted(2));
      files.tickerDone(0, counted(0));
      await vi.waitFor(() => expect(appended()).toEqual(['7974.T']));
      files.tickerDone(3, undefined);
      files.tickerDone(1, counted(1));
      await vi.waitFor(() => expect(appended()).toEqual(['7974.T', 'D05.SI', 'NVDA']));
      const made = await files.finishTickers();
      const reference = await renderBatchFiles(batches.filter((_, index) => index !== 3).flat(), 'run-1');
      expect(made.map((file) => `${file.table} ${file.key}`).sort()).toEqual(
        reference.map((file) => `${file.table} ${file.key}`).sort(),
      );
      expect(made.find((file) => file.table === 'prices')?.rows).toBeGreaterThan(100);
      // The run's other files, with the same DuckDB.
      const run = { table: 'runs' as const, partition: DATE, source: 'run-1' };
      const [runs] = await files.render([
        {
          ...run,
          rows: [
            runRow({
              runId: 'run-1',
              job: 'daily_run',
              status: 'ok',
              startedAt: NOW.toISOString(),
              endedAt: NOW.toISOString(),
              computationVersion: '1.0',
              objectsWritten: 6,
              outboxPending: 0,
              failedTickers: 1,
            }),
          ],
        },
      ]);
      expect(runs?.rows).toBe(1);
    } finally {
      await files.close();
    }
  });

  it('refuses to finish before every ticker is done, and closes all the same', async () => {
    const files = new RunTableFiles(tickerKeyOrder(['NVDA', 'AAPL']), 'run-1');
    files.tickerDone(0, await tickerBatches('NVDA')); // AAPL comes first in key order: nothing appended yet
    await expect(files.finishTickers()).rejects.toThrow(/1 ticker\(s\) not done/);
    await files.close();
  });
});
