/**
 * The run's table files, begun while its ticker jobs run (issue 13 asks that writing the tables add at most 10 %
 * to a run). A file's rows are in source order (renderBatchFiles), and the sources of the prices, indicators,
 * percentiles and features files are keys that name the ticker after a part every key of the file shares
 * (`raw/{source}/{TICKER}/...`, `processed/{kind}/{TICKER}/...`): the jobs are started in that order
 * (`tickerKeyOrder`), and each ticker's batches of those tables are appended to their files (StreamedTableFiles)
 * as soon as every ticker before it in that order is done, then let go. A first run's prices file, every bar of
 * every ticker, is then filled while Node's thread waits for the jobs' I/O and the database, instead of after
 * them, and a ticker's rows are held only until the tickers before it are done (a slow one holds those after it),
 * not to the end of the run: holding them all kept the garbage collector busy. The catalog
 * (`lake_objects`, whose keys are of several kinds) and the restatements are few rows: rendered when the jobs are
 * done, while the other files are copied to Parquet. One DuckDB instance makes every file of the run.
 */
import { tickerSegment } from '../market/ticker-segment.js';
import { ParquetRenderer } from '../tables/parquet-file.js';
import type { TableName } from '../tables/schema.js';
import { StreamedTableFiles } from '../tables/streamed-files.js';
import { compareText, type RenderedTableFile, renderBatchFiles, type RowBatch } from '../tables/table-files.js';

/** The tables whose files are filled as the jobs end (a ticker's key in each is in ticker order, see above). */
const STREAMED_TABLES: readonly TableName[] = ['prices', 'indicators', 'percentiles', 'features'];

/**
 * The indexes of `tickers` in the order of their keys: by their key segment and "/" (`{TICKER}/`, `^GSPC` as
 * `_5EGSPC/`), as the keys compare: "AAPL.SI/" before "AAPL/". An invalid ticker is placed by its text (its job
 * fails, with no rows). The same ticker twice (runDaily's callers give each once) would get two raw keys of one
 * segment, whose order is the order their jobs stored them in: a run's files then refuse them (reported).
 */
export function tickerKeyOrder(tickers: readonly string[]): number[] {
  const keys = tickers.map((ticker) => {
    try {
      return `${tickerSegment(ticker)}/`;
    } catch {
      return `${ticker}/`;
    }
  });
  return tickers.map((_, index) => index).sort((a, b) => compareText(keys[a], keys[b]) || a - b);
}

export class RunTableFiles {
  private opened?: Promise<ParquetRenderer>;
  private readonly streams = new Map<TableName, StreamedTableFiles>();
  /** Each ticker's batches by its place in the key order; undefined until it is done. */
  private readonly done: (readonly RowBatch[] | null | undefined)[];
  private readonly rank: number[];
  private next = 0;
  private readonly others: RowBatch[] = [];
  private tickerFiles?: Promise<RenderedTableFile[]>;

  /** `order`: the indexes of the run's tickers in key order (tickerKeyOrder), as the jobs are started. */
  constructor(
    order: readonly number[],
    private readonly runId: string,
  ) {
    for (const table of STREAMED_TABLES) this.streams.set(table, new StreamedTableFiles(table, runId, this.renderer));
    this.done = Array.from({ length: order.length }, () => undefined);
    this.rank = new Array<number>(order.length);
    order.forEach((index, rank) => (this.rank[index] = rank));
  }

  /** Ticker `index` is done (or failed, or was not started: no batches); its batches go after those before it. */
  tickerDone(index: number, batches: readonly RowBatch[] | undefined): void {
    this.done[this.rank[index]] = batches ?? [];
    while (this.next < this.done.length && this.done[this.next] !== undefined) {
      for (const batch of this.done[this.next]!) {
        const stream = this.streams.get(batch.table);
        if (stream !== undefined) stream.add(batch);
        else this.others.push(batch);
      }
      this.done[this.next] = null; // let go
      this.next++;
    }
  }

  /** The files of every ticker's batches, once every ticker is done (the same promise if called again). */
  finishTickers(): Promise<RenderedTableFile[]> {
    return (this.tickerFiles ??= this.renderTickerFiles());
  }

  private async renderTickerFiles(): Promise<RenderedTableFile[]> {
    const notDone = this.done.filter((batches) => batches === undefined).length;
    if (notDone > 0) throw new Error(`the run's tables were finished with ${notDone} ticker(s) not done`);
    // Two at a time: the prices' copy, the longest, beside the rest one after the other. Each copy to Parquet
    // holds one of Node's four pool threads, which the quality checks' finish needs for its file writes.
    const rest = async () => {
      const files: RenderedTableFile[] = [];
      for (const stream of this.streams.values()) if (stream.table !== 'prices') files.push(...(await stream.finish()));
      return [...files, ...(await this.render(this.others))];
    };
    const made = await Promise.allSettled([this.streams.get('prices')!.finish(), rest()]);
    const failed = made.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return made.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
  }

  /** The run's DuckDB renderer, opened when a file first needs it. */
  private readonly renderer = () => (this.opened ??= ParquetRenderer.open());

  /** Other files of the run (its quality verdicts, its own row), made with the same DuckDB instance. */
  render(batches: readonly RowBatch[]): Promise<RenderedTableFile[]> {
    return renderBatchFiles(batches, this.runId, this.renderer);
  }

  /**
   * Ends everything: waits for the files under way, drops those not finished, closes DuckDB. Called once the
   * run is done with its tables, or has failed.
   */
  async close(): Promise<void> {
    await this.tickerFiles?.catch(() => undefined); // its outcome is the caller's to report
    const discarded = await Promise.allSettled([...this.streams.values()].map((stream) => stream.discard()));
    const opened = this.opened;
    this.opened = undefined;
    // A DuckDB that failed to open has failed the files that needed it, which report it.
    await (await opened?.catch(() => undefined))?.close();
    const failed = discarded.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
