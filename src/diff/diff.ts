import { UsageError } from '../errors.js';
import type { DataLake } from '../lake/data-lake.js';
import type { ProcessedDocument } from '../lake/formats/processed.js';
import { PROCESSED_KINDS, type ProcessedKind } from '../lake/keys.js';
import { isIsoDate } from '../market/dates.js';
import { normalizeTicker } from '../market/ticker.js';
import { mapSettled } from '../concurrency.js';
import type { Warehouse } from '../warehouse/database.js';
import { FieldAccumulator, type FieldStatistics, RELATIVE_TOLERANCE } from './compare.js';
import { flattenValues } from './flatten.js';
import { findPairs, type ObjectPair, tickersWithResults } from './compared-objects.js';

export interface DiffOptions {
  lake: DataLake;
  warehouse: Warehouse;
  from: string;
  to: string;
  /** Default: every ticker with results under either version. */
  tickers?: readonly string[];
  /** Only results as of this date. */
  date?: string;
  /** Worst cases kept per field (default 5). */
  top?: number;
  /** Objects read at once (default 8). */
  concurrency?: number;
}

export interface KindDiff extends FieldStatistics {
  /** `indicators.macd`, `percentiles.rsi_14.percentile`, `features.return_1d`. */
  field: string;
  kind: ProcessedKind;
}

/** The `--json` output of `marketlake diff`. */
export interface DiffReport {
  from: string;
  to: string;
  date: string | null;
  tickers: string[];
  tolerance: string;
  /** Object pairs compared, per kind. */
  pairs: Record<ProcessedKind, number>;
  /** Objects without a counterpart computed from the same raw snapshot, per kind and side. */
  unpaired: Record<ProcessedKind, { from: number; to: number }>;
  /** One entry per field, in document order (indicators, percentiles, features). */
  fields: KindDiff[];
}

/** Compares the results of two computation versions computed from the same raw snapshots (see compared-objects.ts). */
export async function diffVersions(options: DiffOptions): Promise<DiffReport> {
  if (options.from === options.to)
    throw new UsageError(`--from and --to are the same version (${options.from}): nothing to compare`);
  if (options.date !== undefined && !isIsoDate(options.date))
    throw new UsageError(`--date must be a date YYYY-MM-DD (got "${options.date}")`);
  const versions = { from: options.from, to: options.to };
  const tickers = options.tickers
    ? options.tickers.map((t) => normalizeTicker(t))
    : await tickersWithResults(options.warehouse, versions);
  const top = options.top ?? 5;

  const report: DiffReport = {
    from: options.from,
    to: options.to,
    date: options.date ?? null,
    tickers,
    tolerance: `changed when one side is null, or |a-b| > ${RELATIVE_TOLERANCE} x max(|a|, |b|, 1)`,
    pairs: { indicators: 0, percentiles: 0, features: 0 },
    unpaired: { indicators: { from: 0, to: 0 }, percentiles: { from: 0, to: 0 }, features: { from: 0, to: 0 } },
    fields: [],
  };
  for (const kind of PROCESSED_KINDS) {
    const pairs: ObjectPair[] = [];
    for (const ticker of tickers) {
      const found = await findPairs(options.warehouse, ticker, kind, versions, options.date);
      pairs.push(...found.pairs);
      report.unpaired[kind].from += found.onlyFrom;
      report.unpaired[kind].to += found.onlyTo;
    }
    report.pairs[kind] = pairs.length;
    report.fields.push(...(await compareKind(options.lake, kind, pairs, top, options.concurrency ?? 8)));
  }
  return report;
}

async function compareKind(
  lake: DataLake,
  kind: ProcessedKind,
  pairs: readonly ObjectPair[],
  top: number,
  concurrency: number,
): Promise<KindDiff[]> {
  const fields = new Map<string, FieldAccumulator>();
  const read = async (pair: ObjectPair) => {
    const [a, b] = await Promise.all([
      lake.get<ProcessedDocument>(pair.from.key, pair.from.versionId ?? undefined),
      lake.get<ProcessedDocument>(pair.to.key, pair.to.versionId ?? undefined),
    ]);
    return [flattenValues(a.body.values, a.key), flattenValues(b.body.values, b.key)] as const;
  };
  const settled = await mapSettled(pairs, concurrency, read);
  settled.forEach((result, i) => {
    // A pair that cannot be read makes the whole comparison wrong: fail loudly, naming the objects.
    if (result.status === 'rejected') throw result.reason;
    const [a, b] = result.value;
    const pair = pairs[i];
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      let accumulator = fields.get(name);
      if (!accumulator) fields.set(name, (accumulator = new FieldAccumulator(name, top)));
      accumulator.add(pair.ticker, pair.asOf, a.get(name) ?? null, b.get(name) ?? null);
    }
  });
  return [...fields.values()].map((accumulator) => ({
    ...accumulator.result(),
    field: `${kind}.${accumulator.field}`,
    kind,
  }));
}
