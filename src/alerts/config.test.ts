import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecretsForTesting, redact } from '../secrets.js';
import { resolveAlertsConfig } from './config.js';

afterEach(() => forgetSecretsForTesting());

describe('resolveAlertsConfig', () => {
  it('is empty with defaults when nothing is configured', () => {
    expect(resolveAlertsConfig(undefined, {})).toEqual({
      resendIntervalMs: 86_400_000,
      timeoutMs: 5000,
      budgetMs: 15000,
    });
  });

  it('reads the file section, and the environment wins over it', () => {
    const config = resolveAlertsConfig(
      {
        slack_webhook_url: 'https://hooks.example/services/FILE',
        alert_webhook_url: 'http://am.example/hook',
        resend_interval_hours: 6,
        timeout_ms: 1000,
        budget_ms: 3000,
      },
      {
        MARKETLAKE_SLACK_WEBHOOK_URL: 'https://hooks.example/services/ENV',
        MARKETLAKE_ALERT_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:quality',
        MARKETLAKE_ALERT_WEBHOOK_URL: '',
      },
    );
    expect(config).toEqual({
      slackWebhookUrl: 'https://hooks.example/services/ENV',
      alertWebhookUrl: 'http://am.example/hook',
      sns: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:quality', region: 'eu-west-1' },
      resendIntervalMs: 6 * 3_600_000,
      timeoutMs: 1000,
      budgetMs: 3000,
    });
  });

  it('names the field that is wrong', () => {
    expect(() => resolveAlertsConfig({ timeout_ms: -1 }, {})).toThrow(/alerts\.timeout_ms/);
    expect(() => resolveAlertsConfig({ resend_interval_hours: 'daily' }, {})).toThrow(/alerts\.resend_interval_hours/);
    expect(() => resolveAlertsConfig({ slack_webhook: 'x' }, {})).toThrow(/unknown key\(s\) alerts\.slack_webhook/);
    expect(() => resolveAlertsConfig([], {})).toThrow(/alerts section must be an object/);
    expect(() => resolveAlertsConfig({ sns_topic_arn: 'quality' }, {})).toThrow(/alerts\.sns_topic_arn must be an SNS/);
    expect(() => resolveAlertsConfig({}, { MARKETLAKE_ALERT_SNS_TOPIC_ARN: 'arn:aws:s3:::b' })).toThrow(
      /MARKETLAKE_ALERT_SNS_TOPIC_ARN must be an SNS topic ARN/,
    );
    expect(() => resolveAlertsConfig({ sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:q.fifo' }, {})).toThrow(
      /alerts\.sns_topic_arn: FIFO topics are not supported/,
    );
    expect(() => resolveAlertsConfig({}, { MARKETLAKE_ALERT_WEBHOOK_URL: 'ftp://x/y' })).toThrow(
      /MARKETLAKE_ALERT_WEBHOOK_URL must be an http\(s\) URL/,
    );
  });

  it('never quotes a webhook URL it refuses, and remembers the secrets of those it reads', () => {
    let message = '';
    try {
      resolveAlertsConfig({ slack_webhook_url: 'hooks.example/services/T1/B2/TOKENCANARY42' }, {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/alerts\.slack_webhook_url must be an http\(s\) URL/);
    expect(message).not.toContain('TOKENCANARY42');
    resolveAlertsConfig(
      {
        slack_webhook_url: 'https://hooks.example/services/T1/B2/SLACKTOKEN99',
        alert_webhook_url: 'http://user:PASSWORDCANARY7@am.example/hook?token=QUERYTOKEN55',
      },
      {},
    );
    const text =
      'POST https://hooks.example/services/T1/B2/SLACKTOKEN99 failed; user:PASSWORDCANARY7 token QUERYTOKEN55';
    expect(redact(text)).not.toMatch(/SLACKTOKEN99|PASSWORDCANARY7|QUERYTOKEN55/);
  });
});
