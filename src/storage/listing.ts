import type { ListedObject, ObjectStore } from './object-store.js';

/**
 * Whole listings as async iterables that follow continuation tokens page by page, so callers never hold more
 * than one page and can stop early (breaking out of `for await` stops the requests too).
 */
export interface ListAllOptions {
  /** Page size (maxKeys) per request; default 1000. */
  pageSize?: number;
  /** Only what sorts after this key (see ListObjectsInput.startAfter); common prefixes only. */
  startAfter?: string;
}

/** Every object under `prefix`, in key order. */
export async function* listAllObjects(
  store: ObjectStore,
  prefix: string,
  options: ListAllOptions = {},
): AsyncGenerator<ListedObject> {
  let continuationToken: string | undefined;
  do {
    const page = await store.list({ prefix, continuationToken, maxKeys: options.pageSize });
    yield* page.objects;
    continuationToken = page.nextContinuationToken;
  } while (continuationToken !== undefined);
}

/** Every key under `prefix`, in key order. */
export async function* listAllKeys(store: ObjectStore, prefix: string, options: ListAllOptions = {}): AsyncGenerator<string> {
  for await (const object of listAllObjects(store, prefix, options)) yield object.key;
}

/**
 * Every common prefix under `prefix` for `delimiter`, in order: with `raw/yfinance/NVDA/` and `/`, the date
 * "folders" `raw/yfinance/NVDA/2026-11-26/`, ... Objects directly under the prefix are skipped.
 */
export async function* listAllCommonPrefixes(
  store: ObjectStore,
  prefix: string,
  delimiter: string,
  options: ListAllOptions = {},
): AsyncGenerator<string> {
  let continuationToken: string | undefined;
  do {
    const page = await store.list({
      prefix,
      delimiter,
      continuationToken,
      maxKeys: options.pageSize,
      ...(options.startAfter === undefined ? {} : { startAfter: options.startAfter }),
    });
    yield* page.commonPrefixes;
    continuationToken = page.nextContinuationToken;
  } while (continuationToken !== undefined);
}

/** Drains an async iterable into an array (for small listings and tests). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
