import { z } from 'zod';
import type { FeatureValues } from '../../compute/features.js';
import {
  COMPUTATION_VERSIONS,
  type ComputationVersion,
  INDICATOR_FIELDS,
  type IndicatorField,
} from '../../compute/fields.js';
import {
  type FrequencyFieldsByMetric,
  type PercentileMetric,
  type PercentileValues,
} from '../../compute/percentiles.js';
import type { ProcessedKind } from '../keys.js';
import type { ProcessedDocument } from './processed.js';
import { FEATURE_NUMBER_FIELDS, FREQUENCY_FIELDS } from './processed-fields.js';
import { isoDate, isoInstant } from './raw-schema.js';
import { parseDocument, type Same } from './schema-check.js';
import { PROCESSED_SCHEMAS } from './schema-names.js';

/**
 * The zod schemas of the processed documents (`marketlake.indicators/1`, `marketlake.percentiles/1`,
 * `marketlake.features/1`; docs/design.md "Object bodies"): checked before every write (renderProcessed) and on
 * every read (processed-read.ts), and exported as schemas/marketlake.{kind}-1.schema.json.
 *
 * `values` depends on the computation version: each version lists its exact fields, each a number or null (null
 * where a value cannot be computed, e.g. during an indicator's warm-up); a field missing, added or of another type
 * is refused. Both versions of this build compute the same fields (compute/fields.ts); a version that computes
 * others gets its own entry in the tables below, and the compiler asks for one when a version is added.
 */

/** The indicator values of one version: its fields as of the last bar. */
export type IndicatorValues = Record<IndicatorField, number | null>;

const numberOrNull = z
  .number()
  .nullable()
  .meta({ id: 'number_or_null', description: 'A value, or null where it cannot be computed' });
/** A count (rows in a percentile window, bars of a series). */
const count = z.number().int().nonnegative();

/** A strict object of `fields`, each a number or null. */
function numbersOrNull<const F extends string>(fields: readonly F[]): z.ZodObject<Record<F, typeof numberOrNull>> {
  return z.strictObject(Object.fromEntries(fields.map((field) => [field, numberOrNull]))) as unknown as z.ZodObject<
    Record<F, typeof numberOrNull>
  >;
}

const INDICATOR_VALUES_1 = numbersOrNull(INDICATOR_FIELDS).meta({
  id: 'indicator_values_1',
  description: 'The indicators of computation versions 1.0 and 2.0 (docs/design.md "Computation versions")',
});

function metricStatistics<M extends PercentileMetric>(metric: M) {
  return z
    .strictObject({
      current_value: numberOrNull,
      percentile: numberOrNull,
      mean: numberOrNull,
      std: numberOrNull,
      min: numberOrNull,
      max: numberOrNull,
      count,
      ...numbersOrNull(FREQUENCY_FIELDS[metric]).shape,
    })
    .meta({ id: `percentile_statistics_${metric}`, description: `The statistics of ${metric} over its window` });
}

const PERCENTILE_VALUES_1 = z
  .strictObject({
    rsi_14: metricStatistics('rsi_14'),
    macd: metricStatistics('macd'),
    uncertainty_score: metricStatistics('uncertainty_score'),
    atr_percent: metricStatistics('atr_percent'),
    price_vwap_pct: metricStatistics('price_vwap_pct'),
    volume_ratio: metricStatistics('volume_ratio'),
    sma_20_deviation: metricStatistics('sma_20_deviation'),
    sma_50_deviation: metricStatistics('sma_50_deviation'),
    sma_200_deviation: metricStatistics('sma_200_deviation'),
    current_price_percentile: numberOrNull,
  })
  .meta({ id: 'percentile_values_1', description: 'The percentile statistics of computation versions 1.0 and 2.0' });

const FEATURE_VALUES_1 = z
  .strictObject({
    ...numbersOrNull(FEATURE_NUMBER_FIELDS).shape,
    bars: count,
  })
  .meta({ id: 'feature_values_1', description: 'The features of computation versions 1.0 and 2.0' });

/** The `values` of each kind, per computation version. */
const VALUES: { [K in ProcessedKind]: Record<ComputationVersion, z.ZodType> } = {
  indicators: { '1.0': INDICATOR_VALUES_1, '2.0': INDICATOR_VALUES_1 },
  percentiles: { '1.0': PERCENTILE_VALUES_1, '2.0': PERCENTILE_VALUES_1 },
  features: { '1.0': FEATURE_VALUES_1, '2.0': FEATURE_VALUES_1 },
};

const DESCRIPTIONS: Record<ProcessedKind, string> = {
  indicators: 'The technical indicators of one raw snapshot as of its last bar',
  percentiles: 'Where each indicator metric sits in its own history, as of the last bar of one raw snapshot',
  features: 'The comparative features (returns, volatility, Sharpe ratio, drawdown) of one raw snapshot',
};

/**
 * One kind's document: one branch per computation version, told apart by `computation_version`, so a value of
 * another version's shape is refused with the field's name. `pending` allows `source_raw_data_version_id: null`,
 * the outbox's form of a result whose raw snapshot is not written yet (src/pipeline/outbox-entries.ts); the lake
 * never holds it.
 */
function processedSchema(kind: ProcessedKind, pending: boolean) {
  const branches = COMPUTATION_VERSIONS.map((version) =>
    z
      .strictObject({
        schema: z.literal(PROCESSED_SCHEMAS[kind]),
        ticker: z.string().min(1),
        as_of: isoDate,
        computation_version: z.literal(version),
        computed_at: isoInstant,
        source_raw_data_key: z.string().min(1),
        source_raw_data_version_id: pending ? z.string().nullable() : z.string(),
        source_raw_data_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex'),
        values: VALUES[kind][version],
      })
      .meta({
        id: `${kind}_${version}`,
        description: `A ${PROCESSED_SCHEMAS[kind]} document of computation version ${version}`,
      }),
  );
  return z.discriminatedUnion('computation_version', branches as unknown as [(typeof branches)[number]]).meta({
    title: PROCESSED_SCHEMAS[kind],
    description:
      `${DESCRIPTIONS[kind]} (processed/${kind}/{TICKER}/{AS_OF}/{TS}.json), with the raw object it was ` +
      'computed from. `values` has the exact fields of its computation version; null where a value cannot be computed.',
  });
}

export const PROCESSED_DOCUMENTS = {
  indicators: processedSchema('indicators', false),
  percentiles: processedSchema('percentiles', false),
  features: processedSchema('features', false),
} satisfies Record<ProcessedKind, z.ZodType>;

/** The outbox's form (its raw object's version id may be null); see `processedSchema`. */
export const PENDING_PROCESSED_DOCUMENTS = {
  indicators: processedSchema('indicators', true),
  percentiles: processedSchema('percentiles', true),
  features: processedSchema('features', true),
} satisfies Record<ProcessedKind, z.ZodType>;

// The schemas and the types the code uses are one type (the compiler refuses these lines when they drift).
export const VALUES_MATCH: [
  Same<z.infer<typeof INDICATOR_VALUES_1>, IndicatorValues>,
  Same<z.infer<typeof PERCENTILE_VALUES_1>, PercentileValues>,
  Same<z.infer<typeof FEATURE_VALUES_1>, FeatureValues>,
  Same<keyof z.infer<(typeof PROCESSED_DOCUMENTS)['indicators']>, keyof ProcessedDocument>,
] = [true, true, true, true];

/** A stored processed object's body: a DocumentShapeError names the key and the field when it is not `kind`'s. */
export function parseProcessedDocument(text: string, key: string, kind: ProcessedKind): ProcessedDocument {
  // The schema's inferred type is looser than the interface (`values` is typed per kind through VALUES_MATCH).
  return parseDocument(PROCESSED_DOCUMENTS[kind], text, key) as ProcessedDocument;
}
