import { expect, it } from 'vitest';
import { mulberry32 } from './random.js';

it('skip(n) leaves the generator where n draws would, for any n and across the 32-bit wrap', () => {
  for (const [seed, count] of [
    [1, 0],
    [1, 1],
    [7, 8],
    [0xffffffff, 13],
    [20240601, 1000],
    [3, 70_000],
  ] as const) {
    const drawn = mulberry32(seed);
    for (let i = 0; i < count; i++) drawn();
    const skipped = mulberry32(seed);
    skipped.skip(count);
    expect([skipped(), skipped(), skipped()]).toEqual([drawn(), drawn(), drawn()]);
  }
});
