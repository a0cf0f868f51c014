import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWarehouse } from '../database.js';
import { DataDirectoryInUseError, LOCK_FILE_NAME, acquireDataDirectoryLock, type LockHolder } from './lock.js';

const DATABASE_MODULE = pathToFileURL(join(import.meta.dirname, '..', 'database.ts')).href;
const LOCK_MODULE = pathToFileURL(join(import.meta.dirname, 'lock.ts')).href;
const PRICES_MODULE = pathToFileURL(join(import.meta.dirname, '..', 'prices.ts')).href;

/** A second node process running `code` (an ES module, TypeScript imports allowed through tsx). */
function spawnNode(
  code: string,
  env: Record<string, string>,
): ChildProcess & { lines: string[]; stderrText: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return Object.assign(child, { lines, stderrText: () => stderr });
}

async function waitForLine(child: ReturnType<typeof spawnNode>, predicate: (line: string) => boolean): Promise<string> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const line = child.lines.find(predicate);
    if (line !== undefined) return line;
    if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode}: ${child.stderrText()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`child printed nothing matching in time; stderr: ${child.stderrText()}`);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Opens a PGlite warehouse on WAREHOUSE_HOME, writes one price row, and closes it when stdin ends. */
const HOLD_WAREHOUSE = `
  const { openWarehouse } = await import(process.env.DATABASE_MODULE);
  const { upsertPrices } = await import(process.env.PRICES_MODULE);
  const warehouse = await openWarehouse({ home: process.env.WAREHOUSE_HOME });
  await upsertPrices(warehouse.db, 'NVDA', [
    { date: '2024-03-01', open: 1, high: 2, low: 0.5, close: 1.5, adjClose: null, volume: 10 },
  ], { key: 'raw/yfinance/NVDA/2024-03-01/20240301_210000.json', versionId: null, fetchedAt: new Date() });
  console.log('ready');
  process.stdin.resume();
  process.stdin.on('end', async () => { await warehouse.close(); console.log('closed'); });
`;

describe('data directory lock across processes', () => {
  let home: string;
  let children: ChildProcess[];

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'marketlake-lock-'));
    children = [];
  });
  afterEach(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    rmSync(home, { recursive: true, force: true });
  });

  function hold() {
    const child = spawnNode(HOLD_WAREHOUSE, { DATABASE_MODULE, PRICES_MODULE, WAREHOUSE_HOME: home });
    children.push(child);
    return child;
  }

  it('refuses a second process while the first holds the directory, and admits it afterwards', async () => {
    const holder = hold();
    await waitForLine(holder, (line) => line === 'ready');

    const error = await openWarehouse({ home }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(DataDirectoryInUseError);
    const recorded = JSON.parse(readFileSync(join(home, LOCK_FILE_NAME), 'utf8')) as LockHolder;
    expect(recorded.pid).toBe(holder.pid);
    expect((error as Error).message).toBe(
      `marketlake data directory ${home} is in use by pid ${holder.pid} (started ${recorded.startedAt}); ` +
        'wait for it to finish or stop it',
    );

    holder.stdin!.end();
    expect(await exited(holder)).toBe(0);
    expect(holder.lines).toContain('closed');
    expect(existsSync(join(home, LOCK_FILE_NAME))).toBe(false);

    const warehouse = await openWarehouse({ home });
    try {
      const rows = await warehouse.db.selectFrom('daily_prices').select(['symbol', 'price_date']).execute();
      expect(rows).toEqual([{ symbol: 'NVDA', price_date: '2024-03-01' }]);
    } finally {
      await warehouse.close();
    }
  });

  it('releases the lock when the holder exits without releasing it', async () => {
    const code = `
      const { acquireDataDirectoryLock } = await import(process.env.LOCK_MODULE);
      acquireDataDirectoryLock(process.env.WAREHOUSE_HOME);
      console.log('ready');
      process.exit(0);
    `;
    const holder = spawnNode(code, { LOCK_MODULE, WAREHOUSE_HOME: home });
    children.push(holder);
    expect(await exited(holder), holder.stderrText()).toBe(0);
    expect(holder.lines).toContain('ready');
    expect(existsSync(join(home, LOCK_FILE_NAME))).toBe(false);
  });

  it('takes over the lock of a killed holder, and its committed data is there', async () => {
    const holder = hold();
    await waitForLine(holder, (line) => line === 'ready');
    holder.kill('SIGKILL');
    await exited(holder);
    const stale = JSON.parse(readFileSync(join(home, LOCK_FILE_NAME), 'utf8')) as LockHolder;
    expect(stale.pid).toBe(holder.pid);

    const warehouse = await openWarehouse({ home });
    try {
      const current = JSON.parse(readFileSync(join(home, LOCK_FILE_NAME), 'utf8')) as LockHolder;
      expect(current.pid).toBe(process.pid);
      expect(await warehouse.db.selectFrom('daily_prices').select('symbol').execute()).toEqual([{ symbol: 'NVDA' }]);
    } finally {
      await warehouse.close();
    }
    expect(existsSync(join(home, LOCK_FILE_NAME))).toBe(false);
  });

  it('lets exactly one of several processes take over a stale lock at the same moment', async () => {
    writeFileSync(join(home, LOCK_FILE_NAME), JSON.stringify(staleHolder(await deadPid())));
    const go = join(home, 'go');
    const contender = `
      const { existsSync } = await import('node:fs');
      const { acquireDataDirectoryLock, DataDirectoryInUseError } = await import(process.env.LOCK_MODULE);
      console.log('waiting');
      while (!existsSync(process.env.GO_FILE)) await new Promise((resolve) => setTimeout(resolve, 2));
      try {
        const lock = acquireDataDirectoryLock(process.env.WAREHOUSE_HOME);
        console.log('won');
        await new Promise((resolve) => setTimeout(resolve, 2000));
        lock.release();
      } catch (error) {
        if (!(error instanceof DataDirectoryInUseError)) throw error;
        console.log('busy ' + error.holder.pid);
      }
    `;
    const contenders = Array.from({ length: 6 }, () =>
      spawnNode(contender, { LOCK_MODULE, WAREHOUSE_HOME: home, GO_FILE: go }),
    );
    children.push(...contenders);
    for (const child of contenders) await waitForLine(child, (line) => line === 'waiting');
    writeFileSync(go, '');
    const codes = await Promise.all(contenders.map(exited));
    expect(codes, contenders.map((child) => child.stderrText()).join('\n')).toEqual(contenders.map(() => 0));

    const winners = contenders.filter((child) => child.lines.includes('won'));
    expect(winners).toHaveLength(1);
    for (const loser of contenders.filter((child) => child !== winners[0])) {
      expect(loser.lines).toContain(`busy ${winners[0].pid}`);
    }
    expect(existsSync(join(home, LOCK_FILE_NAME))).toBe(false);
  });
});

describe('data directory lock in one process', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'marketlake-lock-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const lockPath = () => join(home, LOCK_FILE_NAME);

  it('refuses a second lock in the same process until the first is released', () => {
    const lock = acquireDataDirectoryLock(home);
    expect(() => acquireDataDirectoryLock(home)).toThrow(`is in use by pid ${process.pid}`);
    lock.release();
    lock.release(); // idempotent
    acquireDataDirectoryLock(home).release();
    // Nothing is left behind: no lock, no temporary or moved-aside files.
    expect(readdirSync(home)).toEqual([]);
  });

  it('treats a lock left by an earlier process with our own pid as stale', () => {
    writeFileSync(lockPath(), JSON.stringify(staleHolder(process.pid)));
    acquireDataDirectoryLock(home).release();
  });

  it('treats a lock from before a reboot as stale even if its pid is alive now', () => {
    writeFileSync(lockPath(), JSON.stringify({ ...staleHolder(process.ppid), bootId: 'an-earlier-boot' }));
    const bootIdKnown = existsSync('/proc/sys/kernel/random/boot_id');
    if (bootIdKnown) acquireDataDirectoryLock(home).release();
    else expect(() => acquireDataDirectoryLock(home)).toThrow(DataDirectoryInUseError);
  });

  it('counts a lock held on another host as in use, naming the host', () => {
    writeFileSync(lockPath(), JSON.stringify({ ...staleHolder(12345), hostname: 'build-runner-7' }));
    expect(() => acquireDataDirectoryLock(home)).toThrow(
      /is in use by pid 12345 on host build-runner-7 \(started 2024-03-01T00:00:00.000Z\)/,
    );
  });

  it('refuses to guess about a lock file it cannot read', () => {
    writeFileSync(lockPath(), 'garbage');
    expect(() => acquireDataDirectoryLock(home)).toThrow(`${lockPath()} is not a marketlake lock file`);
    expect(readFileSync(lockPath(), 'utf8')).toBe('garbage');
  });

  it('reports, on release, a lock that was taken away while held', () => {
    const lock = acquireDataDirectoryLock(home);
    writeFileSync(lockPath(), JSON.stringify(staleHolder(4242)));
    expect(() => lock.release()).toThrow(/was taken from this process while held \(it now names pid 4242\)/);
  });
});

function staleHolder(pid: number): LockHolder {
  return {
    pid,
    hostname: hostname(),
    startedAt: '2024-03-01T00:00:00.000Z',
    lockedAt: '2024-03-01T00:00:01.000Z',
    bootId: null,
    token: 'stale-token',
  };
}

/** The pid of a process that has exited (pids are not reused that quickly). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await exited(child);
  return child.pid!;
}
