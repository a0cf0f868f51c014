/**
 * Slack-compatible incoming webhooks: one message per batch, a `text` (what notifications and clients without
 * blocks show) and `blocks` (a summary, then one section per alert). Slack takes at most 50 blocks per message
 * and 3000 characters per section's text, so a batch holds at most MAX_ALERTS_PER_MESSAGE alerts and details are
 * cut; 500 failing tickers make 11 requests, not 500.
 */
import type { Batch } from './outcome.js';
import { type Notification, shorten, showValue } from './notification.js';

/** The summary block plus these stay within Slack's 50 blocks. */
export const MAX_ALERTS_PER_MESSAGE = 45;
/** Well under the 3000 characters of a section's text, with the alert's other lines around it. */
const MAX_DETAILS = 1500;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface SlackBlock {
  type: 'section';
  text: { type: 'mrkdwn'; text: string };
}

/** The messages for these notifications (rows `ids[i]` carry `notifications[i]`), in order. */
export function slackBatches(items: readonly { id: number; notification: Notification }[]): Batch<SlackMessage>[] {
  const batches: Batch<SlackMessage>[] = [];
  for (let start = 0; start < items.length; start += MAX_ALERTS_PER_MESSAGE) {
    const chunk = items.slice(start, start + MAX_ALERTS_PER_MESSAGE);
    batches.push({ ids: chunk.map((item) => item.id), body: slackMessage(chunk.map((item) => item.notification)) });
  }
  return batches;
}

export function slackMessage(notifications: readonly Notification[]): SlackMessage {
  const firing = notifications.filter((n) => n.status === 'firing').length;
  const resolved = notifications.length - firing;
  const counts = [firing > 0 ? `${firing} firing` : '', resolved > 0 ? `${resolved} resolved` : '']
    .filter((part) => part !== '')
    .join(', ');
  const text = `marketlake data quality: ${counts}`;
  return {
    text,
    blocks: [section(`*${escape(text)}*`), ...notifications.map((notification) => section(alertText(notification)))],
  };
}

function alertText(n: Notification): string {
  const head =
    n.status === 'resolved'
      ? `:white_check_mark: *resolved* \`${escape(n.check)}\` on *${escape(n.ticker)}* (${escape(n.market)})`
      : `${n.severity === 'error' ? ':red_circle:' : ':warning:'} *${n.severity}*${n.reason === 'new' ? '' : ` (${n.reason})`} \`${escape(n.check)}\` on *${escape(n.ticker)}* (${escape(n.market)})`;
  const lines = [head];
  if (n.details !== '') lines.push(escape(shorten(n.details, MAX_DETAILS)));
  const asOf = n.as_of === null ? '' : `, as of ${n.as_of}`;
  lines.push(`observed ${escape(showValue(n.observed))}, expected ${escape(showValue(n.expected))}${asOf}`);
  return lines.join('\n');
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Slack's three control characters in message text (its "Formatting text" guide). */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
