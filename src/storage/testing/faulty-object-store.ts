import { ObjectStoreError } from '../errors.js';
import type {
  ListObjectsInput,
  ListObjectsPage,
  ListVersionsInput,
  ListVersionsPage,
  ObjectHead,
  ObjectStore,
  PutObjectInput,
  PutObjectResult,
  StoredObject,
  Tags,
} from '../object-store.js';

/**
 * An ObjectStore wrapper for fault-injection tests and request counting: puts fail on demand (before anything
 * reaches the inner store, so a failed put leaves no trace), reads pass through, and every call is counted so a
 * test or benchmark can assert how many requests an operation made.
 */
/** `prefix`: every put of a key under it fails (the table files only, say), the others pass. */
export type FailPuts = 'none' | 'all' | { everyNth: number } | { prefix: string };

/** A fault this wrapper made up, as opposed to one from the inner store. */
export class InjectedFaultError extends ObjectStoreError {
  override readonly name = 'InjectedFaultError';
}

export interface ObjectStoreCounts {
  putsAttempted: number;
  putsSucceeded: number;
  /** Injected faults plus failures of the inner store (ObjectExistsError, ...). */
  putsFailed: number;
  putsInjectedFailures: number;
  gets: number;
  heads: number;
  getTags: number;
  lists: number;
  listVersions: number;
}

const zeroCounts = (): ObjectStoreCounts => ({
  putsAttempted: 0,
  putsSucceeded: 0,
  putsFailed: 0,
  putsInjectedFailures: 0,
  gets: 0,
  heads: 0,
  getTags: 0,
  lists: 0,
  listVersions: 0,
});

export class FaultyObjectStore implements ObjectStore {
  readonly description: string;
  private mode: FailPuts = 'none';
  /** Puts attempted since the mode was last set: `everyNth` counts from there. */
  private putsSinceModeSet = 0;
  private tally: ObjectStoreCounts = zeroCounts();

  constructor(
    readonly inner: ObjectStore,
    options: { failPuts?: FailPuts } = {},
  ) {
    this.description = `faulty(${inner.description})`;
    this.failPuts = options.failPuts ?? 'none';
  }

  get failPuts(): FailPuts {
    return this.mode;
  }

  /** Changes the mode at runtime, e.g. to 'none' so the store "recovers"; restarts the everyNth count. */
  set failPuts(mode: FailPuts) {
    if (typeof mode === 'object' && 'everyNth' in mode && (!Number.isInteger(mode.everyNth) || mode.everyNth < 1)) {
      throw new RangeError(`everyNth must be a positive integer, got ${mode.everyNth}`);
    }
    this.mode = mode;
    this.putsSinceModeSet = 0;
  }

  /** A snapshot of the counters. */
  get counts(): ObjectStoreCounts {
    return { ...this.tally };
  }

  /** Every call counted, whatever its outcome. */
  get requests(): number {
    const c = this.tally;
    return c.putsAttempted + c.gets + c.heads + c.getTags + c.lists + c.listVersions;
  }

  resetCounts(): void {
    this.tally = zeroCounts();
  }

  async put(input: PutObjectInput): Promise<PutObjectResult> {
    this.tally.putsAttempted++;
    this.putsSinceModeSet++;
    if (this.shouldFail(input.key)) {
      this.tally.putsFailed++;
      this.tally.putsInjectedFailures++;
      throw new InjectedFaultError(`injected fault: put ${input.key} to ${this.inner.description}`, { key: input.key });
    }
    try {
      const result = await this.inner.put(input);
      this.tally.putsSucceeded++;
      return result;
    } catch (error) {
      this.tally.putsFailed++;
      throw error;
    }
  }

  get(key: string, options?: { versionId?: string }): Promise<StoredObject> {
    this.tally.gets++;
    return this.inner.get(key, options);
  }

  head(key: string, options?: { versionId?: string }): Promise<ObjectHead> {
    this.tally.heads++;
    return this.inner.head(key, options);
  }

  getTags(key: string, options?: { versionId?: string }): Promise<Tags> {
    this.tally.getTags++;
    return this.inner.getTags(key, options);
  }

  list(input: ListObjectsInput): Promise<ListObjectsPage> {
    this.tally.lists++;
    return this.inner.list(input);
  }

  listVersions(input: ListVersionsInput): Promise<ListVersionsPage> {
    this.tally.listVersions++;
    return this.inner.listVersions(input);
  }

  private shouldFail(key: string): boolean {
    const mode = this.mode;
    if (mode === 'none') return false;
    if (mode === 'all') return true;
    if ('prefix' in mode) return key.startsWith(mode.prefix);
    return this.putsSinceModeSet % mode.everyNth === 0;
  }
}
