import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { CHECKS, checkDefinition, checksOfPhase } from './catalog.js';
import { PEER_CHECKS } from './peer-checks.js';
import { RESULT_CHECKS } from './result-checks.js';
import { SNAPSHOT_CHECKS } from './snapshot-checks.js';
import { DEFAULT_QUALITY_CONFIG, loadQualityConfig, parseQualityConfig, settingsFor } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'quality-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('the catalog', () => {
  it('has unique ids of the form family.name, and per-market defaults only for thresholds the check has', () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of CHECKS) {
      expect(check.id).toMatch(/^[a-z]+\.[a-z_]+$/);
      for (const overrides of Object.values(check.markets ?? {})) {
        for (const name of Object.keys(overrides)) expect(Object.keys(check.thresholds)).toContain(name);
      }
    }
  });

  it('lists every check a phase runs under that phase, and nothing else', () => {
    const ids = (phase: Parameters<typeof checksOfPhase>[0]) => checksOfPhase(phase).map((c) => c.id);
    expect(ids('snapshot')).toEqual([...SNAPSHOT_CHECKS]);
    expect(ids('results')).toEqual([...RESULT_CHECKS]);
    expect(ids('peers')).toEqual([...PEER_CHECKS]);
    expect(ids('vendor')).toEqual(['vendor.payload_shape']);
  });

  it('has the severities the issue fixes', () => {
    const errors = CHECKS.filter((c) => c.severity === 'error').map((c) => c.id);
    expect(errors.sort()).toEqual(
      [
        'computation.domain',
        'consistency.duplicate_dates',
        'consistency.high_low',
        'consistency.positive_prices',
        'consistency.volume',
        'plausibility.one_day_move',
        'stability.history_shrank',
        'vendor.payload_shape',
      ].sort(),
    );
  });
});

describe('settingsFor', () => {
  it('gives the catalog defaults and the per-market defaults without a config file', () => {
    expect(settingsFor(DEFAULT_QUALITY_CONFIG, 'US', 'AAPL', 'plausibility.one_day_move')).toEqual({
      enabled: true,
      severity: 'error',
      thresholds: { max_move: 0.6 },
    });
    expect(settingsFor(DEFAULT_QUALITY_CONFIG, 'VN', 'FPT.VN', 'plausibility.one_day_move').thresholds).toEqual({
      max_move: 0.16,
    });
  });

  it('applies ticker over market over global over the per-market default, field by field', () => {
    const config = parseQualityConfig(
      {
        checks: { 'plausibility.one_day_move': { max_move: 0.3, severity: 'warn' } },
        markets: { VN: { checks: { 'plausibility.one_day_move': { max_move: 0.2 } } } },
        tickers: { 'FPT.VN': { checks: { 'plausibility.one_day_move': { max_move: 0.25, enabled: false } } } },
      },
      'q.json',
    );
    // Global beats the per-market default of TW (0.11).
    expect(settingsFor(config, 'TW', '2330.TW', 'plausibility.one_day_move')).toEqual({
      enabled: true,
      severity: 'warn',
      thresholds: { max_move: 0.3 },
    });
    expect(settingsFor(config, 'VN', 'VNM.VN', 'plausibility.one_day_move').thresholds.max_move).toBe(0.2);
    expect(settingsFor(config, 'VN', 'FPT.VN', 'plausibility.one_day_move')).toEqual({
      enabled: false,
      severity: 'warn',
      thresholds: { max_move: 0.25 },
    });
    // Other checks keep their defaults.
    expect(settingsFor(config, 'VN', 'FPT.VN', 'consistency.high_low').thresholds).toEqual(
      checkDefinition('consistency.high_low').thresholds,
    );
  });
});

describe('loadQualityConfig', () => {
  it('reads a valid file, defaulting the policy to block', () => {
    const path = file(
      'ok.json',
      JSON.stringify({ checks: { 'freshness.last_bar': { max_sessions: 1 } }, alerts: { x: 1 } }),
    );
    const config = loadQualityConfig(path);
    expect(config.policy).toBe('block');
    expect(config.alerts).toEqual({ x: 1 });
    expect(settingsFor(config, 'US', 'AAPL', 'freshness.last_bar').thresholds.max_sessions).toBe(1);
  });

  it.each([
    [
      { checks: { 'plausibility.one_day_mov': {} } },
      /checks\.plausibility\.one_day_mov: unknown key \(known: vendor\.payload_shape, /,
    ],
    [
      { checks: { 'plausibility.one_day_move': { max_moves: 0.2 } } },
      /checks\.plausibility\.one_day_move\.max_moves: unknown key \(known: enabled, severity, max_move\)/,
    ],
    [{ checks: { 'plausibility.one_day_move': { max_move: '0.2' } } }, /checks\.plausibility\.one_day_move\.max_move/],
    [{ checks: { 'freshness.last_bar': { severity: 'fatal' } } }, /checks\.freshness\.last_bar\.severity/],
    [{ markets: { XX: { checks: {} } } }, /markets\.XX: unknown key \(known: US, SG, JP, HK, VN, TW\)/],
    [
      { tickers: { AAPL: { checks: { 'consistency.volume': { enabled: 'no' } } } } },
      /tickers\.AAPL\.checks\.consistency\.volume\.enabled/,
    ],
    [{ policy: 'stop' }, /policy/],
    [{ polcy: 'block' }, /polcy: unknown key \(known: policy, checks, markets, tickers, alerts\)/],
    [{ markets: { VN: { check: {} } } }, /markets\.VN\.check: unknown key \(known: checks\)/],
    [{ tickers: { aapl: { checks: {} } } }, /tickers\.aapl: ticker keys are upper case \(AAPL\)/],
  ])('names the file and the field of %j', (document, message) => {
    const path = file('bad.json', JSON.stringify(document));
    let caught: unknown;
    try {
      loadQualityConfig(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toContain(path);
    expect((caught as Error).message).toMatch(message);
  });

  it('says when the file is missing or not JSON', () => {
    expect(() => loadQualityConfig(join(dir, 'absent.json'))).toThrow(/absent\.json: cannot read the quality config/);
    expect(() => loadQualityConfig(file('broken.json', '{"checks":'))).toThrow(
      /broken\.json: the quality config is not JSON/,
    );
  });
});
