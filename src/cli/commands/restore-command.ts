import { type Command, InvalidArgumentError } from 'commander';
import type { ConfigFlags } from '../../config.js';
import { UserError } from '../../errors.js';
import { DEFAULT_RESTORE_DAYS, DEFAULT_RESTORE_TIER, RESTORE_TIERS, type RestoreTier } from '../../storage/archived.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { printJson } from '../output.js';
import { READ_ONLY, withRuntime, withRuntimeOptions } from '../runtime-options.js';
import { quote } from '../../quote.js';

interface RestoreCommandOptions extends ConfigFlags {
  days: number;
  tier: RestoreTier;
  json?: boolean;
}

function parseDays(value: string): number {
  const days = Number(value);
  // S3 takes whole days; more than ten years is a typo, not a plan.
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(days) || days < 1 || days > 3650) {
    throw new InvalidArgumentError(`${quote(value)} is not a number of days (1..3650)`);
  }
  return days;
}

function parseTier(value: string): RestoreTier {
  const tier = RESTORE_TIERS.find((t) => t.toLowerCase() === value.toLowerCase());
  if (tier === undefined)
    throw new InvalidArgumentError(`unknown tier ${quote(value)} (one of ${RESTORE_TIERS.join(', ')})`);
  return tier;
}

/**
 * `marketlake restore KEY... [--days N] [--tier Standard|Bulk] [--json]`: makes archived lake objects readable
 * again (S3 RestoreObject), as the error on reading one (ObjectArchivedError) tells the user to do. Exit code 1
 * when any key failed.
 */
export function registerRestoreCommand(program: Command): void {
  withRuntimeOptions(
    program
      .command('restore')
      .description('restore archived lake objects (S3 GLACIER / DEEP_ARCHIVE) so that they can be read again')
      .argument('<key...>', 'object keys, e.g. raw/yfinance/NVDA/2024-01-05/20240105_210000.json')
      .option('--days <n>', 'how many days the restored copy stays readable', parseDays, DEFAULT_RESTORE_DAYS)
      .option(
        '--tier <tier>',
        `retrieval tier: ${RESTORE_TIERS.join(' or ')} (Bulk is cheaper and slower)`,
        parseTier,
        DEFAULT_RESTORE_TIER,
      )
      .option('--json', 'print an array of {key, state, storage_class, expires_at, error}'),
  ).action(async (keys: string[], options: RestoreCommandOptions) => {
    await withRuntime(
      options,
      async ({ store }) => {
        // Loaded here, not at the top: the AWS SDK takes ~200 ms to import, which no other command should pay.
        const { S3ObjectStore } = await import('../../storage/s3/s3-object-store.js');
        const { describeRestoreReport, restoreKeys } = await import('../../storage/s3/restore.js');
        if (!(store instanceof S3ObjectStore)) {
          throw new UserError(
            `restore applies to S3 lakes; file lakes are never archived (this lake is ${store.description})`,
          );
        }
        const settings = { days: options.days, tier: options.tier };
        const reports = await restoreKeys(store, keys, {
          ...settings,
          // Progress as it happens: restoring many keys takes a request or two each.
          onReport: options.json
            ? undefined
            : (report) => process.stdout.write(`${describeRestoreReport(report, settings)}\n`),
        });
        if (options.json) {
          printJson(
            reports.map((r) => ({
              key: r.key,
              state: r.state,
              storage_class: r.storageClass ?? null,
              expires_at: r.expiresAt?.toISOString() ?? null,
              ...(r.error === undefined ? {} : { error: r.error }),
            })),
          );
        }
        process.exitCode = reports.some((r) => r.state === 'failed') ? EXIT_FAILURE : EXIT_OK;
      },
      READ_ONLY,
    );
  });
}
