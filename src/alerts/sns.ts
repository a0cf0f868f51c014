/**
 * Amazon SNS: one Publish per group of alerts that share status, severity and market, with those three as
 * message attributes, so that a subscription's filter policy (`{"severity": ["error"]}`, `{"market": ["US"]}`)
 * selects exactly the alerts it wants. The message is plain text (e-mail and SMS subscribers read it as it is);
 * a group is split to keep each message far under SNS's 256 KB.
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { Batch, SendOutcome } from './outcome.js';
import { type Notification, shorten, showValue } from './notification.js';

export const MAX_ALERTS_PER_MESSAGE = 50;
const MAX_DETAILS = 1000;

export function snsBatches(
  topicArn: string,
  items: readonly { id: number; notification: Notification }[],
): Batch<PublishCommandInput>[] {
  const groups = new Map<string, { id: number; notification: Notification }[]>();
  for (const item of items) {
    const { status, severity, market } = item.notification;
    const key = `${status}\n${severity}\n${market}`;
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  const batches: Batch<PublishCommandInput>[] = [];
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += MAX_ALERTS_PER_MESSAGE) {
      const chunk = group.slice(start, start + MAX_ALERTS_PER_MESSAGE);
      batches.push({
        ids: chunk.map((item) => item.id),
        body: publishInput(
          topicArn,
          chunk.map((i) => i.notification),
        ),
      });
    }
  }
  return batches;
}

/** The Publish request of alerts of one status, severity and market. */
export function publishInput(topicArn: string, notifications: readonly Notification[]): PublishCommandInput {
  const { status, severity, market } = notifications[0];
  const what = status === 'resolved' ? 'resolved' : `firing ${severity}`;
  const plural = notifications.length === 1 ? '' : 's';
  return {
    TopicArn: topicArn,
    // SNS subjects: ASCII, at most 100 characters; market codes are short ASCII.
    Subject: `marketlake data quality: ${notifications.length} ${what} alert${plural} (${market})`.slice(0, 100),
    Message: notifications.map(lineOf).join('\n\n'),
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: severity },
      market: { DataType: 'String', StringValue: market },
      status: { DataType: 'String', StringValue: status },
    },
  };
}

function lineOf(n: Notification): string {
  const head =
    n.status === 'resolved'
      ? `RESOLVED ${n.check} on ${n.ticker} (${n.market})`
      : `${n.severity.toUpperCase()}${n.reason === 'new' ? '' : ` (${n.reason})`} ${n.check} on ${n.ticker} (${n.market})`;
  const asOf = n.as_of === null ? '' : `, as of ${n.as_of}`;
  const lines = [head];
  if (n.details !== '') lines.push(shorten(n.details, MAX_DETAILS));
  lines.push(`observed ${showValue(n.observed)}, expected ${showValue(n.expected)}${asOf}`);
  return lines.join('\n');
}

/** Publishes one batch; the SDK's own retries are off (see deliver.ts: the outbox retries, within a budget). */
export async function publish(client: SNSClient, input: PublishCommandInput, timeoutMs: number): Promise<SendOutcome> {
  const abortSignal = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)));
  try {
    await client.send(new PublishCommand(input), { abortSignal });
    return { ok: true };
  } catch (error) {
    if (abortSignal.aborted) return { ok: false, error: `no answer within ${Math.floor(timeoutMs)} ms` };
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `${status === undefined ? '' : `HTTP ${status} `}${name}: ${message}` };
  }
}
