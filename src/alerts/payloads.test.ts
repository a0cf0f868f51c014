import { describe, expect, it } from 'vitest';
import { alertmanagerBatches, alertmanagerPayload, MAX_ALERTS_PER_REQUEST, ZERO_TIME } from './alertmanager.js';
import { BACKOFF_CAP_MS, nextAttemptAt, RETRY_AFTER_CAP_MS } from './backoff.js';
import { parseRetryAfter } from './http.js';
import type { Notification } from './notification.js';
import { MAX_ALERTS_PER_MESSAGE, slackBatches, slackMessage } from './slack.js';
import { snsBatches } from './sns.js';

const T0 = new Date('2026-12-01T22:00:00Z');

function notification(ticker: string, overrides: Partial<Notification> = {}): Notification {
  return {
    fingerprint: `fp-${ticker}`,
    status: 'firing',
    reason: 'new',
    check: 'consistency.high_low',
    ticker,
    market: 'US',
    severity: 'error',
    observed: 2,
    expected: 0,
    details: '2 bars with high < low',
    as_of: '2026-12-01',
    raw_key: null,
    starts_at: T0.toISOString(),
    ends_at: null,
    ...overrides,
  };
}

const items = (n: number, overrides: Partial<Notification> = {}) =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, notification: notification(`T${i}`, overrides) }));

describe('Slack messages', () => {
  it('split 500 alerts into messages of at most 50 blocks, every alert once', () => {
    const batches = slackBatches(items(500));
    expect(batches).toHaveLength(Math.ceil(500 / MAX_ALERTS_PER_MESSAGE));
    for (const batch of batches) {
      expect(batch.body.blocks.length).toBeLessThanOrEqual(50);
      expect(batch.body.blocks.length).toBe(batch.ids.length + 1);
      for (const block of batch.body.blocks) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(batches.flatMap((batch) => batch.ids)).toEqual(items(500).map((item) => item.id));
  });

  it("escape Slack's control characters and cut long details", () => {
    const message = slackMessage([notification('A&B', { details: `<!channel> ${'x'.repeat(5000)}` })]);
    const text = message.blocks[1].text.text;
    expect(text).toContain('*A&amp;B*');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text.length).toBeLessThanOrEqual(3000);
  });
});

describe('Alertmanager payloads', () => {
  it('carry the batch status and the labels every alert shares', () => {
    const payload = alertmanagerPayload([
      notification('NVDA', { status: 'resolved', reason: 'resolved', ends_at: '2026-12-02T22:00:00.000Z' }),
      notification('AAPL', { severity: 'warn' }),
    ]);
    expect(payload.status).toBe('firing');
    expect(payload.commonLabels).toEqual({
      alertname: 'MarketlakeDataQuality',
      check: 'consistency.high_low',
      market: 'US',
    });
    expect(payload.alerts.map((alert) => [alert.status, alert.endsAt])).toEqual([
      ['resolved', '2026-12-02T22:00:00.000Z'],
      ['firing', ZERO_TIME],
    ]);
    expect(alertmanagerPayload([notification('NVDA', { status: 'resolved' })]).status).toBe('resolved');
  });

  it('batch at most MAX_ALERTS_PER_REQUEST alerts per request', () => {
    const batches = alertmanagerBatches(items(MAX_ALERTS_PER_REQUEST + 1));
    expect(batches.map((batch) => batch.body.alerts.length)).toEqual([MAX_ALERTS_PER_REQUEST, 1]);
  });
});

describe('SNS messages', () => {
  it('group by status, severity and market, with a subject SNS accepts', () => {
    const batches = snsBatches('arn:aws:sns:us-east-1:123456789012:t', [
      ...items(2),
      { id: 10, notification: notification('D05', { market: 'SG' }) },
      { id: 11, notification: notification('X', { severity: 'warn' }) },
    ]);
    expect(batches.map((batch) => [batch.ids, batch.body.MessageAttributes])).toEqual([
      [[1, 2], expect.objectContaining({ market: { DataType: 'String', StringValue: 'US' } })],
      [[10], expect.objectContaining({ market: { DataType: 'String', StringValue: 'SG' } })],
      [[11], expect.objectContaining({ severity: { DataType: 'String', StringValue: 'warn' } })],
    ]);
    for (const batch of batches) expect(batch.body.Subject!.length).toBeLessThanOrEqual(100);
  });
});

describe('retry timing', () => {
  it('backs off exponentially from a minute, capped at an hour', () => {
    const waits = [1, 2, 3, 7, 50].map((n) => nextAttemptAt(T0, n).getTime() - T0.getTime());
    expect(waits).toEqual([60_000, 120_000, 240_000, BACKOFF_CAP_MS, BACKOFF_CAP_MS]);
  });

  it('believes Retry-After, up to a day', () => {
    expect(nextAttemptAt(T0, 1, 600_000)).toEqual(new Date(T0.getTime() + 600_000));
    expect(nextAttemptAt(T0, 1, 10 * RETRY_AFTER_CAP_MS)).toEqual(new Date(T0.getTime() + RETRY_AFTER_CAP_MS));
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Tue, 01 Dec 2026 22:00:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 22:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
