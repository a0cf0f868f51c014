import { UsageError } from '../errors.js';
import type { Shard } from '../market/shard.js';

/**
 * Where a batch platform tells each task its index: Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX, AWS Batch
 * array jobs AWS_BATCH_JOB_ARRAY_INDEX (both counted from 0). The count is not in the environment: `--shards N`.
 */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

export interface ShardFlags {
  /** `I/N`: shard I of N. */
  shard?: string;
  /** `N`: shard count, the index coming from the environment. */
  shards?: string;
}

/**
 * The shard `run` takes, from `--shard I/N`, or from `--shards N` and the platform's index variable; undefined
 * for the whole universe. Every mistake is a usage error, found before anything is opened: a shard outside
 * [0, N), N < 1, both flags, `--shards` without an index, or an index variable set without `--shards` (every
 * task of the job would run the whole universe; `--shards 1` says that is meant).
 */
export function resolveShard(flags: ShardFlags, env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  const fromEnvironment = SHARD_INDEX_VARIABLES.flatMap((name) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? [] : [{ name, value }];
  });
  if (flags.shard !== undefined && flags.shards !== undefined)
    throw new UsageError('give --shard I/N or --shards N, not both');
  if (flags.shard !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(flags.shard.trim());
    if (!match)
      throw new UsageError(
        `--shard must be I/N, shard I of N counted from 0 (e.g. 0/4), got ${JSON.stringify(flags.shard)}`,
      );
    return checked(wholeNumber(match[1]), wholeNumber(match[2]), `--shard ${flags.shard.trim()}`);
  }
  if (flags.shards !== undefined) {
    const count = /^\d+$/.test(flags.shards.trim()) ? wholeNumber(flags.shards.trim()) : Number.NaN;
    if (!(count >= 1))
      throw new UsageError(`--shards must be a whole number >= 1, got ${JSON.stringify(flags.shards)}`);
    if (fromEnvironment.length === 0) {
      throw new UsageError(
        `--shards ${count} needs this task's index in ${SHARD_INDEX_VARIABLES.join(' or ')}; or give --shard I/${count}`,
      );
    }
    const [first, ...others] = fromEnvironment;
    const differing = others.find((other) => other.value !== first.value);
    if (differing)
      throw new UsageError(
        `${first.name}=${first.value} and ${differing.name}=${differing.value} disagree on the shard index`,
      );
    if (!/^\d+$/.test(first.value))
      throw new UsageError(`${first.name}=${JSON.stringify(first.value)} is not a shard index (a whole number from 0)`);
    return checked(wholeNumber(first.value), count, `${first.name}=${first.value} with --shards ${count}`);
  }
  if (fromEnvironment.length > 0) {
    const { name } = fromEnvironment[0];
    throw new UsageError(
      `${name} is set (a task of an indexed or array job) but --shards N is not: give --shards N to split the universe over the job's N tasks, or --shards 1 to run all of it in every task`,
    );
  }
  return undefined;
}

function checked(index: number, count: number, given: string): Shard {
  if (!(count >= 1)) throw new UsageError(`${given}: the shard count must be a whole number >= 1`);
  if (!(index < count)) throw new UsageError(`${given}: the shard index must be from 0 to ${count - 1}`);
  return { index, count };
}

/** Digits to a number; NaN beyond the safe integers (a count that large is a mistake). */
function wholeNumber(digits: string): number {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : Number.NaN;
}
