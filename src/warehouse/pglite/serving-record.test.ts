import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirectoryLock, DataDirectoryInUseError, type DataDirectoryLock, type LockHolder } from './lock.js';
import { readServingRecord, SERVING_FILE_NAME, writeServingRecord } from './serving-record.js';

describe('the serving record: where the `serve --schedule` holding a home answers', () => {
  let home: string;
  let lock: DataDirectoryLock;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-serving-'));
    lock = acquireDataDirectoryLock(home);
  });
  afterEach(async () => {
    lock.release();
    await rm(home, { recursive: true, force: true });
  });

  const holderOf = (): LockHolder => JSON.parse(readFileSync(join(home, 'marketlake.lock'), 'utf8')) as LockHolder;

  it('is written by the lock holder, read only with that lock, and removed by its writer', () => {
    const forget = writeServingRecord(home, 'http://127.0.0.1:8080');
    expect(readServingRecord(home, holderOf())).toEqual({
      pid: process.pid,
      hostname: hostname(),
      url: 'http://127.0.0.1:8080',
      lockToken: holderOf().token,
    });
    // Under another lock (the server was killed and another process took the home): not its record.
    expect(readServingRecord(home, { ...holderOf(), token: 'another' })).toBeUndefined();
    forget();
    expect(readServingRecord(home)).toBeUndefined();
  });

  it('the lock refusal names the server only for a record that goes with the live holder', async () => {
    // The same process holding the lock is no refusal; the check is what another process reads, done here by hand.
    writeServingRecord(home, 'http://127.0.0.1:8080');
    const record = readServingRecord(home, holderOf());
    const refusal = new DataDirectoryInUseError(home, holderOf(), record?.url);
    expect(refusal.servedAt).toBe('http://127.0.0.1:8080');
    expect(refusal.message).toContain('is held by `marketlake serve` (pid');
    expect(new DataDirectoryInUseError(home, holderOf()).message).toContain('wait for it to finish or stop it');
  });

  it('a record of another host, or whose address is more than an origin, is not trusted', () => {
    const path = join(home, SERVING_FILE_NAME);
    const write = (record: object) => writeFileSync(path, JSON.stringify(record));
    const base = { pid: process.pid, hostname: hostname(), lockToken: holderOf().token };
    write({ ...base, url: 'http://127.0.0.1:8080' });
    expect(readServingRecord(home, holderOf())?.url).toBe('http://127.0.0.1:8080');
    write({ ...base, hostname: `${hostname()}-elsewhere`, url: 'http://127.0.0.1:8080' });
    expect(readServingRecord(home, holderOf())).toBeUndefined();
    for (const url of [
      'http://user:pw@127.0.0.1:8080',
      'http://127.0.0.1:8080/v1',
      'http://127.0.0.1:8080?x=1',
      'https://127.0.0.1:8080',
      'file:///etc/passwd',
    ]) {
      write({ ...base, url });
      expect({ url, read: readServingRecord(home, holderOf()) }).toEqual({ url, read: undefined });
    }
    writeFileSync(path, '{"pid":');
    expect(readServingRecord(home)).toBeUndefined();
  });

  it('is refused to a process that does not hold the home', () => {
    lock.release();
    expect(() => writeServingRecord(home, 'http://127.0.0.1:8080')).toThrow('does not hold the lock');
    lock = acquireDataDirectoryLock(home);
  });
});
