/**
 * Retries with exponential backoff and jitter for transient failures (network errors, HTTP 429/5xx).
 * The sleep and the random source are injectable so tests run instantly and see the exact delays.
 */
export interface RetryPolicy {
  /** Total tries, the first one included (1 = no retry). */
  attempts: number;
  /** The ceiling of the first delay; each later ceiling doubles. */
  baseDelayMs: number;
  /** No delay is longer than this, whatever the attempt or a server's Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000 };

/** How the caller sees an error: transient ones are retried; `minDelayMs` honours a server's Retry-After. */
export interface Verdict {
  transient: boolean;
  minDelayMs?: number;
}

export interface RetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  policy: RetryPolicy;
  classify: (error: unknown) => Verdict;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
  onRetry?: (info: RetryInfo) => void;
}

/** Every attempt failed with a transient error; `cause` is the last one. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describe(cause)}`, { cause });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * "Equal jitter": half the exponential ceiling is fixed, half is random. The fixed half keeps the delays growing
 * (a rate limit gets real pauses); the random half spreads the tickers that failed together so they do not
 * retry in lockstep.
 */
export function backoffDelay(failedAttempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function checkPolicy(policy: RetryPolicy): void {
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError(`retry attempts must be a whole number >= 1, got ${policy.attempts}`);
  }
  for (const field of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[field]) || policy[field] < 0) {
      throw new RangeError(`retry ${field} must be a finite number >= 0, got ${policy[field]}`);
    }
  }
}

/** Runs `operation` until it succeeds, fails permanently (rethrown as is), or runs out of attempts. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy } = options;
  checkPolicy(policy);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const verdict = options.classify(error);
      if (!verdict.transient) throw error;
      if (attempt >= policy.attempts) throw new RetriesExhaustedError(attempt, error);
      const delayMs = Math.min(
        policy.maxDelayMs,
        Math.max(backoffDelay(attempt, policy, options.random), verdict.minDelayMs ?? 0),
      );
      options.onRetry?.({ attempt, delayMs, error });
      await options.sleep(delayMs);
    }
  }
}
