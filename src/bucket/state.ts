/**
 * Reading a bucket's current settings and putting them in a form that compares with the policy. Shared by
 * `bucket setup` (apply what differs) and `bucket check` (report what differs).
 *
 * "Unsupported" means the server does not implement the setting, which S3-compatible servers may do:
 * - an explicit `NotImplemented` error (HTTP 501), the S3 way of saying so;
 * - Ceph RGW 16 does not know the `?encryption` subresource at all: it answers GET ?encryption as a plain
 *   ListObjects (200) and PUT ?encryption as CreateBucket (400 InvalidArgument). A 200 GetBucketEncryption with no
 *   rule is therefore the sign: AWS S3 never answers 200 without a rule (no configuration is a 404, and since 2023
 *   every bucket has SSE-S3 at least). We then never send the PUT, which that server would take for CreateBucket.
 */
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { UserError } from '../errors.js';
import type { BucketEncryption, BucketPolicy, LifecyclePolicy } from './policy.js';
import { buildLifecycleRules } from './policy.js';

export const BUCKET_SETTINGS = [
  'versioning',
  'lifecycle',
  'transition_default_minimum_object_size',
  'encryption',
  'public_access_block',
] as const;
export type BucketSetting = (typeof BUCKET_SETTINGS)[number];

export type Observed<T> = { supported: true; value: T } | { supported: false; reason: string };

// ---- Errors --------------------------------------------------------------------------------------------------

interface ServiceErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function errorCode(error: unknown): string | undefined {
  const shape = error as ServiceErrorShape | undefined;
  return shape?.Code ?? shape?.name;
}

function httpStatus(error: unknown): number | undefined {
  return (error as ServiceErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** The server's own word that it does not implement an operation. */
export function isNotImplemented(error: unknown): boolean {
  return errorCode(error) === 'NotImplemented' || httpStatus(error) === 501;
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = errorCode(error);
  return code !== undefined && codes.includes(code);
}

/** A one-line description of an SDK error: the S3 error code, the HTTP status and the message when it says more. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error) ?? error.name;
  const status = httpStatus(error);
  // The SDK says "UnknownError" when the server's error body has no message (RGW often sends none).
  const message =
    error.message && error.message !== 'UnknownError' && error.message !== code ? `: ${error.message}` : '';
  return `${code}${status ? ` (HTTP ${status})` : ''}${message}`;
}

const notImplementedReason = (what: string, error: unknown): string =>
  `the server does not implement ${what} (${describeError(error)})`;

// ---- The bucket itself ---------------------------------------------------------------------------------------

/** Fails with a clear message when the bucket is missing or out of reach; returns false only for "missing". */
export async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (hasCode(error, 'NotFound', 'NoSuchBucket') || httpStatus(error) === 404) return false;
    if (httpStatus(error) === 403) {
      throw new UserError(
        `access to bucket ${bucket} is denied (${describeError(error)}): check the AWS credentials and their permissions`,
      );
    }
    if (hasCode(error, 'CredentialsProviderError') || (error as Error)?.name === 'CredentialsProviderError') {
      throw new UserError(`no AWS credentials found for bucket ${bucket}: ${(error as Error).message}`);
    }
    throw new UserError(`bucket ${bucket} cannot be reached: ${describeError(error)}`);
  }
}

// ---- Versioning ----------------------------------------------------------------------------------------------

export type VersioningState = 'Enabled' | 'Suspended' | 'Disabled';

export async function readVersioning(client: S3Client, bucket: string): Promise<Observed<VersioningState>> {
  try {
    const out = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    // No Status at all: versioning was never turned on.
    return { supported: true, value: out.Status === 'Enabled' || out.Status === 'Suspended' ? out.Status : 'Disabled' };
  } catch (error) {
    if (isNotImplemented(error)) return { supported: false, reason: notImplementedReason('bucket versioning', error) };
    throw error;
  }
}

// ---- Lifecycle -----------------------------------------------------------------------------------------------

export interface CurrentLifecycle {
  rules: LifecycleRule[];
  /** undefined: no configuration, or a server that does not report the setting. */
  transitionDefaultMinimumObjectSize?: string;
}

export async function readLifecycle(client: S3Client, bucket: string): Promise<Observed<CurrentLifecycle>> {
  try {
    const out = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    return {
      supported: true,
      value: {
        rules: out.Rules ?? [],
        ...(out.TransitionDefaultMinimumObjectSize
          ? { transitionDefaultMinimumObjectSize: out.TransitionDefaultMinimumObjectSize }
          : {}),
      },
    };
  } catch (error) {
    if (hasCode(error, 'NoSuchLifecycleConfiguration')) return { supported: true, value: { rules: [] } };
    if (isNotImplemented(error))
      return { supported: false, reason: notImplementedReason('lifecycle configuration', error) };
    throw error;
  }
}

/** A lifecycle rule reduced to what the policy decides, so rules from the CLI, Terraform or RGW compare equal. */
export interface RuleSummary {
  prefix: string;
  status: string;
  transitions: { days: number | null; storageClass: string }[];
  noncurrentTransitions: { days: number | null; storageClass: string }[];
  abortIncompleteMultipartUploadDays: number | null;
  /** Anything the policy does not set (expirations, tag or size filters): present means "different". */
  other: string[];
}

/** The key prefix a rule applies to, from `Filter.Prefix`, the legacy top-level `Prefix` or `Filter.And.Prefix`. */
export function rulePrefix(rule: LifecycleRule): string {
  return rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? '';
}

export function summarizeRule(rule: LifecycleRule): RuleSummary {
  const byDays = (a: { days: number | null }, b: { days: number | null }) => (a.days ?? -1) - (b.days ?? -1);
  const other: string[] = [];
  if (rule.Expiration) other.push(`Expiration ${JSON.stringify(rule.Expiration)}`);
  if (rule.NoncurrentVersionExpiration)
    other.push(`NoncurrentVersionExpiration ${JSON.stringify(rule.NoncurrentVersionExpiration)}`);
  const filter = rule.Filter;
  if (filter?.Tag || filter?.And?.Tags?.length) other.push('tag filter');
  if (filter?.ObjectSizeGreaterThan !== undefined || filter?.And?.ObjectSizeGreaterThan !== undefined)
    other.push('ObjectSizeGreaterThan filter');
  if (filter?.ObjectSizeLessThan !== undefined || filter?.And?.ObjectSizeLessThan !== undefined)
    other.push('ObjectSizeLessThan filter');
  for (const transition of rule.Transitions ?? [])
    if (transition.Date) other.push(`transition on a date (${String(transition.Date)})`);
  return {
    prefix: rulePrefix(rule),
    status: rule.Status ?? 'unknown',
    transitions: (rule.Transitions ?? [])
      .map((t) => ({ days: t.Days ?? null, storageClass: t.StorageClass ?? 'unknown' }))
      .sort(byDays),
    noncurrentTransitions: (rule.NoncurrentVersionTransitions ?? [])
      .map((t) => ({ days: t.NoncurrentDays ?? null, storageClass: t.StorageClass ?? 'unknown' }))
      .sort(byDays),
    abortIncompleteMultipartUploadDays: rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation ?? null,
    other,
  };
}

export function expectedRuleSummaries(lifecycle: LifecyclePolicy): RuleSummary[] {
  return buildLifecycleRules(lifecycle).map(summarizeRule);
}

/** The current rules on the policy's prefixes, in the policy's order (a prefix may have 0, 1 or several). */
export function matchingRuleSummaries(lifecycle: LifecyclePolicy, rules: readonly LifecycleRule[]): RuleSummary[] {
  return lifecycle.prefixes.flatMap((prefix) => rules.filter((rule) => rulePrefix(rule) === prefix).map(summarizeRule));
}

export function lifecycleRulesMatch(lifecycle: LifecyclePolicy, rules: readonly LifecycleRule[]): boolean {
  return sameJson(expectedRuleSummaries(lifecycle), matchingRuleSummaries(lifecycle, rules));
}

// ---- Default encryption --------------------------------------------------------------------------------------

export interface EncryptionState {
  algorithm: string;
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

export async function readEncryption(client: S3Client, bucket: string): Promise<Observed<EncryptionState | null>> {
  try {
    const out = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = out.ServerSideEncryptionConfiguration?.Rules?.[0];
    const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    if (!rule || !algorithm) {
      return {
        supported: false,
        reason:
          'the server does not implement default bucket encryption (GetBucketEncryption answered 200 without a rule, which S3 never does)',
      };
    }
    const kmsKeyId = rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
    return {
      supported: true,
      value: {
        algorithm,
        ...(kmsKeyId ? { kmsKeyId } : {}),
        ...(rule.BucketKeyEnabled !== undefined ? { bucketKeyEnabled: rule.BucketKeyEnabled } : {}),
      },
    };
  } catch (error) {
    if (hasCode(error, 'ServerSideEncryptionConfigurationNotFoundError')) return { supported: true, value: null };
    if (isNotImplemented(error))
      return { supported: false, reason: notImplementedReason('default bucket encryption', error) };
    throw error;
  }
}

export function expectedEncryption(encryption: BucketEncryption): EncryptionState {
  return encryption.algorithm === 'AES256'
    ? { algorithm: 'AES256' }
    : { algorithm: 'aws:kms', kmsKeyId: encryption.kmsKeyId, bucketKeyEnabled: true };
}

export function encryptionMatches(encryption: BucketEncryption, current: EncryptionState | null): boolean {
  if (current === null || current.algorithm !== encryption.algorithm) return false;
  // For SSE-S3 the bucket key flag means nothing; for KMS the key and the bucket key both matter.
  if (encryption.algorithm === 'AES256') return true;
  return current.kmsKeyId === encryption.kmsKeyId && current.bucketKeyEnabled === true;
}

// ---- Public access block -------------------------------------------------------------------------------------

export type PublicAccessBlockState = BucketPolicy['publicAccessBlock'];

export async function readPublicAccessBlock(
  client: S3Client,
  bucket: string,
): Promise<Observed<PublicAccessBlockState | null>> {
  try {
    const out = await client.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const pab = out.PublicAccessBlockConfiguration ?? {};
    return {
      supported: true,
      value: {
        BlockPublicAcls: pab.BlockPublicAcls === true,
        IgnorePublicAcls: pab.IgnorePublicAcls === true,
        BlockPublicPolicy: pab.BlockPublicPolicy === true,
        RestrictPublicBuckets: pab.RestrictPublicBuckets === true,
      },
    };
  } catch (error) {
    if (hasCode(error, 'NoSuchPublicAccessBlockConfiguration')) return { supported: true, value: null };
    if (isNotImplemented(error))
      return { supported: false, reason: notImplementedReason('the public access block', error) };
    throw error;
  }
}

// ---- Helpers -------------------------------------------------------------------------------------------------

/** Deep equality for the plain JSON values above (key order is fixed by the builders). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
