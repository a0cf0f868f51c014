/** The configured sinks, each able to batch notifications and send one batch within a time limit. */
import { SNSClient } from '@aws-sdk/client-sns';
import type { AlertSink } from '../warehouse/schema.js';
import type { AlertsConfig } from './config.js';
import { alertmanagerBatches } from './alertmanager.js';
import { postJson, webhookTarget } from './http.js';
import type { Notification } from './notification.js';
import type { Batch, SendOutcome } from './outcome.js';
import { slackBatches } from './slack.js';
import { publish, snsBatches } from './sns.js';
import type { PublishCommandInput } from '@aws-sdk/client-sns';

export interface Sink {
  name: AlertSink;
  /** Pure: the requests that carry these notifications, in order. */
  batches(items: readonly { id: number; notification: Notification }[]): Batch[];
  send(body: unknown, timeoutMs: number): Promise<SendOutcome>;
  /** Frees what the sink opened (the SNS client it made); called once the delivery is over. */
  close?(): void;
}

export interface SinkOverrides {
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
  /** Replaces the SNS client made from the topic's region (tests point one at a local server). */
  snsClient?: SNSClient;
}

/** The sinks the configuration names, in a fixed order. */
export function createSinks(config: AlertsConfig, overrides: SinkOverrides = {}): Map<AlertSink, Sink> {
  const sinks = new Map<AlertSink, Sink>();
  const send = overrides.fetch ?? fetch;
  if (config.slackWebhookUrl !== undefined) {
    const target = webhookTarget(config.slackWebhookUrl);
    sinks.set('slack', {
      name: 'slack',
      batches: slackBatches,
      send: (body, timeoutMs) => postJson(send, target, body, timeoutMs),
    });
  }
  if (config.alertWebhookUrl !== undefined) {
    const target = webhookTarget(config.alertWebhookUrl);
    sinks.set('alertmanager', {
      name: 'alertmanager',
      batches: alertmanagerBatches,
      send: (body, timeoutMs) => postJson(send, target, body, timeoutMs),
    });
  }
  if (config.sns !== undefined) {
    const { topicArn, region } = config.sns;
    // One attempt per request: the outbox retries, on later runs, within the run's budget.
    const client = overrides.snsClient ?? new SNSClient({ region, maxAttempts: 1 });
    sinks.set('sns', {
      name: 'sns',
      batches: (items) => snsBatches(topicArn, items),
      send: (body, timeoutMs) => publish(client, body as PublishCommandInput, timeoutMs),
      // A client given by the caller is the caller's to close.
      ...(overrides.snsClient === undefined ? { close: () => client.destroy() } : {}),
    });
  }
  return sinks;
}

/** Which setting configures a sink, for messages about a sink that is not configured. */
export const SINK_SETTINGS: Record<AlertSink, string> = {
  slack: 'MARKETLAKE_SLACK_WEBHOOK_URL or alerts.slack_webhook_url',
  alertmanager: 'MARKETLAKE_ALERT_WEBHOOK_URL or alerts.alert_webhook_url',
  sns: 'MARKETLAKE_ALERT_SNS_TOPIC_ARN or alerts.sns_topic_arn',
};
