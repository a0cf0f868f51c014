/**
 * The quality config file (JSON): which checks run, at what severity, with which thresholds, globally, per
 * market and per ticker, and what an error finding does to the run (`policy`). Every key is checked against the
 * catalog (catalog.ts): an unknown check id or threshold name is an error naming the file and the field, so a
 * misspelt override never silently leaves the default in place.
 *
 *   {
 *     "policy": "block",
 *     "checks": { "plausibility.flat_close": { "max_days": 15 } },
 *     "markets": { "VN": { "checks": { "plausibility.one_day_move": { "max_move": 0.2 } } } },
 *     "tickers": { "^VNINDEX": { "checks": { "plausibility.zero_volume": { "enabled": false } } } },
 *     "alerts": { ... }
 *   }
 *
 * Precedence, per field: ticker > market > global (`checks`) > the catalog's per-market default > its default.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { MARKET_CODES, type Market } from '../sources/markets.js';
import { CHECKS, checkDefinition, isCheckId, type CheckId, type Thresholds } from './catalog.js';
import { SEVERITIES, type Severity } from './finding.js';

/** `block`: an error finding keeps the ticker's processed results from being written; `warn`: report only. */
export const POLICIES = ['block', 'warn'] as const;
export type QualityPolicy = (typeof POLICIES)[number];

export interface CheckOverride {
  enabled?: boolean;
  severity?: Severity;
  /** Threshold overrides, by the catalog's names. */
  [threshold: string]: number | boolean | string | undefined;
}

export type ChecksOverride = Partial<Record<CheckId, CheckOverride>>;

export interface QualityConfig {
  policy: QualityPolicy;
  checks: ChecksOverride;
  markets: Partial<Record<Market, { checks: ChecksOverride }>>;
  tickers: Record<string, { checks: ChecksOverride }>;
  /** The alerts' section, validated by the alerts module. */
  alerts?: unknown;
}

/** What a check runs with, for one ticker. */
export interface CheckSettings {
  enabled: boolean;
  severity: Severity;
  thresholds: Thresholds;
}

export const DEFAULT_QUALITY_CONFIG: QualityConfig = Object.freeze({
  policy: 'block',
  checks: {},
  markets: {},
  tickers: {},
});

/** One strict object per check: `enabled`, `severity` and the check's own threshold names, nothing else. */
function overrideSchema(thresholds: Thresholds) {
  const shape: Record<string, z.ZodType> = {
    enabled: z.boolean().optional(),
    severity: z.enum(SEVERITIES as [Severity, ...Severity[]]).optional(),
  };
  for (const name of Object.keys(thresholds)) shape[name] = z.number().finite().optional();
  return z.strictObject(shape);
}

const CHECKS_SCHEMA = z.strictObject(
  Object.fromEntries(CHECKS.map((definition) => [definition.id, overrideSchema(definition.thresholds).optional()])),
);

const SCOPE_SCHEMA = z.strictObject({ checks: CHECKS_SCHEMA.default({}) });

export const QUALITY_CONFIG_SCHEMA = z.strictObject({
  policy: z.enum(POLICIES).default('block'),
  checks: CHECKS_SCHEMA.default({}),
  markets: z.partialRecord(z.enum(MARKET_CODES), SCOPE_SCHEMA).default({}),
  tickers: z.record(z.string().min(1), SCOPE_SCHEMA).default({}),
  alerts: z.unknown().optional(),
});

/** Validates a parsed config document; `source` (the file) names where in the messages. */
export function parseQualityConfig(document: unknown, source: string): QualityConfig {
  const parsed = QUALITY_CONFIG_SCHEMA.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((key) => `${[...path, key].join('.')}: unknown key (known: ${knownKeys(path).join(', ')})`)
          .join('; ');
      }
      return `${path.length === 0 ? '(top level)' : path.join('.')}: ${issue.message}`;
    });
    throw new InputError(source, undefined, `invalid quality config: ${problems.join('; ')}`);
  }
  const config = parsed.data as QualityConfig;
  // Tickers are matched as the run spells them (upper case, Yahoo's symbols): a lower-case key would never match.
  for (const ticker of Object.keys(config.tickers)) {
    if (ticker !== ticker.toUpperCase()) {
      throw new InputError(
        source,
        undefined,
        `tickers.${ticker}: ticker keys are upper case (${ticker.toUpperCase()})`,
      );
    }
  }
  return config;
}

/** The keys allowed at `path` of the document, for the message about an unknown one. */
function knownKeys(path: readonly string[]): readonly string[] {
  const last = path[path.length - 1];
  if (path.length === 0) return Object.keys(QUALITY_CONFIG_SCHEMA.shape);
  if (last === 'markets') return MARKET_CODES;
  if (last === 'checks') return CHECKS.map((definition) => definition.id);
  if (path[path.length - 2] === 'checks' && isCheckId(last)) {
    return ['enabled', 'severity', ...Object.keys(checkDefinition(last).thresholds)];
  }
  return ['checks'];
}

/** Reads and validates the config file; errors name the file and the field. */
export function loadQualityConfig(path: string): QualityConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(path, undefined, `cannot read the quality config: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InputError(path, undefined, `the quality config is not JSON: ${(error as Error).message}`);
  }
  return parseQualityConfig(document, path);
}

/** The settings a check runs with for one ticker of one market (precedence in the header). */
export function settingsFor(
  config: QualityConfig,
  market: Market,
  ticker: string | undefined,
  checkId: CheckId,
): CheckSettings {
  const definition = checkDefinition(checkId);
  const layers: (CheckOverride | Thresholds | undefined)[] = [
    definition.thresholds,
    definition.markets?.[market],
    config.checks[checkId],
    config.markets[market]?.checks[checkId],
    ticker === undefined ? undefined : config.tickers[ticker]?.checks[checkId],
  ];
  let enabled = true;
  let severity: Severity = definition.severity;
  const thresholds: Record<string, number> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [name, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (name === 'enabled') enabled = value as boolean;
      else if (name === 'severity') severity = value as Severity;
      else thresholds[name] = value as number;
    }
  }
  return { enabled, severity, thresholds };
}
