/**
 * Tests against a real S3 server: Ceph RADOS Gateway, started with `scripts/rgw.sh start /tmp/mlrgw`.
 *
 *   describeOnRgw('S3ObjectStore', (rgw) => {
 *     it('...', async () => { const store = rgw.openStore({ prefix: 'lake' }); ... });
 *   });
 *
 * Each describeOnRgw gets a fresh versioned bucket `marketlake-test-<random>`, emptied and removed afterwards
 * (best effort: a leftover bucket only costs memory in a throwaway server). The server comes from
 *   MARKETLAKE_TEST_S3_ENDPOINT    default http://127.0.0.1:7480
 *   MARKETLAKE_TEST_S3_ACCESS_KEY  default marketlake-test         (the fixed user of scripts/rgw.sh)
 *   MARKETLAKE_TEST_S3_SECRET_KEY  default marketlake-test-secret
 * When it does not answer, its tests are skipped with a loud warning, or fail when
 * `MARKETLAKE_REQUIRE_SERVICES=1` (CI sets it, so a missing server can never pass silently).
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeWithoutService } from './services.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../src/storage/s3/s3-object-store.js';
import { testS3Settings, type TestS3Settings } from '../../src/storage/s3/testing/settings.js';

export {
  DEFAULT_TEST_S3_ENDPOINT,
  testS3Settings,
  type TestS3Settings,
} from '../../src/storage/s3/testing/settings.js';

/** A raw SDK client for the test server, configured as S3ObjectStore configures its own. */
export function createTestS3Client(overrides: { maxAttempts?: number; requestTimeoutMs?: number } = {}): S3Client {
  const settings = testS3Settings();
  return new S3Client({
    ...settings,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(overrides.maxAttempts === undefined ? {} : { maxAttempts: overrides.maxAttempts }),
    requestHandler: { connectionTimeout: 2_000, requestTimeout: overrides.requestTimeoutMs ?? 60_000 },
  });
}

export interface TestBucket {
  bucket: string;
  client: S3Client;
  /** Deletes every version and delete marker, then the bucket; never throws (warns instead). */
  dispose(): Promise<void>;
}

/** A fresh bucket with versioning enabled, as the lake requires. */
export async function createTestBucket(options: { versioning?: boolean } = {}): Promise<TestBucket> {
  const client = createTestS3Client();
  const bucket = `marketlake-test-${randomBytes(6).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  if (options.versioning ?? true) {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
  return {
    bucket,
    client,
    dispose: async () => {
      try {
        await emptyBucket(client, bucket);
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      } catch (error) {
        console.warn(`could not remove test bucket ${bucket}: ${(error as Error).message}`);
      } finally {
        client.destroy();
      }
    },
  };
}

/** One DeleteObject per version: multi-delete needs a Content-MD5 that checksum-less clients do not send. */
async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const targets = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key,
      VersionId: v.VersionId,
    }));
    if (targets.length === 0) return;
    for (let i = 0; i < targets.length; i += 32) {
      await Promise.all(
        targets.slice(i, i + 32).map((t) => client.send(new DeleteObjectCommand({ Bucket: bucket, ...t }))),
      );
    }
  }
}

export interface RgwTestContext {
  /** The suite's bucket; valid inside tests and hooks. */
  bucket(): string;
  /** A raw SDK client for the suite's bucket (for setting things up behind the store's back). */
  client(): S3Client;
  settings: TestS3Settings;
  /** A store on the suite's bucket, configured for the test server; closed after the suite. */
  openStore(options?: Partial<S3ObjectStoreOptions>): S3ObjectStore;
}

/** Declares `body`'s tests against the test server, with a fresh versioned bucket for them. */
export function describeOnRgw(name: string, body: (context: RgwTestContext) => void): void {
  const title = `${name} [rgw]`;
  const settings = testS3Settings();
  let current: TestBucket | undefined;
  const stores: S3ObjectStore[] = [];
  const required = (): TestBucket => {
    if (current === undefined) throw new Error(`the ${title} bucket is only available inside its tests`);
    return current;
  };
  const context: RgwTestContext = {
    bucket: () => required().bucket,
    client: () => required().client,
    settings,
    openStore: (options = {}) => {
      const store = new S3ObjectStore({ bucket: required().bucket, ...settings, ...options });
      stores.push(store);
      return store;
    },
  };
  if (rgwProblem !== undefined) {
    describeWithoutService(title, 'a reachable S3 server (Ceph RGW)', rgwProblem, RGW_HINTS, () => body(context));
    return;
  }
  describe(title, () => {
    beforeAll(async () => {
      current = await createTestBucket();
    });
    afterAll(async () => {
      for (const store of stores.splice(0)) store.close();
      await current?.dispose();
      current = undefined;
    });
    body(context);
  });
}

/** Why the S3 tests cannot run, or undefined when they can. Checked once per test file. */
async function checkRgw(): Promise<string | undefined> {
  const { endpoint } = testS3Settings();
  // Two attempts: a clock far from the server's (the suites on other days run under libfaketime) is refused
  // once, and the SDK then corrects its offset from the server's Date header, as it does for every client.
  const client = createTestS3Client({ maxAttempts: 2, requestTimeoutMs: 3_000 });
  try {
    await client.send(new ListBucketsCommand({}));
    return undefined;
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const reason =
      status === undefined ? (e.code ?? e.message ?? e.name ?? String(error)) : `${e.name} (HTTP ${status})`;
    return `the S3 server at ${endpoint} does not answer as expected (${reason})`;
  } finally {
    client.destroy();
  }
}

export const rgwProblem = await checkRgw();

const RGW_HINTS = [
  'Start it with: bash scripts/rgw.sh install (once, as root) && bash scripts/rgw.sh start /tmp/mlrgw',
  'or point MARKETLAKE_TEST_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY at another S3 server;',
  'set MARKETLAKE_REQUIRE_SERVICES=1 to make a missing S3 server fail the tests instead.',
];
