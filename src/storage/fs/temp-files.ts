/**
 * Names of the store's temporary files (`.tmp/`), which say which process writes them: a writer tag (a hash of
 * host, boot and PID namespace) and the pid. A put killed mid-write leaves its file behind; on a full disk such
 * leftovers keep the disk full, so the store deletes them when it opens, at once when their writer is provably
 * dead (src/process-liveness.ts), and any other one (another host's, an older name without a writer) once it is
 * old enough not to belong to a put still running. A live writer's file is never deleted.
 */
import { createHash } from 'node:crypto';
import { isProvablyDead, thisProcess } from '../../process-liveness.js';

const NAME = /^([0-9a-f]{12})\.(\d+)\.([^.]+)\.tmp$/;

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

/**
 * When the file was started, by the writer's own clock: the unique part is a version id, whose first 12 hex
 * digits are its milliseconds (fs-object-store.ts newVersionId). Undefined for a name of another form. The
 * cleaner compares this, not the file's mtime, with its own clock: mtime comes from whatever stamps the file
 * system (a network file server's clock), so a host whose clock runs ahead of it would take every young file of a
 * live writer for an old one and delete it mid-write.
 */
export function startedAt(name: string): number | undefined {
  const unique = NAME.exec(name)?.[3];
  if (unique === undefined || !/^[0-9a-f]{12}/.test(unique)) return undefined;
  return Number.parseInt(unique.slice(0, 12), 16);
}

let tag: string | undefined;

function writerTag(): string {
  const self = thisProcess();
  tag ??= createHash('sha256')
    .update(JSON.stringify([self.host, self.bootId, self.pidNamespace]))
    .digest('hex')
    .slice(0, 12);
  return tag;
}
