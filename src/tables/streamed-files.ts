/**
 * One table's files filled while their rows still come (a run's prices, ticker by ticker as its jobs end): each
 * batch is appended to its partition's file when it is added, and let go, so that the file is ready to copy to
 * Parquet when the last batch comes, the appending is done while the caller waits for other work, and no batch
 * is held meanwhile (a first run's prices batches hold every ticker's snapshot).
 *
 * The batches of a partition must be added in source order, the order renderBatchFiles gives a file's rows: the
 * files are then the ones renderBatchFiles makes of the same batches, byte for byte. A batch out of that order is
 * refused (`finish` throws), never written in another order. A failure is kept and thrown by `finish`.
 */
import { cleanUpAfter } from '../errors.js';
import type { ParquetFileBuilder, ParquetRenderer } from './parquet-file.js';
import { compareText, madeBy, type RenderedTableFile, type RowBatch, tableFile } from './table-files.js';
import type { TableName } from './schema.js';

interface PartitionFile {
  builder?: ParquetFileBuilder;
  lastSource?: string;
}

export class StreamedTableFiles {
  private readonly partitions = new Map<string, PartitionFile>();
  /** The appends, one after the other (a file is begun asynchronously, then appended to synchronously). */
  private work: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private ended = false;

  /** `renderer`: opens the DuckDB renderer the files are made with (its owner closes it, after `finish`). */
  constructor(
    readonly table: TableName,
    private readonly runId: string | null,
    private readonly renderer: () => Promise<ParquetRenderer>,
  ) {}

  /** Takes one batch of the table, after the batches of its partition added before it (source order). */
  add(batch: RowBatch): void {
    if (batch.table !== this.table) throw new Error(`a ${batch.table} batch given to the ${this.table} files`);
    if (this.ended) throw new Error(`the ${this.table} files are already finished`);
    if (Array.isArray(batch.rows) && batch.rows.length === 0) return;
    let file = this.partitions.get(batch.partition);
    if (file === undefined) this.partitions.set(batch.partition, (file = {}));
    if (file.lastSource !== undefined && !(compareText(file.lastSource, batch.source) < 0)) {
      this.failure ??= {
        error: new Error(
          `${this.table} ${batch.partition}: ${batch.source} came after ${file.lastSource}, out of source order`,
        ),
      };
    }
    file.lastSource = batch.source;
    const target = file;
    this.work = this.work.then(() => this.append(target, batch));
  }

  private async append(file: PartitionFile, batch: RowBatch): Promise<void> {
    if (this.failure !== undefined) return;
    try {
      file.builder ??= await (await this.renderer()).begin(this.table);
      file.builder.append(madeBy(batch)());
    } catch (error) {
      this.failure = { error };
    }
  }

  /** The table's files, one a partition in partition order (none for no row); throws what failed on the way. */
  async finish(): Promise<RenderedTableFile[]> {
    this.ended = true;
    await this.work;
    const files: RenderedTableFile[] = [];
    try {
      if (this.failure !== undefined) throw this.failure.error;
      for (const partition of [...this.partitions.keys()].sort(compareText)) {
        const file = this.partitions.get(partition)!;
        const builder = file.builder;
        if (builder === undefined) continue;
        file.builder = undefined;
        const rendered = tableFile(this.table, partition, builder.rows, await builder.finish(), this.runId);
        if (rendered.rows > 0) files.push(rendered);
      }
    } catch (error) {
      return cleanUpAfter(error, () => this.discard());
    }
    return files;
  }

  /** Drops every file not finished, once the appends under way are done. */
  async discard(): Promise<void> {
    this.ended = true;
    await this.work;
    const open = [...this.partitions.values()].flatMap((file) => (file.builder ? [file.builder] : []));
    for (const file of this.partitions.values()) file.builder = undefined;
    const discarded = await Promise.allSettled(open.map((builder) => builder.discard()));
    const failed = discarded.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
