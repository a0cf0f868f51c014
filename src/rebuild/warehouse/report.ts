import type { RebuildReport } from '../rebuild-catalog.js';

/** The `--json` output of `marketlake warehouse rebuild`. */
export interface WarehouseRebuildReport {
  /** The catalog step (`lake_objects`), exactly as `marketlake catalog rebuild` reports it. */
  catalog: RebuildReport;
  /** `daily_prices`: raw snapshots read, and rows written (each (symbol, date) once, from its newest snapshot). */
  prices: { snapshots_read: number; rows: number };
  /**
   * `daily_indicators`, `indicator_percentiles`, `comparative_features`: processed objects in the catalog, the
   * ones read (the newest of each row's identity), and the rows written from them.
   */
  results: { objects: number; read: number; rows: number };
  /** `restatements` / `restatement_bars`: objects listed under `restatements/`, rows inserted, already there. */
  restatements: { listed: number; inserted: number; already_present: number };
  /** Objects that could not be used, with why: the rows they would give are left out, everything else is rebuilt. */
  failed: { key: string; reason: string }[];
}

/** A skipped object: recorded and reported, never thrown. */
export type FailureSink = (key: string, reason: string) => void;

export function emptyReport(catalog: RebuildReport): WarehouseRebuildReport {
  return {
    catalog,
    prices: { snapshots_read: 0, rows: 0 },
    results: { objects: 0, read: 0, rows: 0 },
    restatements: { listed: 0, inserted: 0, already_present: 0 },
    failed: [],
  };
}

/** Every problem of the report: the catalog's conflicts and failures, and the objects skipped afterwards. */
export function rebuildProblems(report: WarehouseRebuildReport): number {
  return report.catalog.conflicting.length + report.catalog.failed.length + report.failed.length;
}
