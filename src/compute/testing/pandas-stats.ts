/**
 * Test support for computePercentiles and computeFeatures: the pandas reference files (test/fixtures/pandas-stats,
 * written by scripts/fixtures/pandas_stats.py) and the closeness both compare their sums with.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

/** Every pandas-stats reference file, parsed, in name order; each test file types the parts it reads. */
export function pandasStatsFixtures<T>(): T[] {
  const dir = join(FIXTURES_DIR, 'pandas-stats');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
}

/** Relative closeness for the sums (numpy sums pairwise, we sum left to right): a few ulps apart at most. */
export function expectRelClose(actual: number | null, expected: number | null, label: string) {
  if (expected === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(actual, label).not.toBeNull();
  const a = actual as number;
  expect(Math.abs(a - expected), `${label}: ${a} vs ${expected}`).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
}
