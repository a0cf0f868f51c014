/**
 * `marketlake bucket check`: reads the bucket's configuration and reports, setting by setting, whether it matches
 * the policy (policy.ts). Nothing is written.
 *
 * - ok: matches;
 * - different: drift, with what the policy expects and what the bucket has (null: not configured at all);
 * - unsupported: the server does not implement the setting (an S3-compatible server), which is not drift.
 * Lifecycle rules on other prefixes are not the lake's business and are not compared.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { UserError } from '../errors.js';
import type { BucketPolicy } from './policy.js';
import {
  bucketExists,
  encryptionMatches,
  expectedEncryption,
  expectedRuleSummaries,
  matchingRuleSummaries,
  readEncryption,
  readLifecycle,
  readPublicAccessBlock,
  readVersioning,
  sameJson,
  type BucketSetting,
  type Observed,
} from './state.js';

export type CheckStatus = 'ok' | 'different' | 'unsupported';

export interface SettingCheck {
  setting: BucketSetting;
  status: CheckStatus;
  expected: unknown;
  /** Present unless unsupported; null when the bucket has no such configuration. */
  actual?: unknown;
  /** Why a setting is unsupported, or a hint about a difference. */
  reason?: string;
}

export interface CheckReport {
  bucket: string;
  /** True when at least one setting is `different`. */
  drift: boolean;
  settings: SettingCheck[];
}

export async function checkBucket(client: S3Client, bucket: string, policy: BucketPolicy): Promise<CheckReport> {
  if (!(await bucketExists(client, bucket))) throw new UserError(`bucket ${bucket} does not exist`);
  const settings: SettingCheck[] = [];

  const versioning = await readVersioning(client, bucket);
  settings.push(compare('versioning', policy.versioning, versioning, (actual) => actual === policy.versioning));

  const lifecycle = await readLifecycle(client, bucket);
  const expectedRules = expectedRuleSummaries(policy.lifecycle);
  if (!lifecycle.supported) {
    settings.push({ setting: 'lifecycle', status: 'unsupported', expected: expectedRules, reason: lifecycle.reason });
    settings.push({
      setting: 'transition_default_minimum_object_size',
      status: 'unsupported',
      expected: policy.lifecycle.transitionDefaultMinimumObjectSize,
      reason: lifecycle.reason,
    });
  } else {
    const actualRules = matchingRuleSummaries(policy.lifecycle, lifecycle.value.rules);
    settings.push({
      setting: 'lifecycle',
      status: sameJson(expectedRules, actualRules) ? 'ok' : 'different',
      expected: expectedRules,
      actual: actualRules,
    });
    const expectedSize = policy.lifecycle.transitionDefaultMinimumObjectSize;
    const reportedSize = lifecycle.value.transitionDefaultMinimumObjectSize;
    if (reportedSize === undefined && lifecycle.value.rules.length > 0) {
      // AWS S3 reports it with every lifecycle configuration; a server that has rules but no such answer lacks it.
      settings.push({
        setting: 'transition_default_minimum_object_size',
        status: 'unsupported',
        expected: expectedSize,
        reason: 'the server does not report it (no x-amz-transition-default-minimum-object-size header)',
      });
    } else {
      settings.push({
        setting: 'transition_default_minimum_object_size',
        status: reportedSize === expectedSize ? 'ok' : 'different',
        expected: expectedSize,
        actual: reportedSize ?? null,
        ...(reportedSize === 'all_storage_classes_128K'
          ? { reason: 'objects under 128 KB (every lake object) will never be archived' }
          : {}),
      });
    }
  }

  const encryption = await readEncryption(client, bucket);
  settings.push(
    compare('encryption', expectedEncryption(policy.encryption), encryption, (actual) =>
      encryptionMatches(policy.encryption, actual),
    ),
  );

  const publicAccess = await readPublicAccessBlock(client, bucket);
  const publicAccessCheck = compare('public_access_block', policy.publicAccessBlock, publicAccess, (actual) =>
    sameJson(actual, policy.publicAccessBlock),
  );
  if (
    publicAccessCheck.status === 'different' &&
    sameJson(publicAccessCheck.actual, { ...policy.publicAccessBlock, BlockPublicAcls: false })
  ) {
    // What setup leaves on a server that denies every write with BlockPublicAcls on (see setup.ts); still drift.
    publicAccessCheck.reason =
      "only BlockPublicAcls is off, as setup leaves it on servers (Ceph RGW) that then deny the owner's own writes";
  }
  settings.push(publicAccessCheck);

  return { bucket, drift: settings.some((s) => s.status === 'different'), settings };
}

function compare<T>(
  setting: BucketSetting,
  expected: unknown,
  observed: Observed<T>,
  matches: (actual: T) => boolean,
): SettingCheck {
  if (!observed.supported) return { setting, status: 'unsupported', expected, reason: observed.reason };
  return { setting, status: matches(observed.value) ? 'ok' : 'different', expected, actual: observed.value };
}
