/**
 * An exclusive lock on a marketlake home directory, taken before PGlite opens `<home>/pglite`.
 *
 * PGlite does not lock its data directory: two processes opening it each keep their own in-memory state and
 * overwrite each other's files, losing writes without any error. The lock file `<home>/marketlake.lock` names
 * its holder (pid, hostname, process start time, boot id and a random token).
 *
 * Taking a free lock: the holder record is written and fsynced to a private temporary file, which is then
 * hard-linked to the lock path. `link(2)` fails with EEXIST when the lock exists, exactly like O_CREAT|O_EXCL,
 * and another process can never observe a half-written lock file.
 *
 * Taking over a stale lock (its holder is dead: no such pid on this host, or the machine rebooted since) never
 * deletes by path, which could delete a lock another process has just taken. Instead, for a stale lock with
 * token T, a contender first creates the claim `<lock>.takeover.T`, again by link, so only one contender at a
 * time holds the claim on T. It then re-reads the lock: if the token is still T, it renames its claim over the
 * lock, which atomically replaces the stale record with its own and removes the claim in one step; otherwise it
 * drops the claim and starts again. The lock path exists throughout a takeover, so no fresh lock can be linked
 * in meanwhile, and once T is replaced a later claim on T sees the new token and backs off.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { readServingRecord } from './serving-record.js';

export const LOCK_FILE_NAME = 'marketlake.lock';

/** What the lock file records about the process holding it. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the holding process started (ISO 8601). */
  startedAt: string;
  /** When it took the lock (ISO 8601). */
  lockedAt: string;
  /** Linux boot id; a different one means the machine rebooted and the holder is gone. Null elsewhere. */
  bootId: string | null;
  /** Random; tells two lock files apart even when pid and times are equal. */
  token: string;
}

export class DataDirectoryInUseError extends UserError {
  override readonly name = 'DataDirectoryInUseError';
  readonly home: string;
  readonly holder: LockHolder;
  /** Where the holder serves the API, when it is a `marketlake serve --schedule` (serving-record.ts). */
  readonly servedAt: string | undefined;

  constructor(home: string, holder: LockHolder, servedAt?: string) {
    const host = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
    super(
      servedAt === undefined
        ? `marketlake data directory ${home} is in use by pid ${holder.pid}${host} (started ${holder.startedAt}); ` +
            'wait for it to finish or stop it'
        : `marketlake data directory ${home} is held by \`marketlake serve\` (pid ${holder.pid}) at ${servedAt}, ` +
            `which runs the daily job: \`marketlake run\` asks it for a run, and the API answers the reads ` +
            `(${servedAt}/api)`,
    );
    this.home = home;
    this.holder = holder;
    this.servedAt = servedAt;
  }
}

export interface DataDirectoryLock {
  readonly home: string;
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Idempotent. Throws if someone else replaced or removed it. */
  release(): void;
}

/**
 * The home cannot hold the lock: it is a file, on a read-only file system, not ours to write, or the disk is
 * full. The user's to fix, so one line naming the home and the system's reason.
 */
export class DataDirectoryUnusableError extends UserError {
  override readonly name = 'DataDirectoryUnusableError';
  constructor(home: string, cause: NodeJS.ErrnoException) {
    super(`cannot use ${home} as the marketlake home: ${HOME_PROBLEMS[cause.code ?? ''] ?? cause.message}`, { cause });
  }
}

const HOME_PROBLEMS: Record<string, string> = {
  EEXIST: 'it (or a folder above it) is a file, not a folder',
  ENOTDIR: 'it (or a folder above it) is a file, not a folder',
  EROFS: 'it is on a read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
};

/** Lock paths held by this process, with our token: a same-pid lock file not listed here is a stale one. */
const heldHere = new Map<string, string>();

/** The token of the lock this process holds on `home`, if it holds it. */
export function heldLockToken(home: string): string | undefined {
  return heldHere.get(join(resolve(home), LOCK_FILE_NAME));
}

const MAX_ATTEMPTS = 50;

/** Takes the lock on `home` (created if missing) or throws `DataDirectoryInUseError`. */
export function acquireDataDirectoryLock(home: string): DataDirectoryLock {
  const absoluteHome = resolve(home);
  const path = join(absoluteHome, LOCK_FILE_NAME);
  const holder = describeThisProcess();
  const candidate = `${path}.${holder.pid}.${holder.token}.tmp`;
  try {
    mkdirSync(absoluteHome, { recursive: true });
    writeDurably(candidate, `${JSON.stringify(holder)}\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && code in HOME_PROBLEMS)
      throw new DataDirectoryUnusableError(absoluteHome, error as NodeJS.ErrnoException);
    throw error;
  }
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (tryLink(candidate, path)) return registerHeld(absoluteHome, path, holder);
      const current = readHolder(path);
      if (current === undefined) continue; // Released between our link and our read: try again.
      if (!isStale(path, current))
        throw new DataDirectoryInUseError(absoluteHome, current, readServingRecord(absoluteHome, current)?.url);
      if (takeOver(path, current, candidate)) return registerHeld(absoluteHome, path, holder);
    }
  } finally {
    unlinkSync(candidate);
  }
  throw new Error(
    `could not take the lock ${path} after ${MAX_ATTEMPTS} attempts: other processes keep taking it over`,
  );
}

/** Replaces the stale lock `stale` with `candidate`'s record; false if the lock changed and we must look again. */
function takeOver(path: string, stale: LockHolder, candidate: string): boolean {
  const claim = `${path}.takeover.${stale.token}`;
  if (!tryLink(candidate, claim)) {
    waitForOtherClaim(claim);
    return false;
  }
  let current: LockHolder | undefined;
  try {
    current = readHolder(path);
  } catch (error) {
    unlinkSync(claim);
    throw error;
  }
  if (current?.token !== stale.token) {
    // Someone completed this takeover before we claimed it (or the file was removed): look again.
    unlinkSync(claim);
    return false;
  }
  renameSync(claim, path);
  return true;
}

/**
 * Another process holds the claim on the same stale lock; it finishes within microseconds unless it died in
 * between, which leaves a claim nobody may remove safely on its own.
 */
function waitForOtherClaim(claim: string): void {
  const claimant = readHolder(claim);
  if (claimant === undefined) return; // Already renamed over the lock.
  if (isStale(claim, claimant)) {
    throw new Error(
      `${claim} was left by pid ${claimant.pid}, which died while taking over a stale lock; ` +
        'if no marketlake process is running on this directory, delete it',
    );
  }
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // A short synchronous pause.
}

function registerHeld(home: string, path: string, holder: LockHolder): DataDirectoryLock {
  heldHere.set(path, holder.token);
  let released = false;
  // 'exit' runs on a normal end and on process.exit(); a process killed by a signal leaves a stale lock, which
  // the next process recognises by the dead pid.
  const onExit = (): void => {
    if (released) return;
    released = true;
    if (readHolder(path)?.token === holder.token) unlinkSync(path);
    else process.stderr.write(`marketlake: lock ${path} was no longer ours at exit; left it in place\n`);
  };
  process.on('exit', onExit);
  return {
    home,
    path,
    holder,
    release(): void {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      heldHere.delete(path);
      const current = readHolder(path);
      if (current?.token !== holder.token) {
        const now = current === undefined ? 'it is gone' : `it now names pid ${current.pid}`;
        throw new Error(`lock ${path} was taken from this process while held (${now}); the data may be damaged`);
      }
      unlinkSync(path);
    },
  };
}

/** True if the holder can be proved gone. A holder on another host cannot be checked, so it counts as live. */
function isStale(path: string, holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  const bootId = currentBootId();
  if (bootId !== null && holder.bootId !== null && bootId !== holder.bootId) return true;
  if (holder.pid === process.pid) return heldHere.get(path) !== holder.token;
  return !isProcessAlive(holder.pid);
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
}

/** The holder recorded in a lock file, or undefined if there is no such file. */
function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  const holder = parseHolder(text);
  if (holder === undefined) {
    // Our lock files are never partial (see the module comment), so this is something else: do not guess.
    throw new Error(`${path} is not a marketlake lock file; if no marketlake process uses it, delete it`);
  }
  return holder;
}

function parseHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // Reported by the caller with the file's path.
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const valid =
    Number.isSafeInteger(record.pid) &&
    typeof record.hostname === 'string' &&
    typeof record.startedAt === 'string' &&
    typeof record.lockedAt === 'string' &&
    (record.bootId === null || typeof record.bootId === 'string') &&
    typeof record.token === 'string';
  return valid ? (record as unknown as LockHolder) : undefined;
}

function describeThisProcess(): LockHolder {
  const now = Date.now();
  return {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date(now - process.uptime() * 1000).toISOString(),
    lockedAt: new Date(now).toISOString(),
    bootId: currentBootId(),
    token: randomBytes(12).toString('hex'),
  };
}

function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // Signal 0 checks existence and permission without signalling.
    return true;
  } catch (error) {
    if (isErrno(error, 'ESRCH')) return false;
    if (isErrno(error, 'EPERM')) return true; // Exists, owned by another user.
    throw error;
  }
}

let bootIdCache: string | null | undefined;

function currentBootId(): string | null {
  if (bootIdCache !== undefined) return bootIdCache;
  try {
    bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch (error) {
    // Not Linux (or no /proc): reboots are then detected only through the pid check.
    if (!isErrno(error, 'ENOENT') && !isErrno(error, 'EACCES')) throw error;
    bootIdCache = null;
  }
  return bootIdCache;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
