import { ConfigError } from '../config.js';

/**
 * The clock of a command: the system clock, or a fixed instant from MARKETLAKE_NOW (for tests and backfills:
 * `MARKETLAKE_NOW=2026-11-26T21:30:00Z marketlake run` fetches, keys, stamps and records everything as of that
 * instant, as a run then would have). The one place that reads it, so every command that takes it agrees.
 * Several processes given the same value write the same keys and timestamps (the shard tests rely on it).
 */
export const NOW_VARIABLE = 'MARKETLAKE_NOW';

export function commandClock(env: NodeJS.ProcessEnv = process.env): () => Date {
  const text = env[NOW_VARIABLE]?.trim();
  if (text === undefined || text === '') return () => new Date();
  // A full UTC or offset time: a bare date or local time would mean another instant on another machine.
  const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)
    ? new Date(text)
    : undefined;
  if (instant === undefined || Number.isNaN(instant.getTime())) {
    throw new ConfigError(
      `${NOW_VARIABLE} must be an ISO 8601 time with a zone, e.g. 2026-11-26T21:30:00Z (got ${JSON.stringify(text)})`,
    );
  }
  return () => new Date(instant);
}
