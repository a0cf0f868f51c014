/**
 * Where alerts go and how long their delivery may take: the `alerts` section of the configuration file, with the
 * environment over it (the project's rule is flags > environment > file; there are no flags for alerts).
 *
 *   MARKETLAKE_SLACK_WEBHOOK_URL     a Slack-compatible incoming webhook       (alerts.slack_webhook_url)
 *   MARKETLAKE_ALERT_WEBHOOK_URL     an Alertmanager-compatible webhook        (alerts.alert_webhook_url)
 *   MARKETLAKE_ALERT_SNS_TOPIC_ARN   an Amazon SNS topic; region from the ARN  (alerts.sns_topic_arn)
 *   alerts.resend_interval_hours     a problem still firing unchanged is re-sent after this long (default 24)
 *   alerts.timeout_ms                one request's time limit (default 5000)
 *   alerts.budget_ms                 all requests of one delivery together (default 15000)
 *
 * An empty variable counts as unset, as the other MARKETLAKE_* variables do. Webhook URLs are secrets (Slack's
 * path is its token; a receiver may take user info or a token in the query): they are remembered by
 * src/secrets.ts as soon as they are read, and no message here quotes them.
 */
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { rememberSecret, rememberUrlSecrets } from '../secrets.js';

export const ALERT_ENV = {
  slack: 'MARKETLAKE_SLACK_WEBHOOK_URL',
  alertmanager: 'MARKETLAKE_ALERT_WEBHOOK_URL',
  sns: 'MARKETLAKE_ALERT_SNS_TOPIC_ARN',
} as const;

export const DEFAULT_RESEND_INTERVAL_HOURS = 24;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_BUDGET_MS = 15_000;

export interface AlertsConfig {
  slackWebhookUrl?: string;
  alertWebhookUrl?: string;
  sns?: { topicArn: string; region: string };
  resendIntervalMs: number;
  timeoutMs: number;
  budgetMs: number;
}

const positiveMs = z.number().int().positive().max(600_000);

/** The file's section; unknown keys are refused (a misspelt key would silently turn alerts off). */
const AlertsSection = z.strictObject({
  slack_webhook_url: z.string().optional(),
  alert_webhook_url: z.string().optional(),
  sns_topic_arn: z.string().optional(),
  resend_interval_hours: z
    .number()
    .positive()
    .max(24 * 365)
    .optional(),
  timeout_ms: positiveMs.optional(),
  budget_ms: positiveMs.optional(),
});

/** `arn:aws:sns:REGION:ACCOUNT:TOPIC` (also the aws-cn and aws-us-gov partitions). */
const SNS_TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;

/**
 * The alerts configuration from the file's `alerts` section (any JSON value; undefined when the file has none)
 * and the environment. Throws a ConfigError naming the key or variable that is wrong.
 */
export function resolveAlertsConfig(section: unknown, env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const parsed = AlertsSection.safeParse(section ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : undefined;
      if (issue.code === 'unrecognized_keys') return `unknown key(s) alerts.${issue.keys.join(', alerts.')}`;
      return where === undefined
        ? `the alerts section must be an object (${issue.message})`
        : `alerts.${where}: ${issue.message}`;
    });
    throw new ConfigError(`configuration file: ${problems.join('; ')}`);
  }
  const file = parsed.data;
  const slack = pick(env[ALERT_ENV.slack], file.slack_webhook_url);
  const webhook = pick(env[ALERT_ENV.alertmanager], file.alert_webhook_url);
  const arn = pick(env[ALERT_ENV.sns], file.sns_topic_arn);
  if (slack !== undefined) checkWebhookUrl(slack.value, slack.fromEnv ? ALERT_ENV.slack : 'alerts.slack_webhook_url');
  if (webhook !== undefined)
    checkWebhookUrl(webhook.value, webhook.fromEnv ? ALERT_ENV.alertmanager : 'alerts.alert_webhook_url');
  return {
    ...(slack ? { slackWebhookUrl: slack.value } : {}),
    ...(webhook ? { alertWebhookUrl: webhook.value } : {}),
    ...(arn ? { sns: parseTopicArn(arn.value, arn.fromEnv ? ALERT_ENV.sns : 'alerts.sns_topic_arn') } : {}),
    resendIntervalMs: (file.resend_interval_hours ?? DEFAULT_RESEND_INTERVAL_HOURS) * 3_600_000,
    timeoutMs: file.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    budgetMs: file.budget_ms ?? DEFAULT_BUDGET_MS,
  };
}

/** Whether any sink is configured: without one, alerting is off and touches nothing. */
export function hasAlertSinks(config: AlertsConfig): boolean {
  return config.slackWebhookUrl !== undefined || config.alertWebhookUrl !== undefined || config.sns !== undefined;
}

function pick(fromEnv: string | undefined, fromFile: string | undefined) {
  const envValue = fromEnv?.trim();
  if (envValue) return { value: envValue, fromEnv: true };
  const fileValue = fromFile?.trim();
  return fileValue ? { value: fileValue, fromEnv: false } : undefined;
}

/**
 * Remembers the URL's secrets, then checks it is http(s). The message names where the URL came from and never
 * quotes it: before it parses, there is no telling which part of it is the secret.
 */
function checkWebhookUrl(url: string, where: string): void {
  rememberWebhookSecrets(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${where} must be an http(s) URL (the value is not shown: it may hold a secret)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${where} must be an http(s) URL (got a ${parsed.protocol} URL)`);
  }
}

/**
 * A webhook URL's secrets: its password (src/secrets.ts finds it by form), and its path and query as a whole
 * (a Slack webhook's path is its token; other receivers put one in the path or the query).
 */
export function rememberWebhookSecrets(url: string): void {
  rememberUrlSecrets(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: the whole value stays secret.
    rememberSecret(url);
    return;
  }
  if (parsed.pathname !== '/' || parsed.search !== '') rememberSecret(`${parsed.pathname}${parsed.search}`);
  // A receiver may echo a token alone: path segments that look like one (a digit in them: not `services`,
  // `alerts` or `webhook`, which would blank ordinary words out of every message), and every query value.
  for (const segment of parsed.pathname.split('/')) if (/\d/.test(segment)) rememberSecret(segment);
  for (const value of parsed.searchParams.values()) rememberSecret(value);
}

function parseTopicArn(arn: string, where: string): { topicArn: string; region: string } {
  const match = SNS_TOPIC_ARN.exec(arn);
  if (!match) {
    throw new ConfigError(
      `${where} must be an SNS topic ARN, arn:aws:sns:REGION:ACCOUNT_ID:TOPIC (got ${JSON.stringify(arn)})`,
    );
  }
  // A FIFO topic needs a MessageGroupId on every Publish; alerts are not ordered messages.
  if (arn.endsWith('.fifo')) throw new ConfigError(`${where}: FIFO topics are not supported for alerts (${arn})`);
  return { topicArn: arn, region: match[1] };
}
