/**
 * `marketlake bucket setup`: applies the bucket policy (policy.ts) idempotently. Each setting is read first and
 * written only when it differs, so a second run reports everything as unchanged.
 *
 * A setting the server does not implement is skipped and reported with the reason (see state.ts for how that is
 * recognised); any other error is a failure of that setting: the others are still attempted, and the command
 * exits non-zero.
 *
 * Lifecycle rules on other prefixes are kept: the bucket may hold other data with rules of its own, and S3 replaces
 * the whole lifecycle configuration on every write.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { UserError } from '../errors.js';
import { bucketRegion } from './client.js';
import { buildEncryptionConfiguration, buildLifecycleRules, type BucketPolicy } from './policy.js';
import {
  bucketExists,
  describeError,
  encryptionMatches,
  errorCode,
  isNotImplemented,
  lifecycleRulesMatch,
  readEncryption,
  readLifecycle,
  readPublicAccessBlock,
  readVersioning,
  rulePrefix,
  sameJson,
  type BucketSetting,
  type PublicAccessBlockState,
} from './state.js';

export interface SetupReport {
  bucket: string;
  /** True when `create` made the bucket in this run. */
  created: boolean;
  applied: BucketSetting[];
  skipped: { setting: BucketSetting; reason: string }[];
  unchanged: BucketSetting[];
  failed: { setting: BucketSetting; error: string }[];
  /** Lifecycle rules of other prefixes that were kept as they were. */
  keptLifecycleRules: string[];
}

export interface SetupOptions {
  /** Create the bucket when it does not exist (otherwise that is an error). */
  create?: boolean;
}

export async function setupBucket(
  client: S3Client,
  bucket: string,
  policy: BucketPolicy,
  options: SetupOptions = {},
): Promise<SetupReport> {
  const report: SetupReport = {
    bucket,
    created: false,
    applied: [],
    skipped: [],
    unchanged: [],
    failed: [],
    keptLifecycleRules: [],
  };
  if (!(await bucketExists(client, bucket))) {
    if (!options.create) {
      throw new UserError(
        `bucket ${bucket} does not exist: create it (terraform/modules/s3-data-lake, or --create) and run setup again`,
      );
    }
    await createBucket(client, bucket);
    report.created = true;
  }

  // Versioning first: the noncurrent-version rules only mean something on a versioned bucket.
  await step(report, 'versioning', async () => {
    const current = await readVersioning(client, bucket);
    if (current.supported && current.value === policy.versioning) return 'unchanged';
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: policy.versioning } }),
    );
    return 'applied';
  });

  await applyLifecycle(client, bucket, policy, report);

  await step(report, 'encryption', async () => {
    const current = await readEncryption(client, bucket);
    if (!current.supported) return { skipped: current.reason };
    if (encryptionMatches(policy.encryption, current.value)) return 'unchanged';
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: buildEncryptionConfiguration(policy.encryption),
      }),
    );
    return 'applied';
  });

  await step(report, 'public_access_block', () => applyPublicAccessBlock(client, bucket, policy));

  return report;
}

/**
 * The public access block, then a check that the lake can still write. Ceph RGW (seen on 16.2; reported since
 * 15.2) denies EVERY PutObject once BlockPublicAcls is on, even the bucket owner's without any ACL, which would
 * leave the lake unable to store anything; AWS S3 only refuses requests that carry a public ACL.
 * So after applying the block, a probe object is written and removed again. When that is denied, the same block
 * without BlockPublicAcls is tried: if the probe then works, BlockPublicAcls is the cause, stays off
 * (IgnorePublicAcls still makes any public ACL ineffective) and the setting is reported as skipped with the reason.
 * If the probe is denied either way, the credentials simply may not write objects: the full block is put back and
 * reported as applied, the write unverified.
 * On such a server every setup run repeats the test, so BlockPublicAcls is on for the fraction of a second between
 * two requests (a lake write in that moment fails and stays in the outbox for the next retry).
 */
async function applyPublicAccessBlock(client: S3Client, bucket: string, policy: BucketPolicy): Promise<StepResult> {
  const wanted = policy.publicAccessBlock;
  const current = await readPublicAccessBlock(client, bucket);
  if (current.supported && sameJson(current.value, wanted)) return 'unchanged';
  const put = (config: PublicAccessBlockState) =>
    client.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: config }));
  const probe = async () => {
    const result = await probeWrite(client, bucket, policy.keyPrefix);
    if (result instanceof Error) {
      throw new Error(
        `the public access block is on, but the check that the bucket still takes writes failed: ${describeError(result)}`,
      );
    }
    return result;
  };

  await put(wanted);
  if (!wanted.BlockPublicAcls || (await probe()) === 'ok') return 'applied';
  await put({ ...wanted, BlockPublicAcls: false });
  if ((await probe()) === 'denied') {
    await put(wanted);
    return 'applied';
  }
  return {
    skipped:
      "with BlockPublicAcls on, this server denies every PutObject, even the owner's without an ACL (a Ceph RGW bug): " +
      'BlockPublicAcls stays off; IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets are on',
  };
}

/** Writes a tiny object and removes that exact version again: 'ok', 'denied' (AccessDenied), or the error. */
async function probeWrite(client: S3Client, bucket: string, keyPrefix: string): Promise<'ok' | 'denied' | Error> {
  const key = `${keyPrefix}.marketlake-setup-probe-${randomBytes(6).toString('hex')}`;
  let versionId: string | undefined;
  try {
    versionId = (
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'probe', ContentType: 'text/plain' }))
    ).VersionId;
  } catch (error) {
    return errorCode(error) === 'AccessDenied' ? 'denied' : (error as Error);
  }
  // Deleting the version itself (not adding a delete marker) leaves no trace in a versioned bucket.
  await client.send(
    new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  return 'ok';
}

type StepResult = 'applied' | 'unchanged' | { skipped: string };

/** Runs one setting; NotImplemented from the server is a skip, anything else a failure of that setting alone. */
async function step(
  report: SetupReport,
  setting: BucketSetting,
  work: () => Promise<StepResult>,
): Promise<StepResult | undefined> {
  try {
    const result = await work();
    record(report, setting, result);
    return result;
  } catch (error) {
    if (isNotImplemented(error)) {
      record(report, setting, { skipped: `the server does not implement it (${describeError(error)})` });
      return undefined;
    }
    report.failed.push({ setting, error: describeError(error) });
    return undefined;
  }
}

function record(report: SetupReport, setting: BucketSetting, result: StepResult): void {
  if (result === 'applied') report.applied.push(setting);
  else if (result === 'unchanged') report.unchanged.push(setting);
  else report.skipped.push({ setting, reason: result.skipped });
}

const MINIMUM_SIZE_NOT_CONFIRMED =
  'the server did not confirm it (no x-amz-transition-default-minimum-object-size in its answer); ' +
  'S3-compatible servers such as Ceph RGW have no 128 KB transition minimum to lift';

/**
 * The lifecycle rules and `TransitionDefaultMinimumObjectSize` travel in one request, but are reported as two
 * settings: a server can take the rules and ignore the minimum-size parameter (RGW does), and the user should see it.
 */
async function applyLifecycle(
  client: S3Client,
  bucket: string,
  policy: BucketPolicy,
  report: SetupReport,
): Promise<void> {
  const wanted = policy.lifecycle;
  const minimumSize = 'transition_default_minimum_object_size' as const;
  let current;
  try {
    current = await readLifecycle(client, bucket);
  } catch (error) {
    report.failed.push({ setting: 'lifecycle', error: describeError(error) });
    report.failed.push({ setting: minimumSize, error: 'not attempted: the lifecycle configuration could not be read' });
    return;
  }
  if (!current.supported) {
    record(report, 'lifecycle', { skipped: current.reason });
    record(report, minimumSize, { skipped: current.reason });
    return;
  }
  const rulesOk = lifecycleRulesMatch(wanted, current.value.rules);
  const reportedSize = current.value.transitionDefaultMinimumObjectSize;
  // A server that does not report the setting cannot be brought to report it by writing again.
  const sizeOk =
    reportedSize === undefined
      ? current.value.rules.length > 0
      : reportedSize === wanted.transitionDefaultMinimumObjectSize;
  if (rulesOk && sizeOk) {
    record(report, 'lifecycle', 'unchanged');
    record(report, minimumSize, reportedSize === undefined ? { skipped: MINIMUM_SIZE_NOT_CONFIRMED } : 'unchanged');
    return;
  }

  const ours = buildLifecycleRules(wanted);
  const kept = keptRules(current.value.rules, wanted.prefixes, ours);
  report.keptLifecycleRules = kept.map((rule) => rule.ID ?? `(no id, prefix "${rulePrefix(rule)}")`);
  try {
    const out = await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [...kept, ...ours] },
        TransitionDefaultMinimumObjectSize: wanted.transitionDefaultMinimumObjectSize,
      }),
    );
    record(report, 'lifecycle', rulesOk ? 'unchanged' : 'applied');
    if (out.TransitionDefaultMinimumObjectSize === wanted.transitionDefaultMinimumObjectSize)
      record(report, minimumSize, 'applied');
    else if (out.TransitionDefaultMinimumObjectSize === undefined)
      record(report, minimumSize, { skipped: MINIMUM_SIZE_NOT_CONFIRMED });
    else {
      report.failed.push({
        setting: minimumSize,
        error: `the server answered ${out.TransitionDefaultMinimumObjectSize}, not ${wanted.transitionDefaultMinimumObjectSize}`,
      });
    }
  } catch (error) {
    if (isNotImplemented(error)) {
      const reason = `the server does not implement it (${describeError(error)})`;
      record(report, 'lifecycle', { skipped: reason });
      record(report, minimumSize, { skipped: reason });
      return;
    }
    report.failed.push({ setting: 'lifecycle', error: describeError(error) });
    report.failed.push({ setting: minimumSize, error: 'not applied: the lifecycle configuration was refused' });
  }
}

/** Rules to keep: those on other prefixes, except stale ones carrying one of our IDs (IDs must be unique). */
function keptRules(
  rules: readonly LifecycleRule[],
  prefixes: readonly string[],
  ours: readonly LifecycleRule[],
): LifecycleRule[] {
  const ourIds = new Set(ours.map((rule) => rule.ID));
  return rules.filter((rule) => !prefixes.includes(rulePrefix(rule)) && !ourIds.has(rule.ID));
}

async function createBucket(client: S3Client, bucket: string): Promise<void> {
  const region = bucketRegion();
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that takes no LocationConstraint (and refuses "us-east-1" as one).
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    throw new UserError(`bucket ${bucket} could not be created: ${describeError(error)}`);
  }
}
