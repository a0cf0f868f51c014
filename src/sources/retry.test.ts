import { describe, expect, it } from 'vitest';
import { backoffDelay, RetriesExhaustedError, withRetry, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt, capped, with half of it jittered', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});

describe('withRetry', () => {
  const transientUnless = (permanent: string) => (error: unknown) => ({
    transient: (error as Error).message !== permanent,
  });

  it('retries transient failures and returns the first success', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error('flaky');
        return 'ok';
      },
      { policy, classify: transientUnless('fatal'), sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([75, 150]);
  });

  it('rethrows a permanent failure at once, unchanged', async () => {
    const fatal = new Error('fatal');
    const sleeps: number[] = [];
    await expect(
      withRetry(
        async () => {
          throw fatal;
        },
        { policy, classify: transientUnless('fatal'), sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
      ),
    ).rejects.toBe(fatal);
    expect(sleeps).toEqual([]);
  });

  it('gives up after the last attempt, keeping the last error as the cause', async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls++;
        throw new Error(`flaky ${calls}`);
      },
      {
        policy: { ...policy, attempts: 3 },
        classify: () => ({ transient: true }),
        sleep: async () => {},
        random: () => 0,
      },
    );
    await expect(failing).rejects.toThrow(RetriesExhaustedError);
    await expect(failing).rejects.toThrow('gave up after 3 attempts: flaky 3');
    expect(calls).toBe(3);
  });

  it('waits at least a server-requested delay, but never beyond the cap', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls < 3) throw new Error('rate limited');
        return calls;
      },
      {
        policy,
        classify: () => ({ transient: true, minDelayMs: calls === 1 ? 700 : 60_000 }),
        sleep: async (ms) => void sleeps.push(ms),
        random: () => 0,
      },
    );
    expect(sleeps).toEqual([700, 1_000]);
  });

  it('refuses a policy that could not run', async () => {
    const options = { classify: () => ({ transient: true }), sleep: async () => {}, random: () => 0 };
    await expect(withRetry(async () => 1, { ...options, policy: { ...policy, attempts: 0 } })).rejects.toThrow(
      RangeError,
    );
    await expect(
      withRetry(async () => 1, { ...options, policy: { ...policy, baseDelayMs: Number.NaN } }),
    ).rejects.toThrow(RangeError);
  });
});
