import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../../errors.js';
import { InvalidTickerError } from '../../market/ticker.js';
import { CsvFolderSource } from './csv-folder.js';
import { NoDataError } from '../source.js';

const NOW = new Date('2024-03-01T06:00:00Z');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marketlake-csv-source-'));
  await writeFile(
    join(dir, 'D05.SI.csv'),
    [
      'Date,Open,High,Low,Close,Adj Close,Volume',
      '2024-01-02,35.1,35.5,35.0,35.4,34.9,4000000',
      '2024-01-03,35.4,35.9,35.2,35.8,,3900000',
      '2024-01-04,35.8,36.0,35.5,35.6,35.1,3100000',
      '2024-01-05,35.6,35.7,35.1,35.2,34.7,2800000',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'BAD.csv'),
    ['Date,Open,High,Low,Close,Volume', '2024-01-02,10,11,9,10.5,100', '2024-01-03,10,9,11,10.5,100', ''].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('CsvFolderSource', () => {
  it('reads TICKER.csv, filters to the inclusive range and stamps the fetch time', async () => {
    const source = new CsvFolderSource({ dir });
    const snapshot = await source.fetchSnapshot('d05.si', { start: '2024-01-03', end: '2024-01-04', now: NOW });
    expect(snapshot).toEqual({
      schema: 'marketlake.raw/1',
      source: 'csv',
      ticker: 'D05.SI',
      fetched_at: '2024-03-01T06:00:00.000Z',
      interval: '1d',
      currency: null,
      exchange: null,
      timezone: null,
      bars: [
        { date: '2024-01-03', open: 35.4, high: 35.9, low: 35.2, close: 35.8, adj_close: null, volume: 3_900_000 },
        { date: '2024-01-04', open: 35.8, high: 36, low: 35.5, close: 35.6, adj_close: 35.1, volume: 3_100_000 },
      ],
      events: { dividends: [], splits: [] },
    });
    expect(source.name).toBe('csv');
  });

  it('throws NoDataError naming the ticker and the path when the file is missing', async () => {
    const source = new CsvFolderSource({ dir });
    const fetching = source.fetchSnapshot('NVDA', { start: '2024-01-01', end: '2024-01-31', now: NOW });
    await expect(fetching).rejects.toThrow(NoDataError);
    await expect(fetching).rejects.toThrow(`no data for NVDA from csv: no file ${join(dir, 'NVDA.csv')}`);
  });

  it('throws NoDataError when the file has no bars in the range', async () => {
    const source = new CsvFolderSource({ dir });
    await expect(source.fetchSnapshot('D05.SI', { start: '2024-02-01', end: '2024-02-29', now: NOW })).rejects.toThrow(
      `no data for D05.SI from csv: ${join(dir, 'D05.SI.csv')} has no bars between 2024-02-01 and 2024-02-29`,
    );
  });

  it('refuses a file with a bad bar, naming the file, the line and the reason, even outside the range', async () => {
    const source = new CsvFolderSource({ dir });
    const fetching = source.fetchSnapshot('BAD', { start: '2024-01-02', end: '2024-01-02', now: NOW });
    await expect(fetching).rejects.toThrow(InputError);
    await expect(fetching).rejects.toThrow(`${join(dir, 'BAD.csv')}:3: high 9 is below low 11`);
  });

  it('validates the ticker (no path tricks) and the range before reading', async () => {
    const source = new CsvFolderSource({ dir });
    await expect(
      source.fetchSnapshot('../D05.SI', { start: '2024-01-02', end: '2024-01-05', now: NOW }),
    ).rejects.toThrow(InvalidTickerError);
    await expect(source.fetchSnapshot('D05.SI', { start: '2024-01-05', end: '2024-01-02', now: NOW })).rejects.toThrow(
      'D05.SI (csv): start 2024-01-05 is after end 2024-01-02',
    );
    expect(() => new CsvFolderSource({ dir: '' })).toThrow(UserError);
  });
});
