/**
 * A uniform random sample of `count` items without replacement (a partial Fisher-Yates shuffle of the indices),
 * returned in the input order: verify sorts its work so that objects sharing a raw snapshot are neighbours, and
 * a sample keeps that order so the raw cache still helps.
 */
export function sampleItems<T>(items: readonly T[], count: number, random: () => number = Math.random): T[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`sample size must be a non-negative integer, got ${count}`);
  if (count >= items.length) return [...items];
  const indices = Array.from(items, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (indices.length - i));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i]);
}
