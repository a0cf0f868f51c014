import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParquetRenderer } from './parquet-file.js';
import { TableRowError } from './row-check.js';
import type { TableRow } from './rows.js';

/** A row of the runs table as rows.ts `runRow` makes it. */
const run = (overrides: Partial<TableRow> = {}): TableRow => ({
  run_id: '3f1c2a9e-0000-4000-8000-000000000001',
  job: 'daily_run',
  status: 'ok',
  started_at: '2026-11-26T21:30:00.000Z',
  ended_at: '2026-11-26T21:31:00.000Z',
  computation_version: '1.0',
  objects_written: 8,
  outbox_pending: 0,
  failed_tickers: 0,
  run_date: '2026-11-26',
  ...overrides,
});

describe('table rows are checked against the column types before a Parquet file is made', () => {
  let renderer: ParquetRenderer;
  beforeAll(async () => {
    renderer = await ParquetRenderer.open();
  });
  afterAll(() => renderer.close());

  it('writes rows of the right types, nulls where a column may be null', async () => {
    const bytes = await renderer.render('runs', [run(), run({ ended_at: null, run_id: 'second' })]);
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
  });

  it.each([
    [{ objects_written: '8' }, 'objects_written', 'expected a whole number, got string "8"'],
    [{ objects_written: 8.5 }, 'objects_written', 'expected a whole number, got number 8.5'],
    [{ job: 7 }, 'job', 'expected a varchar as text, got number 7'],
    [{ started_at: '26/11/2026 21:30' }, 'started_at', 'expected an ISO 8601 instant, got "26/11/2026 21:30"'],
    [{ run_id: null }, 'run_id', 'null, but every row has a value here'],
    [{ objects_writen: 8 }, 'objects_writen', 'not a column of the table'],
  ])('refuses %o naming the table, the column and the row', async (change, column, problem) => {
    const rendering = renderer.render('runs', [run(), run(change as Partial<TableRow>)]);
    await expect(rendering).rejects.toThrow(TableRowError);
    await expect(renderer.render('runs', [run(), run(change as Partial<TableRow>)])).rejects.toThrow(
      `table runs, column ${column}, row 1: ${problem}`,
    );
  });

  it('checks a date column of columnar rows too', async () => {
    const prices = {
      length: 2,
      columns: {
        ticker: 'NVDA',
        date: ['2026-11-25', '2026-11-31'],
        open: [1, 1],
        high: [1, 1],
        low: [1, 1],
        close: [1, 1],
        adj_close: null,
        volume: [10, 10],
        change: 'new',
        fetched_at: '2026-11-26T21:30:00.000Z',
        source: 'sample',
        raw_key: 'raw/sample/NVDA/2026-11-26/20261126_213000.json',
        raw_version_id: 'v1',
        raw_sha256: 'a'.repeat(64),
        previous_raw_key: null,
        run_id: null,
        fetch_date: '2026-11-26',
      },
    };
    await expect(renderer.renderBatches('prices', [() => prices])).rejects.toThrow(
      'table prices, column date, row 1: expected a date YYYY-MM-DD, got "2026-11-31"',
    );
  });
});
