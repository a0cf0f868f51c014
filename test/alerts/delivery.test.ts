/**
 * Alerts end to end against real HTTP receivers on 127.0.0.1 (Slack- and Alertmanager-shaped), on PGlite and
 * PostgreSQL: one alert per problem across runs, re-sent on change and after the interval, resolved when the
 * check passes again; receivers that are down, slow, failing or rate-limiting leave the rows in the outbox with
 * the error redacted, and a later delivery sends them. The clock is injected: every run's `now` is derived from
 * T0, never from the day the test runs.
 */
// Receiver payloads are read field by field: `any` on purpose.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { queueAndDeliverAlerts, retryAlerts, type AlertsReport } from '../../src/alerts/index.js';
import { resolveAlertsConfig, type AlertsConfig } from '../../src/alerts/config.js';
import { MAX_ALERTS_PER_MESSAGE } from '../../src/alerts/slack.js';
import { ZERO_TIME } from '../../src/alerts/alertmanager.js';
import { alertFingerprint } from '../../src/alerts/notification.js';
import type { QualityResult } from '../../src/quality/finding.js';
import { forgetSecretsForTesting } from '../../src/secrets.js';
import { claimDueAlerts } from '../../src/warehouse/alerts.js';
import { describeOnDatabases } from '../support/databases.js';
import { downUrl, startWebhookReceiver, type WebhookReceiver } from '../support/alert-receivers.js';

const HOUR = 3_600_000;
const T0 = new Date('2026-12-01T22:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** In every webhook URL: a password, and a token in the path (Slack's secret is its path). */
const CANARY_PASSWORD = 'canaryPW-7f3a91c2';
const CANARY_TOKEN = 'CANARYTOKEN-5b8e04d6';
const CANARIES = [CANARY_PASSWORD, CANARY_TOKEN];

function verdict(ticker: string, overrides: Partial<QualityResult> = {}): QualityResult {
  return {
    check: 'consistency.high_low',
    ticker,
    market: 'US',
    severity: 'error',
    passed: false,
    observed: 2,
    expected: 0,
    details: `2 bars of ${ticker} with high < low`,
    as_of: '2026-12-01',
    raw: null,
    ...overrides,
  };
}

const slackPath = `/services/T0001/B0002/${CANARY_TOKEN}`;
const hookPath = `/alerts/${CANARY_TOKEN}`;
const withPassword = (origin: string, path: string) =>
  origin.replace('://', `://marketlake:${CANARY_PASSWORD}@`) + path;

describeOnDatabases('alerts delivery', (ctx) => {
  let slack: WebhookReceiver;
  let alertmanager: WebhookReceiver;
  let config: AlertsConfig;

  beforeAll(async () => {
    slack = await startWebhookReceiver('slack');
    alertmanager = await startWebhookReceiver('alertmanager');
  });
  afterAll(async () => {
    await slack.close();
    await alertmanager.close();
  });
  afterEach(() => {
    slack.requests.length = 0;
    alertmanager.requests.length = 0;
    slack.mode = 'ok';
    alertmanager.mode = 'ok';
    forgetSecretsForTesting();
  });

  function configure(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): AlertsConfig {
    config = resolveAlertsConfig(
      {
        slack_webhook_url: withPassword(slack.origin, slackPath),
        alert_webhook_url: withPassword(alertmanager.origin, hookPath),
        ...overrides,
      },
      env,
    );
    return config;
  }

  const run = (results: QualityResult[], now: Date): Promise<AlertsReport> =>
    queueAndDeliverAlerts(ctx.warehouse(), results, { config, now, holder: `run-${now.toISOString()}` });

  async function outboxRows() {
    return ctx.warehouse().db.selectFrom('alert_outbox').selectAll().orderBy('id').execute();
  }

  async function expectNoCanaryInDatabase(): Promise<void> {
    const { db } = ctx.warehouse();
    const text = JSON.stringify([
      await db.selectFrom('alert_outbox').selectAll().execute(),
      await db.selectFrom('alert_state').selectAll().execute(),
    ]);
    for (const canary of CANARIES) expect(text).not.toContain(canary);
  }

  it('sends one alert per problem: new, silence while unchanged, changed, reminder, resolved', async () => {
    configure({ resend_interval_hours: 24 });
    // Run 1: two problems, one batched request per sink.
    const first = await run(
      [verdict('NVDA'), verdict('AAPL', { severity: 'warn' }), verdict('MSFT', { passed: true })],
      T0,
    );
    expect(first).toEqual({ queued: 4, sent: 4, pending: 0, failures: [] });
    expect(slack.requests).toHaveLength(1);
    expect(alertmanager.requests).toHaveLength(1);
    const message = slack.requests[0];
    expect(message.path).toBe(slackPath);
    expect(message.contentType).toBe('application/json');
    expect(message.body.text).toBe('marketlake data quality: 2 firing');
    expect(message.body.blocks).toHaveLength(3);
    expect(message.body.blocks[1].text.text).toContain('*NVDA*');
    expect(message.body.blocks[2].text.text).toMatch(/:warning: \*warn\* `consistency.high_low` on \*AAPL\*/);
    // Credentials of the URL travel as HTTP basic authentication, never in the URL.
    expect(message.authorization).toBe(`Basic ${Buffer.from(`marketlake:${CANARY_PASSWORD}`).toString('base64')}`);
    const payload = alertmanager.requests[0].body;
    expect(alertmanager.requests[0].path).toBe(hookPath);
    expect(payload).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'marketlake',
      groupLabels: {},
      commonLabels: { alertname: 'MarketlakeDataQuality', check: 'consistency.high_low', market: 'US' },
      externalURL: '',
    });
    expect(payload.alerts).toEqual([
      {
        status: 'firing',
        labels: {
          alertname: 'MarketlakeDataQuality',
          check: 'consistency.high_low',
          ticker: 'NVDA',
          market: 'US',
          severity: 'error',
        },
        annotations: {
          summary: 'consistency.high_low fails on NVDA (US)',
          description: '2 bars of NVDA with high < low',
          observed: '2',
          expected: '0',
          as_of: '2026-12-01',
        },
        startsAt: T0.toISOString(),
        endsAt: ZERO_TIME,
        fingerprint: alertFingerprint('consistency.high_low', 'NVDA'),
      },
      expect.objectContaining({ labels: expect.objectContaining({ ticker: 'AAPL', severity: 'warn' }) }),
    ]);

    // Run 2, an hour later, nothing changed: nothing queued, nothing sent.
    expect(await run([verdict('NVDA'), verdict('AAPL', { severity: 'warn' })], at(HOUR))).toEqual({
      queued: 0,
      sent: 0,
      pending: 0,
      failures: [],
    });
    expect(slack.requests).toHaveLength(1);
    expect(alertmanager.requests).toHaveLength(1);

    // Run 3: NVDA's observed value changed: NVDA alone is re-sent.
    expect(
      await run([verdict('NVDA', { observed: 5 }), verdict('AAPL', { severity: 'warn' })], at(2 * HOUR)),
    ).toMatchObject({ queued: 2, sent: 2 });
    expect(alertmanager.requests[1].body.alerts.map((a: any) => [a.labels.ticker, a.annotations.observed])).toEqual([
      ['NVDA', '5'],
    ]);
    expect(slack.requests[1].body.blocks[1].text.text).toContain('(changed)');

    // Run 4, 24 hours after AAPL's last notification: a reminder for AAPL; NVDA was notified 22 hours ago.
    await run([verdict('NVDA', { observed: 5 }), verdict('AAPL', { severity: 'warn' })], at(24 * HOUR));
    expect(alertmanager.requests[2].body.alerts.map((a: any) => a.labels.ticker)).toEqual(['AAPL']);
    expect(slack.requests[2].body.blocks[1].text.text).toContain('(reminder)');

    // Run 5: NVDA passes again: resolved, with its episode's start and end.
    expect(
      await run(
        [verdict('NVDA', { passed: true, observed: 0, details: '' }), verdict('AAPL', { severity: 'warn' })],
        at(25 * HOUR),
      ),
    ).toMatchObject({ queued: 2, sent: 2 });
    const resolved = alertmanager.requests[3].body;
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts).toEqual([
      expect.objectContaining({
        status: 'resolved',
        startsAt: T0.toISOString(),
        endsAt: at(25 * HOUR).toISOString(),
        fingerprint: alertFingerprint('consistency.high_low', 'NVDA'),
      }),
    ]);
    expect(slack.requests[3].body.text).toBe('marketlake data quality: 1 resolved');

    // Run 6: still passing: no second "resolved".
    expect(await run([verdict('NVDA', { passed: true, observed: 0 })], at(26 * HOUR))).toMatchObject({
      queued: 0,
      sent: 0,
    });
    expect(alertmanager.requests).toHaveLength(4);
    const firing = await ctx
      .warehouse()
      .db.selectFrom('alert_state')
      .select(['ticker', 'status'])
      .orderBy('ticker')
      .execute();
    expect(firing).toEqual([
      { ticker: 'AAPL', status: 'firing' },
      { ticker: 'NVDA', status: 'resolved' },
    ]);
    await expectNoCanaryInDatabase();
  });

  it('keeps what a receiver that is down refused in the outbox, backs off, and delivers it later', async () => {
    config = resolveAlertsConfig({ slack_webhook_url: await downUrl(slackPath) }, {});
    const report = await run([verdict('NVDA')], T0);
    expect(report).toMatchObject({ queued: 1, sent: 0, pending: 1 });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(
      /^slack: 1 alert\(s\) not delivered \(attempt 1; next at 2026-12-01T22:01:00.000Z\): .*ECONNREFUSED/,
    );
    const [row] = await outboxRows();
    expect(row).toMatchObject({ sink: 'slack', attempts: 1, sent_at: null, next_attempt_at: at(60_000) });
    expect(row.last_error).toMatch(/ECONNREFUSED/);
    // Not due 30 s later: the next run does not knock.
    expect(await run([verdict('NVDA')], at(30_000))).toMatchObject({ queued: 0, sent: 0, pending: 1, failures: [] });
    // The second failure waits twice as long.
    await run([verdict('NVDA')], at(60_000));
    expect((await outboxRows())[0]).toMatchObject({ attempts: 2, next_attempt_at: at(60_000 + 120_000) });
    // The receiver is back (at the configured name's new URL): a retry sends the row at once.
    configure();
    const retried = await retryAlerts(ctx.warehouse(), { config, now: at(90_000) });
    expect(retried).toEqual({ queued: 0, sent: 1, pending: 0, failures: [] });
    expect(slack.requests.map((r) => r.body.blocks[1].text.text)).toEqual([expect.stringContaining('*NVDA*')]);
    expect((await outboxRows())[0]).toMatchObject({ sent_at: at(90_000), last_error: null });
  });

  it('gives up on a slow receiver after the timeout, within the budget, and sends later', async () => {
    configure({ timeout_ms: 300, budget_ms: 2_000 });
    slack.mode = 'slow';
    slack.delayMs = 3_000;
    const started = performance.now();
    const report = await run([verdict('NVDA')], T0);
    const took = performance.now() - started;
    expect(took).toBeLessThan(1_500);
    expect(report).toMatchObject({ queued: 2, sent: 1, pending: 1 });
    expect(report.failures).toEqual([
      expect.stringMatching(/^slack: 1 alert\(s\) not delivered .*: no answer within 300 ms$/),
    ]);
    expect(alertmanager.requests).toHaveLength(1);
    slack.mode = 'ok';
    expect(await retryAlerts(ctx.warehouse(), { config, now: at(HOUR) })).toMatchObject({ sent: 1, pending: 0 });
  });

  it('stops at the overall budget: what is not sent stays in the outbox, batched under 50 blocks per message', async () => {
    configure({ timeout_ms: 1_000, budget_ms: 700 });
    slack.mode = 'slow';
    slack.delayMs = 200;
    const tickers = Array.from({ length: 200 }, (_, i) => `T${String(i).padStart(3, '0')}`);
    const started = performance.now();
    const report = await queueAndDeliverAlerts(
      ctx.warehouse(),
      tickers.map((ticker) => verdict(ticker)),
      { config: { ...config, alertWebhookUrl: undefined }, now: T0 },
    );
    expect(performance.now() - started).toBeLessThan(700 + 1_000);
    expect(report.queued).toBe(200);
    expect(report.sent).toBeGreaterThanOrEqual(MAX_ALERTS_PER_MESSAGE);
    expect(report.sent).toBeLessThan(200);
    expect(report.pending).toBe(200 - report.sent);
    expect(report.failures).toEqual([expect.stringMatching(/^slack: /)]);
    slack.mode = 'ok';
    const retried = await retryAlerts(ctx.warehouse(), { config: { ...config, budgetMs: 10_000 }, now: at(HOUR) });
    expect(retried).toMatchObject({ sent: 200 - report.sent, pending: 0, failures: [] });
    // Every ticker reached Slack, in messages of at most 50 blocks.
    const announced = slack.requests.flatMap((r) =>
      r.body.blocks.slice(1).map((block: any) => /\*(T\d{3})\*/.exec(block.text.text)?.[1]),
    );
    // The message that timed out may have reached the receiver too (at least once): count distinct tickers.
    expect(new Set(announced)).toEqual(new Set(tickers));
    for (const request of slack.requests) expect(request.body.blocks.length).toBeLessThanOrEqual(50);
  });

  it('stores a 500 answer redacted (the receiver quotes the secret path), and retries it', async () => {
    configure();
    slack.mode = '500';
    alertmanager.mode = '500';
    const report = await run([verdict('NVDA')], T0);
    expect(report).toMatchObject({ queued: 2, sent: 0, pending: 2 });
    expect(report.failures.sort()).toEqual([
      expect.stringMatching(/^alertmanager: .*HTTP 500: internal error handling \*\*\*$/),
      expect.stringMatching(/^slack: .*HTTP 500: internal error handling \*\*\*$/),
    ]);
    for (const failure of report.failures) for (const canary of CANARIES) expect(failure).not.toContain(canary);
    const rows = await outboxRows();
    expect(rows.map((row) => row.last_error)).toEqual([
      'HTTP 500: internal error handling ***',
      'HTTP 500: internal error handling ***',
    ]);
    expect(rows.map((row) => row.sink)).toEqual(['slack', 'alertmanager']);
    await expectNoCanaryInDatabase();
    slack.mode = 'ok';
    alertmanager.mode = 'ok';
    expect(await retryAlerts(ctx.warehouse(), { config, now: at(HOUR) })).toMatchObject({ sent: 2, pending: 0 });
  });

  it('honours Retry-After of a 429 as the next attempt time', async () => {
    configure();
    alertmanager.mode = '429';
    alertmanager.retryAfterSeconds = 600;
    const report = await run([verdict('NVDA'), verdict('AAPL')], T0);
    expect(report).toMatchObject({ queued: 4, sent: 2, pending: 2 });
    expect(report.failures).toEqual([
      expect.stringMatching(
        /^alertmanager: 2 alert\(s\) not delivered \(attempt 1; next at 2026-12-01T22:10:00.000Z\): HTTP 429: rate_limited$/,
      ),
    ]);
    const pending = (await outboxRows()).filter((row) => row.sent_at === null);
    expect(pending.map((row) => row.next_attempt_at)).toEqual([at(600_000), at(600_000)]);
    alertmanager.mode = 'ok';
    // Five minutes later the sink still asked us to wait: no request.
    expect(await run([], at(300_000))).toMatchObject({ sent: 0, pending: 2 });
    expect(alertmanager.requests).toHaveLength(1);
    expect(await run([], at(600_000))).toMatchObject({ sent: 2, pending: 0, failures: [] });
    expect(alertmanager.requests).toHaveLength(2);
    expect(alertmanager.requests[1].body.alerts).toHaveLength(2);
  });

  it('sends only the newest pending notification of a problem when several wait', async () => {
    configure();
    slack.mode = '500';
    alertmanager.mode = '500';
    await run([verdict('NVDA')], T0);
    // Still failing, then the check passes while the firing notification waits: the resolved one replaces it.
    await run([verdict('NVDA', { passed: true, observed: 0 })], at(HOUR));
    const rows = await outboxRows();
    expect(rows.map((row) => [row.sink, row.status])).toEqual([
      ['slack', 'resolved'],
      ['alertmanager', 'resolved'],
    ]);
    slack.mode = 'ok';
    alertmanager.mode = 'ok';
    await retryAlerts(ctx.warehouse(), { config, now: at(2 * HOUR) });
    expect(alertmanager.requests.at(-1)!.body.alerts.map((a: any) => a.status)).toEqual(['resolved']);
  });

  it('never sends one row twice when two deliveries run at once', async () => {
    configure();
    slack.mode = '500';
    alertmanager.mode = '500';
    await run([verdict('NVDA'), verdict('AAPL')], T0);
    slack.mode = 'slow';
    alertmanager.mode = 'slow';
    slack.delayMs = 200;
    alertmanager.delayMs = 200;
    slack.requests.length = 0;
    alertmanager.requests.length = 0;
    const reports = await Promise.all([
      retryAlerts(ctx.warehouse(), { config, now: at(HOUR), holder: 'retry-a' }),
      retryAlerts(ctx.warehouse(), { config, now: at(HOUR), holder: 'retry-b' }),
    ]);
    expect(reports.reduce((n, report) => n + report.sent, 0)).toBe(4);
    expect(slack.requests).toHaveLength(1);
    expect(alertmanager.requests).toHaveLength(1);
    expect(alertmanager.requests[0].body.alerts).toHaveLength(2);
  });

  it('takes over the rows of a delivery that died once its lease ends', async () => {
    configure({ budget_ms: 1_000 });
    slack.mode = '500';
    alertmanager.mode = '500';
    await run([verdict('NVDA')], T0);
    slack.mode = 'ok';
    alertmanager.mode = 'ok';
    // A process claims both rows and dies before sending.
    const claimed = await claimDueAlerts(ctx.warehouse().db, {
      now: at(HOUR),
      holder: 'dead-run',
      leaseMs: 10 * 60_000,
      ignoreSchedule: true,
      limit: 100,
    });
    expect(claimed).toHaveLength(2);
    expect(await retryAlerts(ctx.warehouse(), { config, now: at(HOUR + 60_000) })).toMatchObject({
      sent: 0,
      pending: 2,
    });
    expect(slack.requests).toHaveLength(1);
    expect(await retryAlerts(ctx.warehouse(), { config, now: at(HOUR + 11 * 60_000) })).toMatchObject({
      sent: 2,
      pending: 0,
    });
  });

  it('does nothing at all when no sink is configured', async () => {
    config = resolveAlertsConfig(undefined, {});
    expect(await run([verdict('NVDA')], T0)).toEqual({ queued: 0, sent: 0, pending: 0, failures: [] });
    expect(await ctx.warehouse().db.selectFrom('alert_state').selectAll().execute()).toEqual([]);
    expect(await outboxRows()).toEqual([]);
  });

  it('reports rows of a sink that is no longer configured, and keeps them', async () => {
    configure();
    slack.mode = '500';
    await run([verdict('NVDA')], T0);
    config = resolveAlertsConfig({ alert_webhook_url: withPassword(alertmanager.origin, hookPath) }, {});
    const report = await retryAlerts(ctx.warehouse(), { config, now: at(HOUR) });
    expect(report).toMatchObject({ sent: 0, pending: 1 });
    expect(report.failures).toEqual([
      'slack: 1 alert(s) not delivered: the slack sink is not configured (MARKETLAKE_SLACK_WEBHOOK_URL or alerts.slack_webhook_url)',
    ]);
  });
});
