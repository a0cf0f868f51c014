/**
 * `marketlake alerts retry` and `alerts list` end to end (the CLI in this process, an embedded database under a
 * temporary home): notifications a run could not deliver are sent by a retry; a retry that fails exits 1 with
 * the failures, redacted; no secret of a webhook URL reaches stdout, stderr or the database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveAlertsConfig } from '../../src/alerts/config.js';
import { queueAndDeliverAlerts } from '../../src/alerts/index.js';
import type { QualityResult } from '../../src/quality/finding.js';
import { forgetSecretsForTesting } from '../../src/secrets.js';
import { openWarehouse } from '../../src/warehouse/database.js';
import { downUrl, startWebhookReceiver, type WebhookReceiver } from '../support/alert-receivers.js';
import { runCli } from '../support/cli.js';

const CANARY_PASSWORD = 'canaryPW-c1e2d3f4';
const CANARY_TOKEN = 'CANARYTOKEN-a9b8c7d6';
const SLACK_PATH = `/services/T0001/B0002/${CANARY_TOKEN}`;
const T0 = new Date('2026-12-01T22:00:00Z');
const LATER = '2026-12-01T23:00:00Z';

const VERDICT: QualityResult = {
  check: 'consistency.high_low',
  ticker: 'NVDA',
  market: 'US',
  severity: 'error',
  passed: false,
  observed: 2,
  expected: 0,
  details: '2 bars with high < low',
  as_of: '2026-12-01',
  raw: null,
};

describe('marketlake alerts [pglite]', () => {
  let home: string;
  let slack: WebhookReceiver;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-alerts-cli-'));
    slack = await startWebhookReceiver('slack');
    // A run whose Slack was down: the notification waits in the outbox.
    const config = resolveAlertsConfig(
      { slack_webhook_url: (await downUrl(SLACK_PATH)).replace('://', `://ops:${CANARY_PASSWORD}@`) },
      {},
    );
    const warehouse = await openWarehouse({ home });
    try {
      const report = await queueAndDeliverAlerts(warehouse, [VERDICT], { config, now: T0 });
      expect(report).toMatchObject({ queued: 1, sent: 0, pending: 1 });
    } finally {
      await warehouse.close();
    }
  });
  afterAll(async () => {
    await slack.close();
    await rm(home, { recursive: true, force: true });
  });
  afterEach(() => {
    process.env = { ...savedEnv };
    forgetSecretsForTesting();
  });

  function useSlack(): void {
    process.env.MARKETLAKE_SLACK_WEBHOOK_URL = slack.origin.replace('://', `://ops:${CANARY_PASSWORD}@`) + SLACK_PATH;
    process.env.MARKETLAKE_NOW = LATER;
  }

  function expectNoCanary(...texts: string[]): void {
    for (const text of texts) {
      expect(text).not.toContain(CANARY_PASSWORD);
      expect(text).not.toContain(CANARY_TOKEN);
    }
  }

  it('lists what is firing', async () => {
    const listed = await runCli('alerts', 'list', '--json', '--home', home);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        check: 'consistency.high_low',
        ticker: 'NVDA',
        severity: 'error',
        observed: 2,
        since: T0.toISOString(),
      }),
    ]);
    const text = await runCli('alerts', 'list', '--home', home);
    expect(text.stdout).toMatch(/consistency\.high_low\s+NVDA\s+US\s+error/);
  });

  it('exits 1 with the failures, redacted, while the receiver fails', async () => {
    useSlack();
    slack.mode = '500';
    const failed = await runCli('alerts', 'retry', '--json', '--home', home);
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report).toMatchObject({ sent: 0, pending: 1 });
    expect(report.failures).toEqual([
      expect.stringMatching(/^slack: 1 alert\(s\) not delivered .*HTTP 500: internal error handling \*\*\*$/),
    ]);
    expectNoCanary(failed.stdout, failed.stderr);
    const text = await runCli('alerts', 'retry', '--home', home);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('alerts: 0 sent, 1 still pending\n');
    expect(text.stderr).toMatch(/slack: 1 alert\(s\) not delivered/);
    expectNoCanary(text.stdout, text.stderr);
  });

  it('sends what the run could not, then has nothing left', async () => {
    useSlack();
    slack.mode = 'ok';
    slack.requests.length = 0;
    const retried = await runCli('alerts', 'retry', '--json', '--home', home);
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toEqual({ sent: 1, pending: 0, failures: [] });
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0].path).toBe(SLACK_PATH);
    expect(slack.requests[0].body.blocks[1].text.text).toContain('*NVDA*');
    expectNoCanary(retried.stdout, retried.stderr);
    expect(JSON.parse((await runCli('alerts', 'retry', '--json', '--home', home)).stdout)).toEqual({
      sent: 0,
      pending: 0,
      failures: [],
    });
    expect(slack.requests).toHaveLength(1);
    // Nothing the database holds about alerts carries a secret of the URLs.
    const warehouse = await openWarehouse({ home });
    try {
      const rows = JSON.stringify([
        await warehouse.db.selectFrom('alert_outbox').selectAll().execute(),
        await warehouse.db.selectFrom('alert_state').selectAll().execute(),
      ]);
      expect(rows).toContain('"sink":"slack"');
      expectNoCanary(rows);
    } finally {
      await warehouse.close();
    }
  });
});
