import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import type { ObjectStore, StoredObject } from '../storage/object-store.js';
import { fetchInOrder } from './fetch.js';

/** The file store, with each get held until the test lets it go, and the most gets seen in flight at once. */
function heldStore(inner: ObjectStore) {
  let inFlight = 0;
  let most = 0;
  const waiting: (() => void)[] = [];
  const store: ObjectStore = Object.create(inner) as ObjectStore;
  store.get = async (key, options): Promise<StoredObject> => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight--;
    if (key === 'boom') throw new TypeError('a bug in the store');
    return inner.get(key, options);
  };
  return { store, most: () => most, release: () => waiting.splice(0).forEach((go) => go()) };
}

describe('fetchInOrder', () => {
  let root: string;
  let fs: FsObjectStore;
  const keys = ['k/0', 'k/1', 'k/2', 'k/3', 'k/4', 'k/5', 'k/6'];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-fetch-in-order-'));
    fs = await FsObjectStore.open(root);
    for (const key of keys) await fs.put({ key, body: `body of ${key}`, contentType: 'text/plain' });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('answers every key in the order given, with at most `ahead` reads waiting at once', async () => {
    const held = heldStore(fs);
    const releasing = setInterval(held.release, 1);
    try {
      const answered: string[] = [];
      for await (const { key, fetched } of fetchInOrder(held.store, [...keys, 'k/missing'], 3)) {
        answered.push(key);
        if (key === 'k/missing') expect(fetched.status).toBe('missing');
        else if (fetched.status === 'ok') expect(Buffer.from(fetched.body).toString()).toBe(`body of ${key}`);
        else expect.fail(`${key}: ${fetched.status}`);
      }
      expect(answered).toEqual([...keys, 'k/missing']);
      // Reads overlap (one at a time would be 1), and never more than the window.
      expect(held.most()).toBe(3);
    } finally {
      clearInterval(releasing);
    }
  });

  it('refuses a window of less than one read', async () => {
    await expect(fetchInOrder(fs, keys, 0).next()).rejects.toThrow(RangeError);
  });

  it('throws a read that fails with a bug at its turn, after the answers before it', async () => {
    const held = heldStore(fs);
    const releasing = setInterval(held.release, 1);
    try {
      const answered: string[] = [];
      const reading = (async () => {
        for await (const { key } of fetchInOrder(held.store, ['k/0', 'k/1', 'boom', 'k/2'], 4)) answered.push(key);
      })();
      await expect(reading).rejects.toThrow('a bug in the store');
      expect(answered).toEqual(['k/0', 'k/1']);
    } finally {
      clearInterval(releasing);
    }
  });
});
