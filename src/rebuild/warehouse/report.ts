import type { RebuildReport } from '../rebuild-catalog.js';

/** The `--json` output of `marketlake warehouse rebuild`. */
export interface WarehouseRebuildReport {
  /** The catalog step (`lake_objects`), exactly as `marketlake catalog rebuild` reports it. */
  catalog: RebuildReport;
  /**
   * `daily_prices`: raw snapshots read, rows written (each (symbol, date) once, from its newest snapshot), and
   * snapshots left out because a run blocked them (they never became prices).
   */
  prices: { snapshots_read: number; rows: number; snapshots_blocked: number };
  /**
   * `daily_indicators`, `indicator_percentiles`, `comparative_features`: processed objects in the catalog, the
   * ones read (the newest of each row's identity), and the rows written from them.
   */
  results: { objects: number; read: number; rows: number };
  /**
   * `quality_runs` / `quality_results`: quality objects read, runs restored with their verdicts, runs already
   * there, and the raw snapshots those runs blocked (policy `block`: left out of `daily_prices`).
   */
  quality: {
    objects: number;
    runs_restored: number;
    results_restored: number;
    runs_present: number;
    blocked_snapshots: number;
  };
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
    prices: { snapshots_read: 0, rows: 0, snapshots_blocked: 0 },
    quality: { objects: 0, runs_restored: 0, results_restored: 0, runs_present: 0, blocked_snapshots: 0 },
    results: { objects: 0, read: 0, rows: 0 },
    restatements: { listed: 0, inserted: 0, already_present: 0 },
    failed: [],
  };
}

/** Every problem of the report: the catalog's conflicts and failures, and the objects skipped afterwards. */
export function rebuildProblems(report: WarehouseRebuildReport): number {
  return report.catalog.conflicting.length + report.catalog.failed.length + report.failed.length;
}
