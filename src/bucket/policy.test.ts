import { describe, expect, it } from 'vitest';
import {
  ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS,
  DEEP_ARCHIVE_TRANSITION_DAYS,
  GLACIER_TRANSITION_DAYS,
  LIFECYCLE_PREFIXES,
  NONCURRENT_DEEP_ARCHIVE_TRANSITION_DAYS,
  NONCURRENT_GLACIER_TRANSITION_DAYS,
  PUBLIC_ACCESS_BLOCK,
  TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE,
  bucketPolicy,
  buildEncryptionConfiguration,
  buildLifecycleConfiguration,
  lifecycleRuleId,
  normalizeKeyPrefix,
} from './policy.js';
import {
  encryptionMatches,
  expectedRuleSummaries,
  lifecycleRulesMatch,
  matchingRuleSummaries,
  summarizeRule,
} from './state.js';

describe('bucket policy numbers', () => {
  it('archives to GLACIER at 90 days and DEEP_ARCHIVE at 365, noncurrent versions alike, multipart aborted at 7', () => {
    expect([GLACIER_TRANSITION_DAYS, DEEP_ARCHIVE_TRANSITION_DAYS]).toEqual([90, 365]);
    expect([NONCURRENT_GLACIER_TRANSITION_DAYS, NONCURRENT_DEEP_ARCHIVE_TRANSITION_DAYS]).toEqual([90, 365]);
    expect(ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS).toBe(7);
    expect(LIFECYCLE_PREFIXES).toEqual(['raw/', 'processed/']);
    // Every lake object is a few KB: under the post-2024 default (all_storage_classes_128K) none would ever move.
    expect(TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE).toBe('varies_by_storage_class');
    expect(PUBLIC_ACCESS_BLOCK).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
  });
});

describe('buildLifecycleConfiguration', () => {
  it('builds the exact SDK request part', () => {
    const rule = (prefix: string) => ({
      ID: `marketlake-${prefix.slice(0, -1)}`,
      Status: 'Enabled',
      Filter: { Prefix: prefix },
      Transitions: [
        { Days: 90, StorageClass: 'GLACIER' },
        { Days: 365, StorageClass: 'DEEP_ARCHIVE' },
      ],
      NoncurrentVersionTransitions: [
        { NoncurrentDays: 90, StorageClass: 'GLACIER' },
        { NoncurrentDays: 365, StorageClass: 'DEEP_ARCHIVE' },
      ],
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect(buildLifecycleConfiguration()).toEqual({
      LifecycleConfiguration: { Rules: [rule('raw/'), rule('processed/')] },
      TransitionDefaultMinimumObjectSize: 'varies_by_storage_class',
    });
  });

  it('puts the lake prefix in front of the rule prefixes and IDs', () => {
    const rules = buildLifecycleConfiguration({ keyPrefix: '/lake/' }).LifecycleConfiguration.Rules!;
    expect(rules.map((r) => [r.ID, r.Filter?.Prefix])).toEqual([
      ['marketlake-lake/raw', 'lake/raw/'],
      ['marketlake-lake/processed', 'lake/processed/'],
    ]);
    expect(lifecycleRuleId('raw/')).toBe('marketlake-raw');
    expect(normalizeKeyPrefix(undefined)).toBe('');
    expect(normalizeKeyPrefix('a/b')).toBe('a/b/');
  });

  it('takes days as given for tests (one RGW "day" is `rgw lc debug interval` seconds)', () => {
    const { LifecycleConfiguration } = buildLifecycleConfiguration({
      days: {
        glacier: 1,
        deepArchive: 3,
        noncurrentGlacier: 1,
        noncurrentDeepArchive: 3,
        abortIncompleteMultipartUpload: 1,
      },
    });
    const [raw] = LifecycleConfiguration.Rules!;
    expect(raw.Transitions).toEqual([
      { Days: 1, StorageClass: 'GLACIER' },
      { Days: 3, StorageClass: 'DEEP_ARCHIVE' },
    ]);
    expect(raw.NoncurrentVersionTransitions?.map((t) => t.NoncurrentDays)).toEqual([1, 3]);
    expect(raw.AbortIncompleteMultipartUpload).toEqual({ DaysAfterInitiation: 1 });
  });

  it('refuses days that S3 would refuse, before any request', () => {
    expect(() => buildLifecycleConfiguration({ days: { glacier: 0 } })).toThrow(/whole number >= 1/);
    expect(() => buildLifecycleConfiguration({ days: { glacier: 1.5 } })).toThrow(/whole number/);
    expect(() => buildLifecycleConfiguration({ days: { glacier: 400 } })).toThrow(/deepArchive days must be greater/);
    expect(() => buildLifecycleConfiguration({ days: { noncurrentDeepArchive: 90 } })).toThrow(/noncurrentDeepArchive/);
  });
});

describe('encryption', () => {
  it('is AES256 by default and aws:kms with a bucket key when a key is given', () => {
    expect(bucketPolicy().encryption).toEqual({ algorithm: 'AES256' });
    expect(buildEncryptionConfiguration(bucketPolicy().encryption)).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    const kms = bucketPolicy({ kmsKeyId: ' arn:aws:kms:eu-west-1:111122223333:key/k ' }).encryption;
    expect(buildEncryptionConfiguration(kms)).toEqual({
      Rules: [
        {
          ApplyServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/k',
          },
          BucketKeyEnabled: true,
        },
      ],
    });
  });

  it('compares the key and the bucket key only for KMS', () => {
    const aes = bucketPolicy().encryption;
    expect(encryptionMatches(aes, { algorithm: 'AES256', bucketKeyEnabled: false })).toBe(true);
    expect(encryptionMatches(aes, null)).toBe(false);
    expect(encryptionMatches(aes, { algorithm: 'aws:kms', kmsKeyId: 'k' })).toBe(false);
    const kms = bucketPolicy({ kmsKeyId: 'k' }).encryption;
    expect(encryptionMatches(kms, { algorithm: 'aws:kms', kmsKeyId: 'k', bucketKeyEnabled: true })).toBe(true);
    expect(encryptionMatches(kms, { algorithm: 'aws:kms', kmsKeyId: 'other', bucketKeyEnabled: true })).toBe(false);
    expect(encryptionMatches(kms, { algorithm: 'aws:kms', kmsKeyId: 'k', bucketKeyEnabled: false })).toBe(false);
  });
});

describe('lifecycle comparison', () => {
  const lifecycle = bucketPolicy().lifecycle;

  it('matches rules whatever their ID and the order the server lists transitions in', () => {
    // RGW lists transitions newest tier first and Terraform may name rules differently: neither is drift.
    const fromServer = buildLifecycleConfiguration().LifecycleConfiguration.Rules!.map((rule) => ({
      ...rule,
      ID: `tf-${rule.ID}`,
      Transitions: [...rule.Transitions!].reverse(),
      NoncurrentVersionTransitions: [...rule.NoncurrentVersionTransitions!].reverse(),
    }));
    expect(lifecycleRulesMatch(lifecycle, fromServer)).toBe(true);
    // Rules on other prefixes are not compared.
    expect(
      lifecycleRulesMatch(lifecycle, [...fromServer, { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' } }]),
    ).toBe(true);
  });

  it('sees changed days, a missing rule, a disabled rule, an extra expiration, a legacy prefix rule', () => {
    const ours = buildLifecycleConfiguration().LifecycleConfiguration.Rules!;
    const [raw, processed] = ours;
    expect(lifecycleRulesMatch(lifecycle, [raw])).toBe(false);
    expect(lifecycleRulesMatch(lifecycle, [{ ...raw, Status: 'Disabled' }, processed])).toBe(false);
    expect(
      lifecycleRulesMatch(lifecycle, [raw, { ...processed, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] }]),
    ).toBe(false);
    expect(lifecycleRulesMatch(lifecycle, [raw, { ...processed, Expiration: { Days: 400 } }])).toBe(false);
    // The deprecated top-level Prefix still names the prefix the rule covers.
    const legacy = { ...raw, Filter: undefined, Prefix: 'raw/' };
    expect(summarizeRule(legacy).prefix).toBe('raw/');
    expect(lifecycleRulesMatch(lifecycle, [legacy, processed])).toBe(true);
    // Two rules on one prefix: reported, and drift.
    expect(matchingRuleSummaries(lifecycle, [raw, raw, processed])).toHaveLength(3);
    expect(expectedRuleSummaries(lifecycle)).toHaveLength(2);
  });
});
