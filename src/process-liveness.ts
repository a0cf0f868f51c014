/**
 * Who a process is, and whether it can be proved dead: what lets one process clean up after another that was
 * killed (a run left `running`, a temporary file of an interrupted write) without ever touching the work of a
 * process that is still alive.
 *
 * A process is provably dead only when it ran on this machine, in this boot, in this PID namespace, and its pid
 * no longer exists (or the machine rebooted since). Another host, another container's PID namespace or a reused
 * pid all count as alive: a false "alive" only delays a clean-up, a false "dead" would destroy live work.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Linux boot id; null elsewhere. */
  bootId: string | null;
  /** Linux PID namespace (`pid:[4026531836]`): containers sharing a hostname still have their own pids. */
  pidNamespace: string | null;
}

let cached: ProcessIdentity | undefined;

export function thisProcess(): ProcessIdentity {
  cached ??= {
    host: hostname(),
    pid: process.pid,
    bootId: readProc(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
    pidNamespace: readProc(() => readlinkSync('/proc/self/ns/pid')),
  };
  return cached;
}

/** True only when `other` is provably gone (see the module comment); this very process is never dead. */
export function isProvablyDead(other: ProcessIdentity): boolean {
  const self = thisProcess();
  if (other.host !== self.host) return false;
  if (self.bootId !== null && other.bootId !== null && other.bootId !== self.bootId) return true;
  if (other.bootId !== self.bootId || other.pidNamespace !== self.pidNamespace) return false;
  if (other.pid === self.pid) return false;
  return !isProcessAlive(other.pid);
}

/** Reads an identity recorded as JSON (e.g. in the database); undefined when it is not one. */
export function parseIdentity(value: unknown): ProcessIdentity | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const nullableText = (field: unknown) => field === null || typeof field === 'string';
  const valid =
    typeof record.host === 'string' &&
    Number.isSafeInteger(record.pid) &&
    nullableText(record.bootId) &&
    nullableText(record.pidNamespace);
  return valid ? (record as unknown as ProcessIdentity) : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // Signal 0 checks existence and permission without signalling.
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // Exists, owned by another user.
    throw error;
  }
}

/** A Linux-only fact, null where /proc does not have it. */
function readProc(read: () => string): string | null {
  try {
    return read();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return null;
    throw error;
  }
}
