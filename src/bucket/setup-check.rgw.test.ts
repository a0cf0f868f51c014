import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckReport } from './check.js';
import { buildLifecycleConfiguration } from './policy.js';
import { randomBytes } from 'node:crypto';
import { runCli } from '../../test/support/cli.js';
import { createTestBucket, createTestS3Client, describeOnRgw, type TestBucket } from '../../test/support/rgw.js';

interface SetupJson {
  bucket: string;
  created: boolean;
  applied: string[];
  skipped: { setting: string; reason: string }[];
  unchanged: string[];
  failed: { setting: string; error: string }[];
  kept_lifecycle_rules: string[];
}

/** Every version and delete marker, then the bucket; a bucket that was never made is fine. */
async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    for (;;) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
      if (versions.length === 0) break;
      for (const v of versions)
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'NoSuchBucket') throw error;
  }
}

const status = (report: CheckReport) => Object.fromEntries(report.settings.map((s) => [s.setting, s.status]));

/** What setup said about the public access block: RGW 16 needs BlockPublicAcls off to take any write at all. */
function publicAccessBlockOutcome(report: SetupJson): 'applied' | 'unchanged' | 'rgw-write-bug' {
  const skipped = report.skipped.find((s) => s.setting === 'public_access_block');
  if (skipped) {
    expect(skipped.reason).toMatch(/BlockPublicAcls on, this server denies every PutObject/);
    return 'rgw-write-bug';
  }
  return report.applied.includes('public_access_block') ? 'applied' : 'unchanged';
}

/**
 * After setup, check finds no drift except the gaps setup reported: BlockPublicAcls left off where the server
 * would refuse every write with it. Settings the server lacks are `unsupported`, never drift.
 */
function expectCheckAfterSetup(result: { code: number; stdout: string }, bugSeen: boolean): CheckReport {
  const report = JSON.parse(result.stdout) as CheckReport;
  expect(status(report)).toMatchObject({ versioning: 'ok', lifecycle: 'ok' });
  for (const setting of ['encryption', 'transition_default_minimum_object_size']) {
    expect(['ok', 'unsupported']).toContain(status(report)[setting]);
  }
  const pab = report.settings.find((s) => s.setting === 'public_access_block')!;
  if (bugSeen) {
    expect(pab).toMatchObject({
      status: 'different',
      actual: { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
    expect(pab.reason).toMatch(/only BlockPublicAcls is off/);
  } else {
    expect(pab.status).toBe('ok');
  }
  expect(report.drift).toBe(bugSeen);
  expect(result.code).toBe(bugSeen ? 1 : 0);
  return report;
}

describeOnRgw('marketlake bucket setup / check', (rgw) => {
  // Each test makes its own buckets: setup must meet them as they come from CreateBucket (not versioned).
  const buckets: TestBucket[] = [];
  const lake = (bucket: string, prefix = '') => [
    '--lake',
    `s3://${bucket}${prefix}`,
    '--s3-endpoint',
    rgw.settings.endpoint,
  ];
  const freshBucket = async () => {
    const made = await createTestBucket({ versioning: false });
    buckets.push(made);
    return made.bucket;
  };
  // Buckets `setup --create` makes: removed afterwards like the others.
  const created: string[] = [];
  const bucketToCreate = () => {
    const bucket = `marketlake-test-${randomBytes(6).toString('hex')}`;
    created.push(bucket);
    return bucket;
  };

  beforeEach(() => {
    // The commands use the SDK's default credential chain, as they do for users: the environment comes first.
    vi.stubEnv('AWS_ACCESS_KEY_ID', rgw.settings.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', rgw.settings.credentials.secretAccessKey);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('MARKETLAKE_LAKE', '');
    return () => vi.unstubAllEnvs();
  });

  afterAll(async () => {
    for (const bucket of buckets) await bucket.dispose();
    const client = createTestS3Client();
    try {
      for (const bucket of created) await removeBucket(client, bucket);
    } finally {
      client.destroy();
    }
  });

  it('setup refuses a bucket that does not exist unless --create', async () => {
    const bucket = bucketToCreate();
    const result = await runCli('bucket', 'setup', ...lake(bucket));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`bucket ${bucket} does not exist.*--create`));
    const check = await runCli('bucket', 'check', ...lake(bucket));
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`bucket ${bucket} does not exist`);
  });

  it('setup --create applies what RGW supports, says what it skipped and why, and a second run changes nothing', async () => {
    const bucket = bucketToCreate();
    const first = await runCli('bucket', 'setup', ...lake(bucket), '--create', '--json');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as SetupJson;
    expect(report.created).toBe(true);
    expect(report.failed).toEqual([]);
    expect(report.applied).toEqual(expect.arrayContaining(['versioning', 'lifecycle']));
    const bugSeen = publicAccessBlockOutcome(report) === 'rgw-write-bug';
    // RGW 16 does not implement default encryption (it takes PUT ?encryption for CreateBucket) and ignores the
    // minimum-object-size parameter; a server that does implement them gets them applied instead.
    for (const setting of ['encryption', 'transition_default_minimum_object_size']) {
      const skipped = report.skipped.find((s) => s.setting === setting);
      expect(skipped !== undefined || report.applied.includes(setting), setting).toBe(true);
      if (skipped) expect(skipped.reason).toMatch(/server/);
    }
    // Whatever setup did, the lake can still write, and no probe object is left behind.
    const client = rgw.client();
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'raw/yfinance/NVDA/2026-11-26/20261126_150000.json', Body: '{}' }),
    );
    const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => v.Key)).toEqual(['raw/yfinance/NVDA/2026-11-26/20261126_150000.json']);
    expect(listed.DeleteMarkers ?? []).toEqual([]);

    // The rules on the server are exactly the policy's (RGW lists rules by ID and transitions newest tier first).
    const stored = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    const sortTransitions = (rules: typeof stored.Rules) =>
      rules?.map((r) => ({
        ...r,
        Transitions: [...(r.Transitions ?? [])].sort((a, b) => a.Days! - b.Days!),
        NoncurrentVersionTransitions: [...(r.NoncurrentVersionTransitions ?? [])].sort(
          (a, b) => a.NoncurrentDays! - b.NoncurrentDays!,
        ),
      }));
    const byId = (a: { ID?: string }, b: { ID?: string }) => (a.ID ?? '').localeCompare(b.ID ?? '');
    expect(sortTransitions(stored.Rules)?.sort(byId)).toEqual(
      buildLifecycleConfiguration().LifecycleConfiguration.Rules!.sort(byId),
    );

    const second = JSON.parse((await runCli('bucket', 'setup', ...lake(bucket), '--json')).stdout) as SetupJson;
    expect(second.applied).toEqual([]);
    expect(second.failed).toEqual([]);
    expect(second.unchanged).toEqual(
      expect.arrayContaining(['versioning', 'lifecycle', ...(bugSeen ? [] : ['public_access_block'])]),
    );
    expect(second.skipped).toEqual(report.skipped);

    expectCheckAfterSetup(await runCli('bucket', 'check', ...lake(bucket), '--json'), bugSeen);
    const text = await runCli('bucket', 'check', ...lake(bucket));
    expect(text.stdout).toContain(
      bugSeen ? `bucket ${bucket}: DRIFT from the policy` : `bucket ${bucket}: matches the policy`,
    );
  });

  it('check reports drift with expected and actual, exits 1; setup repairs it and keeps rules of other prefixes', async () => {
    const client = rgw.client();
    const bucket = await freshBucket();

    // A fresh bucket: nothing of the policy is there.
    const fresh = await runCli('bucket', 'check', ...lake(bucket), '--json');
    expect(fresh.code).toBe(1);
    const freshReport = JSON.parse(fresh.stdout) as CheckReport;
    expect(freshReport.drift).toBe(true);
    expect(freshReport.settings.find((s) => s.setting === 'versioning')).toMatchObject({
      status: 'different',
      expected: 'Enabled',
      actual: 'Disabled',
    });
    expect(freshReport.settings.find((s) => s.setting === 'lifecycle')).toMatchObject({
      status: 'different',
      actual: [],
    });
    expect(freshReport.settings.find((s) => s.setting === 'public_access_block')).toMatchObject({
      status: 'different',
    });

    await runCli('bucket', 'setup', ...lake(bucket));
    // Someone suspends versioning, shortens the archive age on processed/ and adds a rule for another prefix.
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    const [raw, processed] = buildLifecycleConfiguration().LifecycleConfiguration.Rules!;
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            raw,
            { ...processed, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] },
            { ID: 'scratch-expiry', Status: 'Enabled', Filter: { Prefix: 'scratch/' }, Expiration: { Days: 2 } },
          ],
        },
      }),
    );
    await client.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      }),
    );

    const drift = await runCli('bucket', 'check', ...lake(bucket), '--json');
    expect(drift.code).toBe(1);
    const driftReport = JSON.parse(drift.stdout) as CheckReport;
    expect(status(driftReport)).toMatchObject({
      versioning: 'different',
      lifecycle: 'different',
      public_access_block: 'different',
    });
    const lifecycle = driftReport.settings.find((s) => s.setting === 'lifecycle')!;
    expect((lifecycle.actual as { prefix: string; transitions: unknown[] }[])[1]).toMatchObject({
      prefix: 'processed/',
      transitions: [{ days: 30, storageClass: 'GLACIER' }],
    });
    expect((lifecycle.expected as { transitions: unknown[] }[])[1].transitions).toEqual([
      { days: 90, storageClass: 'GLACIER' },
      { days: 365, storageClass: 'DEEP_ARCHIVE' },
    ]);
    const text = await runCli('bucket', 'check', ...lake(bucket));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/DRIFT from the policy/);
    expect(text.stdout).toMatch(/DIFFERENT +versioning\n +expected "Enabled"\n +actual +"Suspended"/);

    const repair = JSON.parse((await runCli('bucket', 'setup', ...lake(bucket), '--json')).stdout) as SetupJson;
    expect(repair.applied).toEqual(expect.arrayContaining(['versioning', 'lifecycle']));
    const bugSeen = publicAccessBlockOutcome(repair) === 'rgw-write-bug';
    expect(repair.kept_lifecycle_rules).toEqual(['scratch-expiry']);
    // The drifted block had BlockPublicAcls on, which (on RGW) refused writes before the repair; not after it.
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'processed/features/NVDA/2026-11-26/20261126_150000.json',
        Body: '{}',
      }),
    );
    const after = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(after.Rules?.map((r) => r.ID).sort()).toEqual(['marketlake-processed', 'marketlake-raw', 'scratch-expiry']);
    expectCheckAfterSetup(await runCli('bucket', 'check', ...lake(bucket), '--json'), bugSeen);
  });

  it('puts the rules under the lake prefix of s3://bucket/prefix', async () => {
    const bucket = await freshBucket();
    const setup = await runCli('bucket', 'setup', ...lake(bucket, '/lake/one'), '--json');
    expect(setup.code).toBe(0);
    const bugSeen = publicAccessBlockOutcome(JSON.parse(setup.stdout) as SetupJson) === 'rgw-write-bug';
    const stored = await rgw.client().send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(stored.Rules?.map((r) => r.Filter?.Prefix).sort()).toEqual(['lake/one/processed/', 'lake/one/raw/']);
    expectCheckAfterSetup(await runCli('bucket', 'check', ...lake(bucket, '/lake/one'), '--json'), bugSeen);
    // The same bucket seen as a lake without the prefix lacks its rules.
    const unprefixed = JSON.parse((await runCli('bucket', 'check', ...lake(bucket), '--json')).stdout) as CheckReport;
    expect(status(unprefixed).lifecycle).toBe('different');
  });
});

describe('marketlake bucket without an S3 lake', () => {
  it('says the commands need an s3:// lake', async () => {
    const result = await runCli('bucket', 'check', '--lake', 'file:///tmp/marketlake-no-bucket');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/need an S3 lake/);
  });
});
