/**
 * Alertmanager-compatible webhooks: the payload Alertmanager's webhook receiver POSTs (version "4": status,
 * receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts[]), so that whatever reads
 * Alertmanager's notifications (an incident tool, a chat bridge) reads ours. One request carries a batch of
 * alerts, each with its own status; the batch's status is `firing` when any alert in it fires, as Alertmanager
 * reports a group.
 */
import type { Batch } from './outcome.js';
import { type Notification, showValue } from './notification.js';

/** Alerts per request: bounds the body (a few hundred bytes each) whatever the number of problems. */
export const MAX_ALERTS_PER_REQUEST = 500;

/** Alertmanager's `endsAt` of an alert that has not ended (Go's zero time). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export const RECEIVER = 'marketlake';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
}

export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

export function alertmanagerBatches(
  items: readonly { id: number; notification: Notification }[],
): Batch<AlertmanagerPayload>[] {
  const batches: Batch<AlertmanagerPayload>[] = [];
  for (let start = 0; start < items.length; start += MAX_ALERTS_PER_REQUEST) {
    const chunk = items.slice(start, start + MAX_ALERTS_PER_REQUEST);
    batches.push({ ids: chunk.map((item) => item.id), body: alertmanagerPayload(chunk.map((i) => i.notification)) });
  }
  return batches;
}

export function alertmanagerPayload(notifications: readonly Notification[]): AlertmanagerPayload {
  const alerts = notifications.map(alertOf);
  return {
    version: '4',
    groupKey: `{}:{receiver="${RECEIVER}"}`,
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver: RECEIVER,
    groupLabels: {},
    commonLabels: common(alerts.map((alert) => alert.labels)),
    commonAnnotations: common(alerts.map((alert) => alert.annotations)),
    externalURL: '',
    alerts,
  };
}

function alertOf(n: Notification): AlertmanagerAlert {
  return {
    status: n.status,
    labels: {
      alertname: 'MarketlakeDataQuality',
      check: n.check,
      ticker: n.ticker,
      market: n.market,
      severity: n.severity,
    },
    annotations: {
      summary: `${n.check} ${n.status === 'resolved' ? 'passes again' : 'fails'} on ${n.ticker} (${n.market})`,
      description: n.details,
      observed: showValue(n.observed),
      expected: showValue(n.expected),
      ...(n.as_of === null ? {} : { as_of: n.as_of }),
      ...(n.raw_key === null ? {} : { raw_key: n.raw_key }),
    },
    startsAt: n.starts_at,
    endsAt: n.ends_at ?? ZERO_TIME,
    fingerprint: n.fingerprint,
  };
}

/** The pairs every map has, as Alertmanager computes commonLabels and commonAnnotations. */
function common(maps: readonly Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const [first, ...rest] = maps;
  return Object.fromEntries(Object.entries(first).filter(([key, value]) => rest.every((map) => map[key] === value)));
}
