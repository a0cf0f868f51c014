/**
 * The S3 test server (Ceph RGW from scripts/rgw.sh) for the bucket tests, in the manner of test/support/databases.ts:
 *
 *   describeOnRgw('bucket setup', (rgw) => { it('...', async () => { const client = rgw.client(); ... }); });
 *
 * - MARKETLAKE_TEST_S3_ENDPOINT (default http://127.0.0.1:7480, scripts/rgw.sh's port),
 *   MARKETLAKE_TEST_S3_ACCESS_KEY / MARKETLAKE_TEST_S3_SECRET_KEY (default: scripts/rgw.sh's fixed user);
 * - MARKETLAKE_TEST_RGW_DIR (optional): the cluster directory, so a test can force a lifecycle pass with
 *   `radosgw-admin -c DIR/ceph.conf lc process` and read the lifecycle day length from DIR/ceph.conf.
 * When the server cannot be reached the tests are skipped with a loud warning, or fail when
 * MARKETLAKE_REQUIRE_SERVICES=1 (CI sets it, so a missing server can never pass silently).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { describe, it } from 'vitest';

export const DEFAULT_TEST_S3_ENDPOINT = 'http://127.0.0.1:7480';
// The fixed user scripts/rgw.sh creates unless told otherwise.
export const DEFAULT_TEST_S3_ACCESS_KEY = 'marketlake-test';
export const DEFAULT_TEST_S3_SECRET_KEY = 'marketlake-test-secret';

export interface RgwTestEnv {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The cluster directory (ceph.conf inside), when known. */
  rgwDir?: string;
}

export function rgwTestEnv(env: NodeJS.ProcessEnv = process.env): RgwTestEnv {
  const rgwDir = env.MARKETLAKE_TEST_RGW_DIR?.trim();
  return {
    endpoint: env.MARKETLAKE_TEST_S3_ENDPOINT?.trim() || DEFAULT_TEST_S3_ENDPOINT,
    accessKeyId: env.MARKETLAKE_TEST_S3_ACCESS_KEY?.trim() || DEFAULT_TEST_S3_ACCESS_KEY,
    secretAccessKey: env.MARKETLAKE_TEST_S3_SECRET_KEY?.trim() || DEFAULT_TEST_S3_SECRET_KEY,
    ...(rgwDir ? { rgwDir } : {}),
  };
}

export function servicesRequired(): boolean {
  return process.env.MARKETLAKE_REQUIRE_SERVICES === '1';
}

export function createTestS3Client(env: RgwTestEnv = rgwTestEnv()): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: env.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A bucket name no other test (or run) uses: `prefix-<12 hex>`. */
export function uniqueBucketName(prefix = 'mlbucket'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export async function createTestBucket(client: S3Client, prefix?: string): Promise<string> {
  const bucket = uniqueBucketName(prefix);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Deletes every version and delete marker, then the bucket; a bucket that is already gone is fine. */
export async function deleteTestBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
      const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
        Key: v.Key!,
        VersionId: v.VersionId,
      }));
      if (objects.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchBucket') return;
    throw error;
  }
}

/** `rgw lc debug interval` from DIR/ceph.conf: the length of one lifecycle "day" in seconds (0: real days). */
export async function lifecycleDaySeconds(env: RgwTestEnv): Promise<number | undefined> {
  if (!env.rgwDir) return undefined;
  try {
    const conf = await readFile(join(env.rgwDir, 'ceph.conf'), 'utf8');
    const match = /^\s*rgw[ _]lc[ _]debug[ _]interval\s*=\s*(\d+)\s*$/m.exec(conf);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Why the S3 tests cannot run, or undefined when they can. Checked once per test file. */
async function checkRgw(env: RgwTestEnv): Promise<string | undefined> {
  try {
    // Any HTTP answer means a server listens; wrong credentials then fail the tests themselves, loudly.
    await fetch(env.endpoint, { signal: AbortSignal.timeout(3_000) });
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return `the S3 test server at ${env.endpoint} is not reachable (${cause})`;
  }
}

const rgwProblem = await checkRgw(rgwTestEnv());

export interface RgwTestContext {
  env: RgwTestEnv;
  /** A client for the test server with the test user's keys. */
  client(): S3Client;
}

/** Declares `body`'s tests against the S3 test server, or skips them loudly (fails them under REQUIRE_SERVICES). */
export function describeOnRgw(name: string, body: (context: RgwTestContext) => void): void {
  const title = `${name} [rgw]`;
  const env = rgwTestEnv();
  let client: S3Client | undefined;
  const context: RgwTestContext = {
    env,
    client: () => (client ??= createTestS3Client(env)),
  };
  if (rgwProblem !== undefined) {
    if (servicesRequired()) {
      describe(title, () => {
        it('needs a reachable S3 test server', () => {
          throw new Error(`${rgwProblem}. MARKETLAKE_REQUIRE_SERVICES=1 makes this a failure instead of a skip.`);
        });
      });
    } else {
      warnSkipped(rgwProblem);
      describe.skip(title, () => body(context));
    }
    return;
  }
  describe(title, () => body(context));
}

let warned = false;

function warnSkipped(problem: string): void {
  if (warned) return;
  warned = true;
  const bar = '!'.repeat(100);
  console.warn(
    [
      bar,
      `!!! SKIPPING the S3 bucket tests: ${problem}.`,
      '!!! Start one with `bash scripts/rgw.sh start /tmp/mlrgw` and export what it prints',
      '!!! (MARKETLAKE_TEST_S3_ENDPOINT, MARKETLAKE_TEST_S3_ACCESS_KEY, MARKETLAKE_TEST_S3_SECRET_KEY);',
      '!!! set MARKETLAKE_REQUIRE_SERVICES=1 to make a missing S3 server fail the tests instead.',
      bar,
    ].join('\n'),
  );
}
