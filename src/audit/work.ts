import { mapPool } from '../pipeline/pool.js';

/** Progress of a long audit (the CLI passes a terminal bar; `Progress` of src/cli/progress.ts fits this shape). */
export interface ProgressSink {
  start(total: number, label: string): void;
  tick(detail?: string): void;
  stop(): void;
}

export const noProgress: ProgressSink = { start() {}, tick() {}, stop() {} };

/**
 * Runs `work` over `items` with at most `concurrency` in flight. Unlike a run over tickers, an audit must not
 * carry on past a failure it does not understand: the first rejection is rethrown once every started item ended.
 */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const results = await mapPool(items, concurrency, work);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
