import type { Command } from 'commander';
import { resolveConfig, type ConfigFlags } from '../../config.js';
import type { CheckReport } from '../../bucket/check.js';
import type { BucketPolicy } from '../../bucket/policy.js';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SetupReport } from '../../bucket/setup.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { printJson } from '../output.js';
import { withRuntimeOptions } from '../runtime-options.js';

interface BucketOptions extends ConfigFlags {
  kmsKeyId?: string;
  create?: boolean;
  json?: boolean;
}

/** `marketlake bucket setup|check`: the S3 bucket's versioning, lifecycle, encryption and public access block. */
export function registerBucketCommands(program: Command): void {
  const bucket = program
    .command('bucket')
    .description(
      'apply or check the S3 bucket policy (versioning, archive lifecycle, encryption, public access block)',
    );

  withRuntimeOptions(
    bucket
      .command('setup')
      .description(
        'apply the bucket policy where it differs; settings the server does not implement are skipped and reported',
      )
      .option('--kms-key-id <id>', 'default encryption aws:kms with this key id or ARN (default: AES256)')
      .option('--create', 'create the bucket when it does not exist')
      .option('--json', 'print {applied, skipped: [{setting, reason}], unchanged, failed: [{setting, error}]}'),
  ).action((options: BucketOptions) =>
    withBucket(options, async (client, bucketName, policy) => {
      const { setupBucket } = await import('../../bucket/setup.js');
      const report = await setupBucket(client, bucketName, policy, { create: options.create === true });
      if (options.json) {
        printJson({
          bucket: report.bucket,
          created: report.created,
          applied: report.applied,
          skipped: report.skipped,
          unchanged: report.unchanged,
          failed: report.failed,
          kept_lifecycle_rules: report.keptLifecycleRules,
        });
      } else {
        process.stdout.write(formatSetup(report));
      }
      if (report.failed.length > 0) process.exitCode = EXIT_FAILURE;
    }),
  );

  withRuntimeOptions(
    bucket
      .command('check')
      .description(
        'compare the bucket with the policy: each setting ok, different (expected vs actual) or unsupported; exit 1 on drift',
      )
      .option('--kms-key-id <id>', 'expect default encryption aws:kms with this key id or ARN (default: AES256)')
      .option('--json', 'print {bucket, drift, settings: [{setting, status, expected, actual, reason}]}'),
  ).action((options: BucketOptions) =>
    withBucket(options, async (client, bucketName, policy) => {
      const { checkBucket } = await import('../../bucket/check.js');
      const report = await checkBucket(client, bucketName, policy);
      if (options.json) printJson(report);
      else process.stdout.write(formatCheck(report));
      if (report.drift) process.exitCode = EXIT_FAILURE;
    }),
  );
}

/** The bucket the options name, a client for it (destroyed after `work`), and the policy the options ask for. */
async function withBucket(
  options: BucketOptions,
  work: (client: S3Client, bucketName: string, policy: BucketPolicy) => Promise<void>,
): Promise<void> {
  // The AWS SDK loads only for the bucket commands that use it (a command loads only what it uses).
  const [{ bucketTarget, createBucketClient }, { bucketPolicy }] = await Promise.all([
    import('../../bucket/client.js'),
    import('../../bucket/policy.js'),
  ]);
  const target = bucketTarget(resolveConfig(options).lake);
  const client = createBucketClient(target);
  try {
    const policy = bucketPolicy({
      keyPrefix: target.prefix,
      ...(options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {}),
    });
    await work(client, target.bucket, policy);
  } finally {
    client.destroy();
  }
}

function formatSetup(report: SetupReport): string {
  const lines = [`bucket ${report.bucket}${report.created ? ' (created)' : ''}`];
  for (const setting of report.applied) lines.push(`  applied    ${setting}`);
  for (const setting of report.unchanged) lines.push(`  unchanged  ${setting}`);
  for (const { setting, reason } of report.skipped) lines.push(`  skipped    ${setting}: ${reason}`);
  for (const { setting, error } of report.failed) lines.push(`  FAILED     ${setting}: ${error}`);
  if (report.keptLifecycleRules.length > 0)
    lines.push(`  kept the lifecycle rules of other prefixes: ${report.keptLifecycleRules.join(', ')}`);
  return lines.join('\n') + '\n';
}

function formatCheck(report: CheckReport): string {
  const lines = [`bucket ${report.bucket}: ${report.drift ? 'DRIFT from the policy' : 'matches the policy'}`];
  for (const s of report.settings) {
    const label = s.status === 'different' ? 'DIFFERENT' : s.status;
    lines.push(`  ${label.padEnd(11)} ${s.setting}${s.reason ? `: ${s.reason}` : ''}`);
    if (s.status === 'different') {
      lines.push(`      expected ${JSON.stringify(s.expected)}`);
      lines.push(`      actual   ${JSON.stringify(s.actual)}`);
    }
  }
  return lines.join('\n') + '\n';
}
