/**
 * Running async work over a list with at most `concurrency` items in flight, results in the order of the list.
 *
 * Every item runs, whatever happens to the others; no work outlives the call. Two ways to receive the outcome:
 * - `mapSettled` hands back each item's outcome (fulfilled or rejected), for callers that report per item: one
 *   failing ticker of a run never stops the others.
 * - `mapAll` hands back the values, or rethrows the first rejection (in list order) once every item ended, for
 *   callers where one failure makes the whole answer wrong (an audit meeting a failure it does not understand, a
 *   listing page).
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index], index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** `mapSettled`, then the values; the first rejection (in list order) is rethrown after every item ended. */
export async function mapAll<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = await mapSettled(items, concurrency, work);
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}
