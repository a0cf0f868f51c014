/**
 * cleanUpAfter (errors.ts): the clean-up after a failure runs, and its own failure never hides the first one.
 */
import { describe, expect, it } from 'vitest';
import { cleanUpAfter } from './errors.js';

describe('cleanUpAfter', () => {
  it('cleans up, then throws the failure itself', async () => {
    const failure = new Error('the copy failed');
    let cleaned = false;
    const thrown = await cleanUpAfter(failure, async () => {
      cleaned = true;
    }).catch((error: unknown) => error);
    expect(cleaned).toBe(true);
    expect(thrown).toBe(failure);
  });

  it('a failing clean-up is thrown with the failure, whose message comes first', async () => {
    const failure = new Error('the copy failed');
    const thrown = await cleanUpAfter(failure, () => Promise.reject(new Error('the connection is gone'))).catch(
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(AggregateError);
    expect((thrown as AggregateError).message).toBe('the copy failed (then cleaning up: the connection is gone)');
    expect((thrown as AggregateError).errors).toEqual([failure, new Error('the connection is gone')]);
  });
});
