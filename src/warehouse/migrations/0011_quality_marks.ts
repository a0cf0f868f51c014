/**
 * Quality marks on results (issue 14): the result rows of a ticker whose snapshot or results failed a quality check
 * and were written all the same (policy `warn`, or only warnings failed) name the failed checks, as the lake
 * objects they mirror do in their metadata (`quality_failed`, src/lake/formats/quality-mark.ts):
 * `check:severity` entries, comma-separated. Null on a clean row; every write sets it, so a clean recompute of the
 * same row clears it.
 *
 * Additive: one nullable column per result table; the rows written before it are null (unmarked), which is what
 * they were. Frozen once released.
 */
import type { Kysely, Migration } from 'kysely';

const RESULT_TABLES = ['daily_indicators', 'indicator_percentiles', 'comparative_features'] as const;

async function up(db: Kysely<any>): Promise<void> {
  for (const table of RESULT_TABLES) {
    await db.schema.alterTable(table).addColumn('quality_failed', 'text').execute();
  }
}

async function down(db: Kysely<any>): Promise<void> {
  for (const table of RESULT_TABLES) {
    await db.schema.alterTable(table).dropColumn('quality_failed').execute();
  }
}

export const migration0011QualityMarks: Migration = { up, down };
