import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { UsageError } from '../errors.js';
import { commandClock } from './clock.js';
import { resolveShard } from './shard-options.js';

describe('resolveShard', () => {
  it('takes --shard I/N, or --shards N with the index of an indexed job or an array job', () => {
    expect(resolveShard({}, {})).toBeUndefined();
    expect(resolveShard({ shard: '0/1' }, {})).toEqual({ index: 0, count: 1 });
    expect(resolveShard({ shard: '3/4' }, {})).toEqual({ index: 3, count: 4 });
    expect(resolveShard({ shards: '4' }, { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, count: 4 });
    expect(resolveShard({ shards: '4' }, { AWS_BATCH_JOB_ARRAY_INDEX: '1' })).toEqual({ index: 1, count: 4 });
    expect(resolveShard({ shards: '4' }, { JOB_COMPLETION_INDEX: '1', AWS_BATCH_JOB_ARRAY_INDEX: '1' })).toEqual({
      index: 1,
      count: 4,
    });
    // The flag wins over the environment, as everywhere.
    expect(resolveShard({ shard: '0/2' }, { JOB_COMPLETION_INDEX: '1' })).toEqual({ index: 0, count: 2 });
    // --shards 1: the whole universe in every task of the job, on purpose.
    expect(resolveShard({ shards: '1' }, { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 0, count: 1 });
  });

  it.each([
    [{ shard: '4/4' }, {}, /--shard 4\/4: the shard index must be from 0 to 3/],
    [{ shard: '0/0' }, {}, /--shard 0\/0: the shard count must be a whole number >= 1/],
    [{ shard: '-1/4' }, {}, /--shard must be I\/N/],
    [{ shard: '1' }, {}, /--shard must be I\/N/],
    [{ shard: '1/4/8' }, {}, /--shard must be I\/N/],
    [{ shard: 'a/b' }, {}, /--shard must be I\/N/],
    [{ shard: '1.5/4' }, {}, /--shard must be I\/N/],
    [{ shard: '' }, {}, /--shard must be I\/N/],
    [{ shard: '0/99999999999999999999' }, {}, /the shard count must be a whole number >= 1/],
    [{ shard: '1/4', shards: '4' }, {}, /give --shard I\/N or --shards N, not both/],
    [{ shards: '0' }, { JOB_COMPLETION_INDEX: '0' }, /--shards must be a whole number >= 1, got "0"/],
    [{ shards: 'four' }, { JOB_COMPLETION_INDEX: '0' }, /--shards must be a whole number >= 1/],
    [{ shards: '4' }, {}, /--shards 4 needs this task's index in JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX/],
    [{ shards: '4' }, { JOB_COMPLETION_INDEX: '' }, /needs this task's index/],
    [
      { shards: '4' },
      { JOB_COMPLETION_INDEX: '4' },
      /JOB_COMPLETION_INDEX=4 with --shards 4: the shard index must be from 0 to 3/,
    ],
    [{ shards: '4' }, { AWS_BATCH_JOB_ARRAY_INDEX: 'x' }, /AWS_BATCH_JOB_ARRAY_INDEX="x" is not a shard index/],
    [{ shards: '4' }, { JOB_COMPLETION_INDEX: '-1' }, /JOB_COMPLETION_INDEX="-1" is not a shard index/],
    [
      { shards: '4' },
      { JOB_COMPLETION_INDEX: '1', AWS_BATCH_JOB_ARRAY_INDEX: '2' },
      /JOB_COMPLETION_INDEX=1 and AWS_BATCH_JOB_ARRAY_INDEX=2 disagree/,
    ],
    [{}, { JOB_COMPLETION_INDEX: '3' }, /JOB_COMPLETION_INDEX is set .* but --shards N is not/],
    [{}, { AWS_BATCH_JOB_ARRAY_INDEX: '0' }, /AWS_BATCH_JOB_ARRAY_INDEX is set .* --shards 1 to run all of it/],
  ])('refuses %j with %j as a usage error', (flags, env, message) => {
    expect(() => resolveShard(flags, env)).toThrow(UsageError);
    expect(() => resolveShard(flags, env)).toThrow(message);
  });
});

describe('commandClock', () => {
  it('is the system clock, or the instant MARKETLAKE_NOW names (for tests and backfills)', () => {
    const before = Date.now();
    expect(commandClock({})().getTime()).toBeGreaterThanOrEqual(before);
    const pinned = commandClock({ MARKETLAKE_NOW: '2026-11-26T21:30:00Z' });
    expect(pinned().toISOString()).toBe('2026-11-26T21:30:00.000Z');
    expect(pinned().toISOString()).toBe('2026-11-26T21:30:00.000Z');
    expect(commandClock({ MARKETLAKE_NOW: '2026-11-27T06:30:00+09:00' })().toISOString()).toBe(
      '2026-11-26T21:30:00.000Z',
    );
  });

  it.each(['2026-11-26', '2026-11-26T21:30:00', 'yesterday', '2026-13-01T00:00:00Z'])(
    'refuses MARKETLAKE_NOW=%s',
    (value) => {
      expect(() => commandClock({ MARKETLAKE_NOW: value })).toThrow(
        /MARKETLAKE_NOW must be an ISO 8601 time with a zone/,
      );
    },
  );
});

describe('marketlake run --shard', () => {
  it('refuses a bad shard with one line and exit 2, before it opens anything', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'marketlake-shard-'));
    const home = join(parent, 'home');
    try {
      for (const args of [
        ['--shard', '4/4'],
        ['--shard', '1/4', '--shards', '4'],
        ['--shards', '0'],
      ]) {
        const result = await runCli('run', '--home', home, ...args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(existsSync(home)).toBe(false);
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
