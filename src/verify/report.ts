import type { JsonValue } from './json-diff.js';

/**
 * The report of `marketlake verify` (its `--json` output, snake_case like every stored contract).
 *
 * `expected` is what the object should hold according to a record (the metadata written with it, the catalog,
 * the processed object's reference, or the recomputation); `actual` is what was found.
 */
export type MismatchProblem =
  /** The store would not serve the object (a damaged file, an I/O error); `actual` is the store's message. */
  | 'read-error'
  /** sha256 of the body differs from its metadata `content_sha256`. */
  | 'content-sha256'
  /** An object written by marketlake without `content_sha256` metadata. */
  | 'content-sha256-missing'
  /** A `lake_objects` column differs from the object; `field` names the column, `expected` is the catalog's value. */
  | 'catalog'
  /**
   * The body is not JSON, or not a valid raw snapshot / processed document (its schema refuses it: `field` is the
   * first offending field); `actual` says why.
   */
  | 'unparseable'
  /** A body field disagrees with the key, the kind or the metadata; `field` names it, `expected` is the reference. */
  | 'body'
  /** The processed object names no source raw key or version id. */
  | 'lineage-missing'
  /** The source raw object (key + version id) is not in the lake. */
  | 'source-raw-missing'
  /** The source raw object is there but cannot be read or parsed; the raw key has its own finding. */
  | 'source-raw-unreadable'
  /** The processed object's `source_raw_data_sha256` differs from the sha256 of the raw body. */
  | 'source-raw-sha256'
  /** The recorded computation version is not one this marketlake knows; it cannot be recomputed. */
  | 'computation-version'
  /** The recomputation threw; `actual` is the error. */
  | 'recompute-failed'
  /** The recomputed as-of date (last bar of the raw) differs from the body's `as_of`. */
  | 'as-of'
  /** A value differs bit for bit; `field` is its path, `expected` the recomputed value, `actual` the stored one. */
  | 'value'
  /** A recomputed value is absent from the stored body. */
  | 'value-missing'
  /** The stored body holds a value the recomputation does not produce. */
  | 'value-extra';

export interface Mismatch {
  key: string;
  /** The object kind: raw, indicators, percentiles or features (`unknown` for a key that is not marketlake's). */
  kind: string;
  problem: MismatchProblem;
  field?: string;
  expected?: JsonValue;
  actual?: JsonValue;
  /** The version of the object this is about, when known. */
  version_id?: string;
}

/** A catalog row whose object is not in the lake. */
export interface MissingObject {
  key: string;
  kind: string;
  version_id: string | null;
  /** `no-object`: nothing under the key; `no-version`: the key exists, the catalogued version does not. */
  problem: 'no-object' | 'no-version';
}

/** An object in the lake without a catalog row. */
export interface UncataloguedObject {
  key: string;
  /** `unknown` for a key outside the layout of docs/design.md "Keys" (which cannot be catalogued at all). */
  kind: string;
  size: number;
}

export interface VerifyReport {
  /** Processed objects verified (fetched, hashed, recomputed). */
  checked: number;
  /** Distinct raw objects (key + version) whose bodies were verified. */
  raw_checked: number;
  /** Catalog rows in scope, each checked against its object. */
  catalog_rows: number;
  /** The lake's Parquet table files read and checked (the whole lake only; none with --tickers). */
  table_files_checked: number;
  ok: boolean;
  mismatches: Mismatch[];
  missing_objects: MissingObject[];
  uncatalogued_objects: UncataloguedObject[];
}

/** Findings collected by concurrent checks, sorted by key at the end so the report does not depend on timing. */
export class Findings {
  readonly mismatches: Mismatch[] = [];
  readonly missing: MissingObject[] = [];
  readonly uncatalogued: UncataloguedObject[] = [];

  mismatch(finding: Mismatch): void {
    this.mismatches.push(finding);
  }

  report(counts: { checked: number; rawChecked: number; catalogRows: number; tableFiles: number }): VerifyReport {
    // Array sort is stable: the findings of one key keep the order its checks made them in.
    const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    return {
      checked: counts.checked,
      raw_checked: counts.rawChecked,
      catalog_rows: counts.catalogRows,
      table_files_checked: counts.tableFiles,
      ok: this.mismatches.length === 0 && this.missing.length === 0 && this.uncatalogued.length === 0,
      mismatches: [...this.mismatches].sort(byKey),
      missing_objects: [...this.missing].sort(byKey),
      uncatalogued_objects: [...this.uncatalogued].sort(byKey),
    };
  }
}
