import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { UserError } from '../errors.js';
import type { LakeLocation } from '../config.js';

export interface BucketTarget {
  bucket: string;
  /** The lake's key prefix inside the bucket ('' or `prefix/`). */
  prefix: string;
  endpoint?: string;
}

/** The bucket commands only make sense for an S3 lake; a file lake has no bucket to configure. */
export function bucketTarget(lake: LakeLocation): BucketTarget {
  if (lake.kind !== 's3') {
    throw new UserError(
      `the bucket commands need an S3 lake (--lake s3://bucket[/prefix], or MARKETLAKE_LAKE / DATA_LAKE_BUCKET); the lake is ${lake.path}`,
    );
  }
  return { bucket: lake.bucket, prefix: lake.prefix, ...(lake.endpoint ? { endpoint: lake.endpoint } : {}) };
}

export function bucketRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
}

/**
 * A client for bucket administration. Credentials come from the SDK's default chain (env, profile, SSO, instance
 * role); `extra` lets tests pass fixed ones.
 */
export function createBucketClient(
  target: Pick<BucketTarget, 'endpoint'>,
  extra: Partial<S3ClientConfig> = {},
): S3Client {
  return new S3Client({
    region: bucketRegion(),
    // S3-compatible servers (RGW, MinIO) on one host name have no per-bucket DNS names.
    ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
    // Recent SDKs add CRC checksums (and aws-chunked bodies) to every request; servers such as RGW 16 refuse those.
    // Operations whose API requires a checksum still get one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A bucket in another region than AWS_REGION answers 301; follow it rather than report "cannot be reached".
    followRegionRedirects: true,
    ...extra,
  });
}
