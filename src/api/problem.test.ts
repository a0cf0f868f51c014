import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { UndecodableBodyError } from '../lake/compression.js';
import { LakeObjectNotFoundError } from '../lake/data-lake.js';
import { InvalidKeyError } from '../lake/keys.js';
import { InvalidTickerError } from '../market/ticker.js';
import { rememberSecret } from '../secrets.js';
import { SqlError } from '../sql/sql-error.js';
import { CorruptObjectError, InvalidObjectKeyError, ObjectNotFoundError, ObjectStoreError } from '../storage/errors.js';
import { DataDirectoryInUseError } from '../warehouse/pglite/lock.js';
import { problemOf } from './problem.js';

describe('what an error means to a client', () => {
  it('bad input is 400, a missing object 404, a limit 422, a busy or unreachable lake 503, the rest 500', () => {
    const holder = { pid: 1, hostname: 'h', startedAt: '', lockedAt: '', bootId: null, token: 't' };
    const cases: [unknown, number | undefined][] = [
      [new InvalidKeyError('bad key'), 400],
      [new InvalidTickerError('bad ticker'), 400],
      [new InvalidObjectKeyError('../x', 'a traversal'), 400],
      [new SqlError('refused', 'not a SELECT'), 400],
      [new SqlError('failed', 'no such column'), 400],
      [new LakeObjectNotFoundError('no object'), 404],
      [new ObjectNotFoundError('raw/x'), 404],
      [new SqlError('time-limit', 'stopped'), 422],
      [new SqlError('row-limit', 'too many'), 422],
      [new DataDirectoryInUseError('/home', holder), 503],
      [new ObjectStoreError('the lake did not answer'), 503],
      [new UndecodableBodyError('truncated gzip'), 500],
      [new CorruptObjectError('/srv/lake/a!', 'a', 'body checksum does not match'), 500],
      [new UserError('a damaged document'), 500],
      [new TypeError('a bug'), undefined],
    ];
    for (const [error, status] of cases) expect(problemOf(error)?.status, String(error)).toBe(status);
  });

  it('a busy database says to retry, without the holder or the home', () => {
    const holder = { pid: 4242, hostname: 'h', startedAt: '', lockedAt: '', bootId: null, token: 't' };
    const problem = problemOf(new DataDirectoryInUseError('/srv/home', holder))!;
    expect(problem.headers).toEqual({ 'Retry-After': '30' });
    expect(problem.message).not.toMatch(/4242|\/srv\/home/);
  });

  it('a lake that fails says which key, never where the lake is or what the system said (that is for the log)', () => {
    const problem = problemOf(
      new ObjectStoreError("getTags raw/a failed in file:///srv/lake: EISDIR: illegal operation, read '/srv/lake/a!'", {
        key: 'raw/a',
      }),
    )!;
    expect(problem.message).toBe("the lake failed reading raw/a; see the server's log");
    expect(problemOf(new CorruptObjectError('/srv/lake/a!', 'a', 'no header line'))!.message).toBe(
      'the object a is damaged: no header line',
    );
  });

  it('details are redacted of known secrets', async () => {
    rememberSecret('s3cr3t-passw0rd');
    const { Hono } = await import('hono');
    const { problemResponse } = await import('./problem.js');
    const app = new Hono().get('/', (c) => problemResponse(c, problemOf(new UserError('login s3cr3t-passw0rd'))!));
    expect(await (await app.request('/')).json()).toEqual({
      type: '/problems/lake-error',
      title: 'Lake error',
      status: 500,
      detail: 'login ***',
    });
  });
});
