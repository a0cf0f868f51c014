import type { ListedObject, ListObjectsInput, ListObjectsPage, ObjectStore } from './object-store.js';

/**
 * Whole listings as async iterables that follow continuation tokens page by page, so callers never hold more
 * than one page and can stop early (breaking out of `for await` stops the requests too).
 */
export interface ListAllOptions {
  /** Page size (maxKeys) per request; default 1000. */
  pageSize?: number;
  /** Only what sorts after this key (see ListObjectsInput.startAfter); common prefixes only. */
  startAfter?: string;
  /** See ListObjectsInput.keysOnly; objects only. */
  keysOnly?: boolean;
}

/** Every object under `prefix`, in key order. */
export async function* listAllObjects(
  store: ObjectStore,
  prefix: string,
  options: ListAllOptions = {},
): AsyncGenerator<ListedObject> {
  const input = { prefix, maxKeys: options.pageSize, ...(options.keysOnly === true ? { keysOnly: true } : {}) };
  for await (const page of pagesOf(store, input)) yield* page.objects;
}

/** Every key under `prefix`, in key order (a keys-only listing: see ListObjectsInput.keysOnly). */
export async function* listAllKeys(
  store: ObjectStore,
  prefix: string,
  options: ListAllOptions = {},
): AsyncGenerator<string> {
  for await (const object of listAllObjects(store, prefix, { ...options, keysOnly: true })) yield object.key;
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
  const input = {
    prefix,
    delimiter,
    maxKeys: options.pageSize,
    ...(options.startAfter === undefined ? {} : { startAfter: options.startAfter }),
  };
  for await (const page of pagesOf(store, input)) yield* page.commonPrefixes;
}

/** Every page of one listing, each request the same `input` with the token of the page before. */
async function* pagesOf(
  store: ObjectStore,
  input: Omit<ListObjectsInput, 'continuationToken'>,
): AsyncGenerator<ListObjectsPage> {
  let continuationToken: string | undefined;
  do {
    const page = await store.list({ ...input, continuationToken });
    yield page;
    continuationToken = page.nextContinuationToken;
  } while (continuationToken !== undefined);
}

/** Drains an async iterable into an array (for small listings and tests). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
