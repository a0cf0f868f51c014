/**
 * Alerts on data quality (issue 14): what a run calls at its end, and what `marketlake alerts retry` calls.
 *
 *   const config = resolveAlertsConfig(configFile.alerts);        // at the start: a bad setting fails early
 *   const report = await queueAndDeliverAlerts(warehouse, results, { config, now, holder: runId });
 *   summary.alerts = report;                                        // failures belong in the run's summary
 *
 * Neither throws once the configuration is resolved: alerting must never fail the run it reports on, so every
 * problem (a sink down, the database refusing the outbox) comes back in `failures`, redacted. With no sink
 * configured a run's call returns zeros at once and touches nothing; a retry then reports the rows still queued
 * for sinks that are no longer configured.
 */
import { randomUUID } from 'node:crypto';
import { messageOf } from '../errors.js';
import type { QualityResult } from '../quality/finding.js';
import { redact, redactDeep } from '../secrets.js';
import type { Warehouse } from '../warehouse/database.js';
import { loadAlertStates, pruneSentAlerts, recordAlertPlan } from '../warehouse/alerts.js';
import type { AlertSink, JsonObject } from '../warehouse/schema.js';
import { hasAlertSinks, type AlertsConfig } from './config.js';
import { deliverAlerts } from './deliver.js';
import { alertFingerprint } from './notification.js';
import { planAlerts } from './plan.js';
import { createSinks, type SinkOverrides } from './sinks.js';

export { resolveAlertsConfig, hasAlertSinks, type AlertsConfig } from './config.js';

export interface AlertsReport {
  /** Outbox rows queued by this call (one per notification per sink). */
  queued: number;
  /** Outbox rows the sinks accepted (this call's, and older ones that were due). */
  sent: number;
  /** Outbox rows still waiting afterwards; null when the database could not say (see failures). */
  pending: number | null;
  /** Redacted, one line per problem. */
  failures: string[];
}

export interface AlertsOptions extends SinkOverrides {
  config: AlertsConfig;
  /** The command's clock. */
  now: Date;
  /** Who holds the rows while they are sent (the run's id); a fresh id when omitted. */
  holder?: string;
  /** A monotonic clock in ms, for the budget (tests). */
  elapsed?: () => number;
}

/** Delivered rows are kept this long (what was sent recently), then pruned at the next queueing. */
const SENT_RETENTION_MS = 30 * 86_400_000;

export const NO_ALERTS: Readonly<AlertsReport> = Object.freeze({ queued: 0, sent: 0, pending: 0, failures: [] });

/**
 * Queues the notifications this run's verdicts call for (see plan.ts) and delivers what is due: this run's and
 * earlier runs' leftovers whose next attempt has come.
 */
export async function queueAndDeliverAlerts(
  warehouse: Warehouse,
  results: readonly QualityResult[],
  options: AlertsOptions,
): Promise<AlertsReport> {
  if (!hasAlertSinks(options.config)) return { ...NO_ALERTS, failures: [] };
  const failures: string[] = [];
  let queued = 0;
  try {
    queued = await queueAlerts(warehouse, results, options);
  } catch (error) {
    failures.push(`alerts not queued: ${messageOf(error)}`);
  }
  const delivered = await deliver(warehouse, options, false);
  return { queued, ...delivered, failures: [...failures, ...delivered.failures].map(redact) };
}

/** Sends every pending notification now, whatever its next attempt time (`marketlake alerts retry`). */
export async function retryAlerts(warehouse: Warehouse, options: AlertsOptions): Promise<AlertsReport> {
  const delivered = await deliver(warehouse, options, true);
  return { queued: 0, ...delivered, failures: delivered.failures.map(redact) };
}

async function queueAlerts(
  warehouse: Warehouse,
  results: readonly QualityResult[],
  options: AlertsOptions,
): Promise<number> {
  const sinks = configuredSinkNames(options.config);
  const db = warehouse.db;
  const states = await loadAlertStates(
    db,
    results.map((result) => alertFingerprint(result.check, result.ticker)),
  );
  const plan = planAlerts(results, states, options.now, options.config.resendIntervalMs);
  const notifications = plan.notifications.flatMap((notification) =>
    sinks.map((sink) => ({
      sink,
      fingerprint: notification.fingerprint,
      status: notification.status,
      // Nothing secret belongs in a notification; redacted all the same, as every text the process stores.
      payload: redactDeep(notification) as unknown as JsonObject,
    })),
  );
  const ids = await recordAlertPlan(db, { states: plan.states, notifications, now: options.now });
  await pruneSentAlerts(db, new Date(options.now.getTime() - SENT_RETENTION_MS));
  return ids.length;
}

async function deliver(
  warehouse: Warehouse,
  options: AlertsOptions,
  ignoreSchedule: boolean,
): Promise<Omit<AlertsReport, 'queued'>> {
  let sinks: ReturnType<typeof createSinks> = new Map();
  try {
    sinks = createSinks(options.config, options);
    return await deliverAlerts(warehouse, {
      sinks,
      now: options.now,
      holder: options.holder ?? `alerts-${randomUUID()}`,
      timeoutMs: options.config.timeoutMs,
      budgetMs: options.config.budgetMs,
      ignoreSchedule,
      ...(options.elapsed ? { elapsed: options.elapsed } : {}),
    });
  } catch (error) {
    return { sent: 0, pending: null, failures: [`alerts not delivered: ${messageOf(error)}`] };
  } finally {
    for (const sink of sinks.values()) sink.close?.();
  }
}

function configuredSinkNames(config: AlertsConfig): AlertSink[] {
  return [
    ...(config.slackWebhookUrl !== undefined ? (['slack'] as const) : []),
    ...(config.alertWebhookUrl !== undefined ? (['alertmanager'] as const) : []),
    ...(config.sns !== undefined ? (['sns'] as const) : []),
  ];
}
