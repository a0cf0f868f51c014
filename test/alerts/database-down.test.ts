/**
 * Alerting never fails the run it reports on: when the database refuses (here: a PostgreSQL that is gone, a
 * port where nothing listens), queueing and delivery come back as failures in the report, and nothing is thrown.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAlertsConfig } from '../../src/alerts/config.js';
import { queueAndDeliverAlerts, retryAlerts } from '../../src/alerts/index.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import type { Database } from '../../src/warehouse/schema.js';
import { downUrl, startWebhookReceiver, type WebhookReceiver } from '../support/alert-receivers.js';

describe('alerts when the database refuses', () => {
  let warehouse: Warehouse;
  let slack: WebhookReceiver;
  beforeAll(async () => {
    slack = await startWebhookReceiver('slack');
    const gone = (await downUrl('/marketlake')).replace('http://', 'postgres://postgres@');
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: gone, connectionTimeoutMillis: 2_000 }) }),
    });
    warehouse = { db, kind: 'postgres', location: 'a server that is gone', close: () => db.destroy() };
  });
  afterAll(async () => {
    await slack.close();
    await warehouse.close();
  });

  it('reports queueing and delivery failures instead of throwing', async () => {
    const config = resolveAlertsConfig({ slack_webhook_url: `${slack.origin}/services/T1/B2/x` }, {});
    const now = new Date('2026-12-01T22:00:00Z');
    const verdict = {
      check: 'consistency.high_low',
      ticker: 'NVDA',
      market: 'US',
      severity: 'error' as const,
      passed: false,
      observed: 1,
      expected: 0,
      details: '1 bar with high < low',
      as_of: '2026-12-01',
      raw: null,
    };
    const report = await queueAndDeliverAlerts(warehouse, [verdict], { config, now });
    expect(report).toMatchObject({ queued: 0, sent: 0, pending: null });
    expect(report.failures).toEqual([
      expect.stringMatching(/^alerts not queued: .*ECONNREFUSED/),
      expect.stringMatching(/^alerts not delivered: .*ECONNREFUSED/),
    ]);
    const retried = await retryAlerts(warehouse, { config, now });
    expect(retried.failures).toEqual([expect.stringMatching(/^alerts not delivered: /)]);
    expect(slack.requests).toEqual([]);
  });
});
