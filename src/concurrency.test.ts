import { describe, expect, it } from 'vitest';
import { mapAll, mapSettled } from './concurrency.js';

/** Work that records how many items are in flight at once and resolves on the next turns of the event loop. */
function tracked() {
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  const work = async (item: number, index: number): Promise<number> => {
    started.push(index);
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, (item % 3) + 1));
    inFlight--;
    if (item < 0) throw new Error(`item ${item} failed`);
    return item * 10;
  };
  return { work, started, most: () => most };
}

describe('mapSettled', () => {
  it('keeps at most `concurrency` items in flight and returns outcomes in list order', async () => {
    const { work, most } = tracked();
    const results = await mapSettled([5, 4, 3, 2, 1, 0, 7], 3, work);
    expect(results).toEqual([50, 40, 30, 20, 10, 0, 70].map((value) => ({ status: 'fulfilled', value })));
    expect(most()).toBe(3);
  });

  it('captures a failure without stopping the other items', async () => {
    const { work, started } = tracked();
    const results = await mapSettled([1, -1, 2, 3], 1, work);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: new Error('item -1 failed') });
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
  });

  it('handles an empty list and rejects a concurrency that is not a positive integer', async () => {
    expect(await mapSettled([], 4, async () => 1)).toEqual([]);
    await expect(mapSettled([1], 0, async () => 1)).rejects.toThrow(RangeError);
    await expect(mapSettled([1], 1.5, async () => 1)).rejects.toThrow(RangeError);
  });
});

describe('mapAll', () => {
  it('returns the values in list order', async () => {
    const { work, most } = tracked();
    expect(await mapAll([3, 1, 2], 2, work)).toEqual([30, 10, 20]);
    expect(most()).toBe(2);
  });

  it('rethrows the first failure in list order, only after every item ended', async () => {
    const { work, started } = tracked();
    let ended = 0;
    const counted = async (item: number, index: number) => {
      try {
        return await work(item, index);
      } finally {
        ended++;
      }
    };
    await expect(mapAll([1, -2, 3, -4, 5], 2, counted)).rejects.toThrow('item -2 failed');
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(ended).toBe(5);
  });
});
