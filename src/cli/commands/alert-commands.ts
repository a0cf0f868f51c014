import type { Command } from 'commander';
import type { ConfigFlags } from '../../config.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { printJson, printTable } from '../output.js';
import { READ_ONLY, withRuntime, withRuntimeOptions } from '../runtime-options.js';
import { commandClock } from '../clock.js';
import { parsePath } from '../options.js';
import { QUALITY_CONFIG_FILE, type QualityFlags, resolveQualityConfig } from '../quality-options.js';

/**
 * `marketlake alerts retry` and `alerts list`: the alert outbox and what is firing (src/alerts). The sinks come
 * from the configuration file's `alerts` section and the environment (MARKETLAKE_SLACK_WEBHOOK_URL,
 * MARKETLAKE_ALERT_WEBHOOK_URL, MARKETLAKE_ALERT_SNS_TOPIC_ARN) over it, as a run reads them; outbox rows name
 * their sink, so a retry sends each row to the sink now configured under that name.
 */
export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('data-quality alerts: their outbox and what is firing');
  withRuntimeOptions(
    alerts
      .command('retry')
      .description('send every pending alert now, whatever its next attempt time (runs send the due ones)')
      .option(
        '--quality-config <file>',
        `the configuration file whose alerts section names the sinks (env MARKETLAKE_QUALITY_CONFIG; default ${QUALITY_CONFIG_FILE} in the home when present)`,
        parsePath,
      )
      .option('--json', 'print {sent, pending, failures}'),
  ).action(async (options: ConfigFlags & QualityFlags & { json?: boolean }) => {
    // Loaded here: a command loads only what it uses (see withRuntime).
    const { resolveAlertsConfig, retryAlerts } = await import('../../alerts/index.js');
    // The sinks of the configuration file's `alerts` section, and the environment's over them, as a run reads them.
    const quality = await resolveQualityConfig(options);
    const config = resolveAlertsConfig(quality === false ? undefined : quality.alerts);
    const now = commandClock()();
    const report = await withRuntime(options, ({ warehouse }) => retryAlerts(warehouse, { config, now }), {
      tolerateUnreachableLake: true,
    });
    if (options.json) {
      printJson({ sent: report.sent, pending: report.pending, failures: report.failures });
    } else {
      process.stdout.write(`alerts: ${report.sent} sent, ${report.pending ?? 'unknown number'} still pending\n`);
      for (const failure of report.failures) process.stderr.write(`  ${failure}\n`);
    }
    process.exitCode = report.failures.length === 0 && report.pending === 0 ? EXIT_OK : EXIT_FAILURE;
  });

  withRuntimeOptions(
    alerts
      .command('list')
      .description('the problems that are firing: what people were last told about each')
      .option('--json', 'print one object per firing alert'),
  ).action(async (options: ConfigFlags & { json?: boolean }) => {
    const { listFiringAlerts } = await import('../../warehouse/alerts.js');
    const firing = await withRuntime(options, ({ warehouse }) => listFiringAlerts(warehouse.db), READ_ONLY);
    const rows = firing.map((state) => ({
      check: state.check,
      ticker: state.ticker,
      market: state.market,
      severity: state.severity,
      observed: state.observed,
      expected: state.expected,
      details: state.details,
      as_of: state.asOf,
      since: state.firstSeenAt.toISOString(),
      last_notified: state.lastQueuedAt.toISOString(),
      fingerprint: state.fingerprint,
    }));
    if (options.json) {
      printJson(rows);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write('no alert is firing\n');
      return;
    }
    printTable([
      ['check', 'ticker', 'market', 'severity', 'observed', 'as of', 'since'],
      ...rows.map((row) => [
        row.check,
        row.ticker,
        row.market,
        row.severity,
        JSON.stringify(row.observed),
        row.as_of ?? '-',
        row.since,
      ]),
    ]);
  });
}
