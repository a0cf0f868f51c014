import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { parseBarsCsv } from '../../market/csv.js';
import { RAW_SCHEMA, type RawSnapshot } from '../../lake/formats/raw.js';
import { toRawBar } from '../../lake/formats/raw-bars.js';
import { normalizeTicker } from '../../market/ticker.js';
import { checkRequest, NoDataError, SourceFetchError, type MarketDataSource, type SnapshotRequest } from '../source.js';

export interface CsvFolderOptions {
  /** The folder holding one `TICKER.csv` per ticker (the ticker as normalized: upper case, e.g. `D05.SI.csv`). */
  dir: string;
}

/**
 * Snapshots from a folder of CSV files in the parseBarsCsv format (Date, Open, High, Low, Close, [Adj Close],
 * Volume): for data bought elsewhere, or exported from another system. The whole file is validated, not only the
 * requested range, so a bad row is reported wherever it is. A CSV says nothing of currency, exchange or zone: null.
 */
export class CsvFolderSource implements MarketDataSource {
  readonly name = 'csv' as const;
  readonly dir: string;

  constructor(options: CsvFolderOptions) {
    if (!options?.dir) throw new UserError('the csv source needs a folder (dir)');
    this.dir = resolve(options.dir);
  }

  /** The file a ticker is read from; the ticker is validated first, so it cannot climb out of the folder. */
  pathOf(ticker: string): string {
    return join(this.dir, `${normalizeTicker(ticker)}.csv`);
  }

  async fetchSnapshot(tickerInput: string, request: SnapshotRequest): Promise<RawSnapshot> {
    const ticker = normalizeTicker(tickerInput);
    checkRequest(request, `${ticker} (csv)`);
    const path = this.pathOf(ticker);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NoDataError(ticker, 'csv', `no file ${path}`, { cause: error });
      }
      throw new SourceFetchError(ticker, 'csv', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    const bars = parseBarsCsv(text, path).filter((bar) => bar.date >= request.start && bar.date <= request.end);
    if (bars.length === 0) {
      throw new NoDataError(ticker, 'csv', `${path} has no bars between ${request.start} and ${request.end}`);
    }
    return {
      schema: RAW_SCHEMA,
      source: 'csv',
      ticker,
      fetched_at: request.now.toISOString(),
      interval: '1d',
      currency: null,
      exchange: null,
      timezone: null,
      bars: bars.map(toRawBar),
      events: { dividends: [], splits: [] },
    };
  }
}
