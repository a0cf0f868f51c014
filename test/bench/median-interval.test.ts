import { describe, expect, it } from 'vitest';
import { medianInterval } from '../../bench/pipeline/common.js';

// The ranks and coverages of the sign-test interval for the median, as tabulated from Binomial(n, 1/2)
// (e.g. Conover, Practical Nonparametric Statistics, table A3): n = 6 -> ranks 1 and 6 (96.9 %), n = 12 -> 3 and
// 10 (96.1 %), n = 20 -> 6 and 15 (95.9 %).
describe('medianInterval (the feature-cost benches verdict)', () => {
  const ranks = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('takes the narrowest ranks whose coverage still reaches 95 %', () => {
    expect(medianInterval(ranks(6))).toEqual({ low: 1, high: 6, coverage: 1 - 2 / 64 });
    expect(medianInterval(ranks(12))).toMatchObject({ low: 3, high: 10 });
    expect(medianInterval(ranks(12))!.coverage).toBeCloseTo(0.9614, 4);
    expect(medianInterval(ranks(20))).toMatchObject({ low: 6, high: 15 });
    expect(medianInterval(ranks(20))!.coverage).toBeCloseTo(0.9586, 4);
  });

  it('sorts the values itself, and has no interval below 6 values', () => {
    expect(medianInterval([1.3, 0.9, 1.1, 1.0, 1.2, 0.95])).toMatchObject({ low: 0.9, high: 1.3 });
    expect(medianInterval([1, 2, 3, 4, 5])).toBeUndefined();
  });

  it('narrows for a lower level', () => {
    expect(medianInterval(ranks(12), 0.8)).toMatchObject({ low: 4, high: 9 });
  });
});
