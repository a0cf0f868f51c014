/**
 * Names of the store's temporary files (`.tmp/`), which say which process writes them: a writer tag (a hash of
 * host, boot and PID namespace) and the pid. A put killed mid-write leaves its file behind; on a full disk such
 * leftovers keep the disk full, so the store deletes them when it opens, at once when their writer is provably
 * dead (src/process-liveness.ts), and any other one (another host's, an older name without a writer) once it is
 * old enough not to belong to a put still running. A live writer's file is never deleted.
 */
import { createHash } from 'node:crypto';
import { isProvablyDead, thisProcess } from '../../process-liveness.js';

const NAME = /^([0-9a-f]{12})\.(\d+)\.[^.]+\.tmp$/;

/** `<writer tag>.<pid>.<unique>.tmp` */
export function temporaryFileName(unique: string): string {
  return `${writerTag()}.${process.pid}.${unique}.tmp`;
}

/** True when the file's writer ran in this host, boot and PID namespace and is dead. */
export function writtenByDeadProcess(name: string): boolean {
  const match = NAME.exec(name);
  if (match === null || match[1] !== writerTag()) return false;
  const self = thisProcess();
  return isProvablyDead({ ...self, pid: Number(match[2]) });
}

let tag: string | undefined;

function writerTag(): string {
  const self = thisProcess();
  tag ??= createHash('sha256').update(JSON.stringify([self.host, self.bootId, self.pidNamespace])).digest('hex').slice(0, 12);
  return tag;
}
