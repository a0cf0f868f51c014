import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectExistsError, ObjectNotFoundError, ObjectStoreError } from '../errors.js';
import { FaultyObjectStore, InjectedFaultError } from './faulty-object-store.js';
import { FsObjectStore } from '../fs/fs-object-store.js';
import { collect, listAllKeys } from '../listing.js';
import { describeObjectStoreContract } from './object-store-contract.js';

// With no faults the wrapper must be invisible: it passes the whole contract.
describeObjectStoreContract('FaultyObjectStore(FsObjectStore) without faults', async () => {
  const root = await mkdtemp(join(tmpdir(), 'marketlake-faulty-contract-'));
  return {
    store: new FaultyObjectStore(await FsObjectStore.open(root)),
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('FaultyObjectStore', () => {
  let root: string;
  let inner: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-faulty-'));
    inner = await FsObjectStore.open(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const put = (store: FaultyObjectStore, key: string) => store.put({ key, body: key, contentType: 'text/plain' });

  it("'all' fails every put before it reaches the inner store, and recovers when the mode changes", async () => {
    const store = new FaultyObjectStore(inner, { failPuts: 'all' });
    const error = await put(store, 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InjectedFaultError);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect((error as Error).message).toMatch(/^injected fault/);
    expect((error as ObjectStoreError).key).toBe('a');
    await expect(inner.head('a')).rejects.toBeInstanceOf(ObjectNotFoundError); // nothing was written

    store.failPuts = 'none';
    await put(store, 'a');
    expect((await inner.head('a')).key).toBe('a');
    expect(store.counts).toMatchObject({ putsAttempted: 2, putsSucceeded: 1, putsFailed: 1, putsInjectedFailures: 1 });
  });

  it('everyNth fails the nth, 2nth, ... put counted from when the mode was set', async () => {
    const store = new FaultyObjectStore(inner, { failPuts: { everyNth: 3 } });
    const outcomes = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => put(store, `k${i}`)));
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    store.failPuts = { everyNth: 2 };
    await put(store, 'x1');
    await expect(put(store, 'x2')).rejects.toBeInstanceOf(InjectedFaultError);
    expect(() => {
      store.failPuts = { everyNth: 0 };
    }).toThrow(RangeError);
  });

  it('counts every request, including failures of the inner store', async () => {
    const store = new FaultyObjectStore(inner);
    expect(store.description).toBe(`faulty(${inner.description})`);
    for (let i = 0; i < 10; i++) await put(store, `p/${i}`);
    await expect(put(store, 'p/0')).rejects.toBeInstanceOf(ObjectExistsError);
    await store.get('p/1');
    await store.head('p/1');
    await store.getTags('p/1');
    await expect(store.get('missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await store.listVersions({ prefix: 'p/' });
    expect(await collect(listAllKeys(store, 'p/', { pageSize: 3 }))).toHaveLength(10);
    expect(store.counts).toEqual({
      putsAttempted: 11,
      putsSucceeded: 10,
      putsFailed: 1,
      putsInjectedFailures: 0,
      gets: 2,
      heads: 1,
      getTags: 1,
      lists: 4, // 10 keys in pages of 3
      listVersions: 1,
    });
    expect(store.requests).toBe(20);
    store.resetCounts();
    expect(store.requests).toBe(0);
  });
});
