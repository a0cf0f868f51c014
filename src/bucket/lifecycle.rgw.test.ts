/**
 * The lifecycle policy really runs: on RGW an object under processed/ moves to GLACIER and then DEEP_ARCHIVE,
 * a noncurrent version likewise, and an object outside the policy's prefixes stays where it is.
 *
 * Timing. The test server runs with `rgw lc debug interval = N` (scripts/rgw.sh: N = 5), which makes one lifecycle
 * "day" last N seconds and makes RGW's lifecycle worker run a pass about every N seconds. The policy is scaled to
 * GLACIER after 1 "day" and DEEP_ARCHIVE after 4 (production: 90 and 365; the `days` scale option of
 * bucketPolicy). With N = 5 an object is eligible for GLACIER at 5 s and for DEEP_ARCHIVE at 20 s; each move lands
 * on the next pass. Measured here: GLACIER by 5-10 s, DEEP_ARCHIVE by 20-25 s. DEEP_ARCHIVE at 4 days rather than
 * 3 keeps at least two passes (about 10 s) of GLACIER between the moves even when a pass comes late on a busy
 * server: a pass that finds an object already past 4 days would move it straight to DEEP_ARCHIVE, and the test
 * would then fail for not having seen GLACIER. A 500 ms poll cannot miss that window.
 * When MARKETLAKE_TEST_RGW_DIR names the cluster directory, the test also forces passes with
 * `radosgw-admin lc process` in the background (one at a time; each takes about 5 s) and reads N from its
 * ceph.conf; otherwise it only waits for the worker.
 * Each stage is bounded by 90 s, so a server whose lifecycle does not run fails the test in at most about 3 minutes
 * instead of hanging.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { describeOnRgw } from '../../test/support/rgw.js';
import { bucketPolicy } from './policy.js';
import { setupBucket } from './setup.js';

const STAGE_TIMEOUT_MS = 90_000;
const POLL_MS = 500;
const FORCE_EVERY_MS = 3_000;

const run = promisify(execFile);

/** "STANDARD" when S3 leaves the header out, as it does for the default class. */
async function storageClass(client: S3Client, bucket: string, key: string, versionId?: string): Promise<string> {
  const head = await client.send(
    new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  return head.StorageClass ?? 'STANDARD';
}

/** The cluster directory of the test server (DIR/ceph.conf), when the environment names it. */
const RGW_DIR = process.env.MARKETLAKE_TEST_RGW_DIR?.trim() || undefined;

/** `rgw lc debug interval` from DIR/ceph.conf: one lifecycle "day" in seconds (0: real days); undefined: unknown. */
async function lifecycleDaySeconds(): Promise<number | undefined> {
  if (!RGW_DIR) return undefined;
  try {
    const conf = await readFile(join(RGW_DIR, 'ceph.conf'), 'utf8');
    const match = /^\s*rgw[ _]lc[ _]debug[ _]interval\s*=\s*(\d+)\s*$/m.exec(conf);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Forces a lifecycle pass when the cluster directory is known; a failure only means we wait for the worker. */
async function forceLifecyclePass(): Promise<void> {
  if (!RGW_DIR) return;
  try {
    await run('radosgw-admin', ['-c', join(RGW_DIR, 'ceph.conf'), 'lc', 'process'], { timeout: 30_000 });
  } catch {
    // The daemon's own worker may hold the shard lock; its pass does the same work.
  }
}

// The suite's bucket is fresh and versioned (test/support/rgw.ts), as a lake bucket is.
describeOnRgw('lifecycle transitions', (rgw) => {
  it(
    'moves processed/ objects and noncurrent versions to GLACIER, then DEEP_ARCHIVE',
    async (context) => {
      const daySeconds = await lifecycleDaySeconds();
      if (daySeconds === 0) {
        context.skip('the test server runs lifecycle in real days (rgw lc debug interval = 0)');
        return;
      }
      const client = rgw.client();
      const bucket = rgw.bucket();
      const policy = bucketPolicy({
        days: {
          glacier: 1,
          deepArchive: 4,
          noncurrentGlacier: 1,
          noncurrentDeepArchive: 4,
          abortIncompleteMultipartUpload: 1,
        },
      });
      const report = await setupBucket(client, bucket, policy);
      expect(report.failed).toEqual([]);
      expect(report.applied).toContain('lifecycle');
      expect([...report.applied, ...report.unchanged]).toContain('versioning');

      const body = JSON.stringify({ schema: 'marketlake.indicators/1', ticker: 'NVDA', values: {} });
      const put = async (key: string, text: string) =>
        (
          await client.send(
            new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json' }),
          )
        ).VersionId;
      const current = 'processed/indicators/NVDA/2026-11-25/20261126_150000.json';
      const overwritten = 'processed/features/NVDA/2026-11-25/20261126_150000.json';
      const outside = 'scratch/NVDA.json';
      await put(current, body);
      // The lake never overwrites a key; the SDK does here, to make a noncurrent version on a versioned bucket.
      const oldVersion = await put(overwritten, `${body} `);
      await put(overwritten, body);
      await put(outside, body);
      expect(oldVersion).toBeTruthy();

      const seen = { current: [] as string[], noncurrent: [] as string[] };
      const note = (list: string[], value: string) => {
        if (list[list.length - 1] !== value) list.push(value);
      };
      const started = Date.now();
      let lastForced = 0;
      let forcing: Promise<void> | undefined;
      const waitFor = async (target: string) => {
        const deadline = Date.now() + STAGE_TIMEOUT_MS;
        for (;;) {
          note(seen.current, await storageClass(client, bucket, current));
          note(seen.noncurrent, await storageClass(client, bucket, overwritten, oldVersion));
          if (seen.current.at(-1) === target && seen.noncurrent.at(-1) === target) return;
          if (Date.now() > deadline) {
            throw new Error(
              `no ${target} within ${STAGE_TIMEOUT_MS / 1000} s: current object went ${seen.current.join(' -> ')}, noncurrent version ${seen.noncurrent.join(' -> ')}`,
            );
          }
          // In the background: a forced pass takes seconds, and the poll must not miss the GLACIER window.
          if (RGW_DIR && forcing === undefined && Date.now() - lastForced > FORCE_EVERY_MS) {
            lastForced = Date.now();
            forcing = forceLifecyclePass().finally(() => (forcing = undefined));
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      };

      let glacierAt: number, deepArchiveAt: number;
      try {
        await waitFor('GLACIER');
        glacierAt = (Date.now() - started) / 1000;
        await waitFor('DEEP_ARCHIVE');
        deepArchiveAt = (Date.now() - started) / 1000;
      } finally {
        await forcing; // leave no radosgw-admin running behind the test
      }
      console.info(
        `lifecycle on RGW (one day = ${daySeconds ?? 'assumed 5'} s${RGW_DIR ? ', passes forced' : ''}): ` +
          `GLACIER by ${glacierAt.toFixed(1)} s, DEEP_ARCHIVE by ${deepArchiveAt.toFixed(1)} s`,
      );

      // Each went through GLACIER on its way to DEEP_ARCHIVE, in that order.
      expect(seen.current).toEqual(['STANDARD', 'GLACIER', 'DEEP_ARCHIVE']);
      expect(seen.noncurrent).toEqual(['STANDARD', 'GLACIER', 'DEEP_ARCHIVE']);
      // Outside raw/ and processed/ nothing moves.
      expect(await storageClass(client, bucket, outside)).toBe('STANDARD');
    },
    2 * STAGE_TIMEOUT_MS + 30_000,
  );
});
