/**
 * The SNS sink through the real SDK: there is no SNS here, so the client's `endpoint` points at a local server
 * on 127.0.0.1 that answers with the recorded Publish response (test/fixtures/sns/, see its README) and records
 * the query-protocol requests, whose form fields are checked: TopicArn, Message and the message attributes
 * severity and market that subscription filter policies select on.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { resolveAlertsConfig } from '../../src/alerts/config.js';
import { queueAndDeliverAlerts, retryAlerts } from '../../src/alerts/index.js';
import type { QualityResult } from '../../src/quality/finding.js';
import { describeOnDatabases } from '../support/databases.js';

const FIXTURES = new URL('../fixtures/sns/', import.meta.url);
const PUBLISH_RESPONSE = readFileSync(new URL('publish-response.xml', FIXTURES), 'utf8');
const THROTTLED = readFileSync(new URL('throttling-error.xml', FIXTURES), 'utf8');

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:marketlake-quality';
const T0 = new Date('2026-12-01T22:00:00Z');

function verdict(ticker: string, market: string, overrides: Partial<QualityResult> = {}): QualityResult {
  return {
    check: 'freshness.last_bar',
    ticker,
    market,
    severity: 'error',
    passed: false,
    observed: '2026-11-20',
    expected: '2026-12-01',
    details: `the newest bar of ${ticker} is 7 trading days old`,
    as_of: '2026-11-20',
    raw: null,
    ...overrides,
  };
}

interface SnsRequest {
  path: string;
  form: URLSearchParams;
}

describeOnDatabases('alerts to Amazon SNS', (ctx) => {
  let server: Server;
  let client: SNSClient;
  const requests: SnsRequest[] = [];
  let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: PUBLISH_RESPONSE };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push({ path: request.url ?? '', form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        const { status, body, delayMs } = answer;
        const reply = () => {
          if (!response.destroyed) response.writeHead(status, { 'content-type': 'text/xml' }).end(body);
        };
        if (delayMs === undefined) reply();
        else setTimeout(reply, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new SNSClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret-key' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    requests.length = 0;
    answer = { status: 200, body: PUBLISH_RESPONSE };
  });

  /** The message attributes of a query-protocol Publish: MessageAttributes.entry.N.Name / .Value.StringValue. */
  function attributes(form: URLSearchParams): Record<string, string> {
    const result: Record<string, string> = {};
    for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
      result[form.get(`MessageAttributes.entry.${n}.Name`)!] = form.get(
        `MessageAttributes.entry.${n}.Value.StringValue`,
      )!;
      expect(form.get(`MessageAttributes.entry.${n}.Value.DataType`)).toBe('String');
    }
    return result;
  }

  it('publishes one message per status, severity and market, with those as message attributes', async () => {
    const config = resolveAlertsConfig({ sns_topic_arn: TOPIC }, {});
    expect(config.sns).toEqual({ topicArn: TOPIC, region: 'eu-west-1' });
    const report = await queueAndDeliverAlerts(
      ctx.warehouse(),
      [verdict('NVDA', 'US'), verdict('AAPL', 'US'), verdict('D05', 'SG', { severity: 'warn' })],
      { config, now: T0, snsClient: client },
    );
    expect(report).toEqual({ queued: 3, sent: 3, pending: 0, failures: [] });
    expect(requests).toHaveLength(2);
    const published = requests.map(({ form }) => ({
      action: form.get('Action'),
      topic: form.get('TopicArn'),
      subject: form.get('Subject'),
      message: form.get('Message'),
      attributes: attributes(form),
    }));
    expect(published).toEqual([
      {
        action: 'Publish',
        topic: TOPIC,
        subject: 'marketlake data quality: 2 firing error alerts (US)',
        message: expect.stringMatching(
          /^ERROR freshness\.last_bar on NVDA \(US\)\n.*\n[\s\S]*ERROR freshness\.last_bar on AAPL/,
        ),
        attributes: { severity: 'error', market: 'US', status: 'firing' },
      },
      {
        action: 'Publish',
        topic: TOPIC,
        subject: 'marketlake data quality: 1 firing warn alert (SG)',
        message: expect.stringContaining('WARN freshness.last_bar on D05 (SG)'),
        attributes: { severity: 'warn', market: 'SG', status: 'firing' },
      },
    ]);
    // Resolved later: its own message, status resolved.
    await queueAndDeliverAlerts(ctx.warehouse(), [verdict('D05', 'SG', { severity: 'warn', passed: true })], {
      config,
      now: new Date(T0.getTime() + 3_600_000),
      snsClient: client,
    });
    expect(attributes(requests[2].form)).toEqual({ severity: 'warn', market: 'SG', status: 'resolved' });
  });

  it('gives up on an SNS endpoint that does not answer in time', async () => {
    const config = resolveAlertsConfig({ sns_topic_arn: TOPIC, timeout_ms: 300 }, {});
    answer = { status: 200, body: PUBLISH_RESPONSE, delayMs: 3_000 };
    const started = performance.now();
    const report = await queueAndDeliverAlerts(ctx.warehouse(), [verdict('NVDA', 'US')], {
      config,
      now: T0,
      snsClient: client,
    });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(report).toMatchObject({ queued: 1, sent: 0, pending: 1 });
    expect(report.failures).toEqual([
      expect.stringMatching(/^sns: 1 alert\(s\) not delivered .*: no answer within 300 ms$/),
    ]);
  });

  it('keeps a throttled publish in the outbox and sends it on retry', async () => {
    const config = resolveAlertsConfig({ sns_topic_arn: TOPIC }, {});
    answer = { status: 429, body: THROTTLED };
    const report = await queueAndDeliverAlerts(ctx.warehouse(), [verdict('NVDA', 'US')], {
      config,
      now: T0,
      snsClient: client,
    });
    expect(report).toMatchObject({ queued: 1, sent: 0, pending: 1 });
    expect(report.failures).toEqual([
      expect.stringMatching(
        /^sns: 1 alert\(s\) not delivered \(attempt 1; .*\): HTTP 429 ThrottledException: Rate exceeded$/,
      ),
    ]);
    answer = { status: 200, body: PUBLISH_RESPONSE };
    expect(await retryAlerts(ctx.warehouse(), { config, now: T0, snsClient: client })).toEqual({
      queued: 0,
      sent: 1,
      pending: 0,
      failures: [],
    });
    expect(requests.map((r) => r.form.get('TopicArn'))).toEqual([TOPIC, TOPIC]);
  });
});
