/** Error handling for setup steps that must undo what they did before failing. */

/** Runs the cleanups and rethrows `error`; a cleanup that fails too is reported beside it, not instead of it. */
export async function failAfterCleanup(error: unknown, cleanups: (() => unknown)[]): Promise<never> {
  const cleanupErrors: unknown[] = [];
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (cleanupError) {
      cleanupErrors.push(cleanupError);
    }
  }
  if (cleanupErrors.length === 0) throw error;
  const message = error instanceof Error ? error.message : String(error);
  throw new AggregateError([error, ...cleanupErrors], `${message} (and cleaning up after it failed too)`);
}
