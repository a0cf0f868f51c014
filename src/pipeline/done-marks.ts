import type { CompletedOutboxEntry } from '../warehouse/outbox.js';

/** What marks outbox entries done once the lake has taken their objects (a drain hands them over in groups). */
export interface DoneMarks {
  /**
   * Takes one group of entries the lake has taken. Entries given together are marked done together or not at
   * all. A recorder may return before they are marked (see BatchedDoneMarks); an immediate one marks first.
   */
  record(group: readonly CompletedOutboxEntry[]): Promise<void>;
}

/** A group that could not be marked done: its entries stay pending in the outbox, and the next drain completes them. */
export interface UnmarkedGroup {
  entries: readonly CompletedOutboxEntry[];
  error: unknown;
}

export interface BatchedDoneMarksOptions {
  /** A batch is marked as soon as it holds this many entries (default 24: eight tickers of a daily run). */
  maxEntries?: number;
  /** ...or this long after its first group arrived (default 250 ms), so that a slow source does not hold it. */
  maxDelayMs?: number;
}

type MarkDone = (entries: readonly CompletedOutboxEntry[]) => Promise<void>;

/**
 * Marks outbox entries done in batches: the groups of several tickers in ONE statement (`markOutboxEntriesDone`
 * costs nearly the same for 3 entries as for 24: docs/benchmarks.md, "Measurements behind design choices"), instead of
 * one statement per ticker. `record` returns at once; the daily run calls `close` before it reports, and reports
 * what could not be marked.
 *
 * The outbox guarantee is unchanged: an entry leaves the outbox only when its object is in the lake AND
 * catalogued (one statement does both). Until its batch is marked, an object is in the lake but not yet in the
 * catalog, as between any lake write and its mark; if the process dies then, the next drain finds the object
 * by its sha256 and completes the entry without writing a second copy.
 *
 * If a batch's statement fails, its groups are marked one by one, so that only a group that cannot be marked
 * stays pending. Batches are marked one at a time, in the order their groups arrived.
 */
export class BatchedDoneMarks implements DoneMarks {
  private readonly maxEntries: number;
  private readonly maxDelayMs: number;
  private queued: (readonly CompletedOutboxEntry[])[] = [];
  private queuedEntries = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The batches sent so far, chained; it never rejects (failures are collected in `unmarked`). */
  private marking: Promise<void> = Promise.resolve();
  private readonly unmarked: UnmarkedGroup[] = [];
  private closed = false;

  constructor(
    private readonly markDone: MarkDone,
    options: BatchedDoneMarksOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 24;
    this.maxDelayMs = options.maxDelayMs ?? 250;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    if (!(this.maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be >= 0, got ${this.maxDelayMs}`);
  }

  record(group: readonly CompletedOutboxEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('BatchedDoneMarks: record() after close()'));
    if (group.length === 0) return Promise.resolve();
    this.queued.push([...group]);
    this.queuedEntries += group.length;
    if (this.queuedEntries >= this.maxEntries) this.send();
    else this.timer ??= setTimeout(() => this.send(), this.maxDelayMs);
    return Promise.resolve();
  }

  /** Marks what is still queued and waits for every batch; returns the groups that could not be marked. */
  async close(): Promise<UnmarkedGroup[]> {
    this.closed = true;
    this.send();
    await this.marking;
    return [...this.unmarked];
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued.length === 0) return;
    const groups = this.queued;
    this.queued = [];
    this.queuedEntries = 0;
    this.marking = this.marking.then(() => this.mark(groups));
  }

  private async mark(groups: readonly (readonly CompletedOutboxEntry[])[]): Promise<void> {
    try {
      await this.markDone(groups.flat());
      return;
    } catch (error) {
      if (groups.length === 1) {
        this.unmarked.push({ entries: groups[0], error });
        return;
      }
    }
    for (const group of groups) {
      try {
        await this.markDone(group);
      } catch (error) {
        this.unmarked.push({ entries: group, error });
      }
    }
  }
}
