import { describe, expect, it } from 'vitest';
import { PromiseCache } from './promise-cache.js';

describe('PromiseCache', () => {
  it('shares one load between concurrent callers of a key', async () => {
    const cache = new PromiseCache<number>(4);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
  });

  it('evicts the least recently used entry beyond its capacity', async () => {
    const cache = new PromiseCache<string>(2);
    const loaded: string[] = [];
    const load = (key: string) => () => {
      loaded.push(key);
      return Promise.resolve(key);
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a')); // a is now the most recent
    await cache.get('c', load('c')); // evicts b
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    expect(loaded).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.size).toBe(2);
  });

  it('keeps a failed load: asking again gives the same failure without loading again', async () => {
    const cache = new PromiseCache<number>(2);
    let loads = 0;
    const failing = () => {
      loads++;
      return Promise.reject(new Error('boom'));
    };
    await expect(cache.get('k', failing)).rejects.toThrow('boom');
    await expect(cache.get('k', failing)).rejects.toThrow('boom');
    expect(loads).toBe(1);
  });
});
