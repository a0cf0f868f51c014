/**
 * The lake bucket's policy, defined once: `marketlake bucket setup` applies it, `marketlake bucket check` compares
 * a bucket against it, and the Terraform module (terraform/modules/s3-data-lake) takes the same numbers as its
 * variable defaults — test/terraform/module.test.ts parses the HCL and fails when the two drift apart.
 *
 * - Versioning on: keys are never overwritten (docs/design.md "Keys"), and versioning is the second guard.
 * - Lifecycle for `raw/` and `processed/`: GLACIER at 90 days, DEEP_ARCHIVE at 365 days, the same ages for
 *   noncurrent versions, incomplete multipart uploads aborted after 7 days.
 * - `TransitionDefaultMinimumObjectSize = varies_by_storage_class`: since September 2024 a new lifecycle
 *   configuration does not transition objects under 128 KB unless told otherwise, and every object marketlake
 *   writes is a few KB, so without it the rules above would never move anything. (Whether archiving objects that
 *   small pays off is a cost question: see terraform/modules/s3-data-lake/README.md.)
 * - Default encryption AES256 (SSE-S3), or aws:kms with a customer key; public access blocked on all four counts.
 */
import type {
  BucketLifecycleConfiguration,
  LifecycleRule,
  PublicAccessBlockConfiguration,
  ServerSideEncryptionConfiguration,
  TransitionDefaultMinimumObjectSize,
} from '@aws-sdk/client-s3';

// ---- The numbers (the Terraform module's variable defaults must equal these) -----------------------------------

/** Key prefixes the archive rules cover, relative to the lake's own prefix (`s3://bucket/prefix`). */
export const LIFECYCLE_PREFIXES = ['raw/', 'processed/'] as const;
export const GLACIER_TRANSITION_DAYS = 90;
export const DEEP_ARCHIVE_TRANSITION_DAYS = 365;
export const NONCURRENT_GLACIER_TRANSITION_DAYS = 90;
export const NONCURRENT_DEEP_ARCHIVE_TRANSITION_DAYS = 365;
export const ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS = 7;
export const TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE: TransitionDefaultMinimumObjectSize = 'varies_by_storage_class';
/** Every rule this policy writes has an ID starting with this, so `setup` can tell its rules from others'. */
export const LIFECYCLE_RULE_ID_PREFIX = 'marketlake-';

export const VERSIONING_STATUS = 'Enabled';
export const DEFAULT_SSE_ALGORITHM = 'AES256';
export const PUBLIC_ACCESS_BLOCK: Readonly<Required<PublicAccessBlockConfiguration>> = Object.freeze({
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
});

/** The storage classes the lake archives to; both are "archive" classes that AWS moves small objects into. */
export type ArchiveStorageClass = 'GLACIER' | 'DEEP_ARCHIVE';

export interface TransitionStep {
  days: number;
  storageClass: ArchiveStorageClass;
}

/** Ages in days. On a test server with `rgw lc debug interval = N` one "day" lasts N seconds. */
export interface LifecycleDays {
  glacier: number;
  deepArchive: number;
  noncurrentGlacier: number;
  noncurrentDeepArchive: number;
  abortIncompleteMultipartUpload: number;
}

export const LIFECYCLE_DAYS: Readonly<LifecycleDays> = Object.freeze({
  glacier: GLACIER_TRANSITION_DAYS,
  deepArchive: DEEP_ARCHIVE_TRANSITION_DAYS,
  noncurrentGlacier: NONCURRENT_GLACIER_TRANSITION_DAYS,
  noncurrentDeepArchive: NONCURRENT_DEEP_ARCHIVE_TRANSITION_DAYS,
  abortIncompleteMultipartUpload: ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS,
});

// ---- The policy as one value ---------------------------------------------------------------------------------

export type BucketEncryption = { algorithm: 'AES256' } | { algorithm: 'aws:kms'; kmsKeyId: string };

export interface LifecyclePolicy {
  /** Full key prefixes, the lake prefix included, e.g. `raw/` or `lake/raw/`. */
  prefixes: string[];
  transitions: TransitionStep[];
  noncurrentTransitions: TransitionStep[];
  abortIncompleteMultipartUploadDays: number;
  transitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize;
}

export interface BucketPolicy {
  /** The lake's key prefix ('' or `prefix/`). */
  keyPrefix: string;
  versioning: typeof VERSIONING_STATUS;
  lifecycle: LifecyclePolicy;
  encryption: BucketEncryption;
  publicAccessBlock: Required<PublicAccessBlockConfiguration>;
}

export interface BucketPolicyOptions {
  /** The lake's key prefix inside the bucket (`lake/` for `s3://bucket/lake`); '' or undefined for none. */
  keyPrefix?: string;
  /** A KMS key id or ARN: default encryption becomes aws:kms with that key (and an S3 Bucket Key). */
  kmsKeyId?: string;
  /**
   * The scale option, for tests: ages in days as given, replacing the policy's. A test server with
   * `rgw lc debug interval = 5` turns `{ glacier: 1, deepArchive: 3 }` into 5 s and 15 s.
   */
  days?: Partial<LifecycleDays>;
}

export function bucketPolicy(options: BucketPolicyOptions = {}): BucketPolicy {
  const keyPrefix = normalizeKeyPrefix(options.keyPrefix);
  const days = { ...LIFECYCLE_DAYS, ...options.days };
  validateDays(days);
  const kmsKeyId = options.kmsKeyId?.trim();
  return {
    keyPrefix,
    versioning: VERSIONING_STATUS,
    lifecycle: {
      prefixes: LIFECYCLE_PREFIXES.map((prefix) => `${keyPrefix}${prefix}`),
      transitions: [
        { days: days.glacier, storageClass: 'GLACIER' },
        { days: days.deepArchive, storageClass: 'DEEP_ARCHIVE' },
      ],
      noncurrentTransitions: [
        { days: days.noncurrentGlacier, storageClass: 'GLACIER' },
        { days: days.noncurrentDeepArchive, storageClass: 'DEEP_ARCHIVE' },
      ],
      abortIncompleteMultipartUploadDays: days.abortIncompleteMultipartUpload,
      transitionDefaultMinimumObjectSize: TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE,
    },
    encryption: kmsKeyId ? { algorithm: 'aws:kms', kmsKeyId } : { algorithm: DEFAULT_SSE_ALGORITHM },
    publicAccessBlock: { ...PUBLIC_ACCESS_BLOCK },
  };
}

/** `lake`, `/lake/`, `lake/` -> `lake/`; nothing -> ''. */
export function normalizeKeyPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * The rule ID for a prefix: `marketlake-raw`, `marketlake-lake/raw`. The Terraform module builds the same IDs, so a
 * bucket made by Terraform and one set up by the CLI look alike (the check compares rules by prefix, not by ID).
 */
export function lifecycleRuleId(prefix: string): string {
  return `${LIFECYCLE_RULE_ID_PREFIX}${prefix.replace(/\/+$/, '')}`;
}

function validateDays(days: LifecycleDays): void {
  for (const [name, value] of Object.entries(days)) {
    // S3 takes whole days; 0 would mean "at once", which the lake never wants and RGW's day scaling makes racy.
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`lifecycle ${name} days must be a whole number >= 1 (got ${value})`);
  }
  // A later tier before an earlier one is a configuration S3 refuses; say so before any request.
  if (days.deepArchive <= days.glacier)
    throw new RangeError('lifecycle deepArchive days must be greater than glacier days');
  if (days.noncurrentDeepArchive <= days.noncurrentGlacier) {
    throw new RangeError('lifecycle noncurrentDeepArchive days must be greater than noncurrentGlacier days');
  }
}

// ---- What the SDK takes --------------------------------------------------------------------------------------

/** The rules for the policy's prefixes, in the order of `prefixes`. */
export function buildLifecycleRules(lifecycle: LifecyclePolicy): LifecycleRule[] {
  return lifecycle.prefixes.map((prefix) => ({
    ID: lifecycleRuleId(prefix),
    Status: 'Enabled',
    Filter: { Prefix: prefix },
    Transitions: lifecycle.transitions.map((step) => ({ Days: step.days, StorageClass: step.storageClass })),
    NoncurrentVersionTransitions: lifecycle.noncurrentTransitions.map((step) => ({
      NoncurrentDays: step.days,
      StorageClass: step.storageClass,
    })),
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: lifecycle.abortIncompleteMultipartUploadDays },
  }));
}

/**
 * The exact lifecycle part of a PutBucketLifecycleConfiguration request:
 *   `client.send(new PutBucketLifecycleConfigurationCommand({ Bucket, ...buildLifecycleConfiguration() }))`.
 * `TransitionDefaultMinimumObjectSize` is a request parameter (a header), not part of the XML body.
 */
export function buildLifecycleConfiguration(options: BucketPolicyOptions = {}): {
  LifecycleConfiguration: BucketLifecycleConfiguration;
  TransitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize;
} {
  const { lifecycle } = bucketPolicy(options);
  return {
    LifecycleConfiguration: { Rules: buildLifecycleRules(lifecycle) },
    TransitionDefaultMinimumObjectSize: lifecycle.transitionDefaultMinimumObjectSize,
  };
}

export function buildEncryptionConfiguration(encryption: BucketEncryption): ServerSideEncryptionConfiguration {
  if (encryption.algorithm === 'AES256') {
    return { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };
  }
  // An S3 Bucket Key cuts KMS requests (and their cost) from one per object to about one per bucket and period.
  return {
    Rules: [
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: encryption.kmsKeyId },
        BucketKeyEnabled: true,
      },
    ],
  };
}
