/**
 * DuckDB values as JSON-safe values, one rule a type, so `--json`, CSV and the text table print the same thing:
 * DATE 'YYYY-MM-DD'; timestamps ISO 8601 in UTC with 'Z' (milliseconds, or more digits when the value has them);
 * integers as numbers when exact in a double, else as decimal strings; FLOAT/DOUBLE NaN and ±Infinity as null (JSON
 * has no such numbers); DECIMAL as a number; BLOB as base64; LIST/ARRAY as arrays, STRUCT as objects, MAP as
 * [{key, value}], UNION as {tag, value}; every other type as DuckDB's own text for it.
 */
import type {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBValue,
  DuckDBValueConverter,
} from '@duckdb/node-api';
import { duckdb } from '../tables/duckdb-api.js';

const {
  arrayFromArrayValue,
  arrayFromListValue,
  createDuckDBValueConverter,
  fromVariantValue,
  objectArrayFromMapValue,
  objectFromStructValue,
  objectFromUnionValue,
} = duckdb;
const TypeId = duckdb.DuckDBTypeId;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type JsonPresent = Exclude<JsonValue, null>;
type Converter = DuckDBValueConverter<JsonPresent>;

const text: Converter = (value) => String(value);

const booleanValue: Converter = (value) => value === true;

const smallInteger: Converter = (value) => Number(value);

/** A 64-bit or wider integer: a number while a double holds it exactly, the decimal digits beyond. */
const wideInteger: Converter = (value) => {
  const integer = value as bigint;
  return integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(integer)
    : integer.toString();
};

const finiteOrNull = (number: number): number | null => (Number.isFinite(number) ? number : null);

const floating: Converter = (value) => finiteOrNull(value as number);

const decimal: Converter = (value) => finiteOrNull((value as DuckDBDecimalValue).toDouble());

const date: Converter = (value) => (value as DuckDBDateValue).toString();

const blob: Converter = (value) => Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');

/** Milliseconds a JS Date can hold either side of the epoch (ECMA-262 "Time Values and Time Range"). */
const MAX_DATE_MS = 8.64e15;

/**
 * An instant given as `ticks` units of 1/`perSecond` s since the epoch, in UTC ISO 8601: the milliseconds always
 * (as `Date.toISOString`), the digits below them only when not zero. `fallback` (DuckDB's text) for infinities and
 * the instants beyond what a JS Date holds.
 */
function isoInstant(ticks: bigint, perSecond: bigint, fallback: string): string {
  const seconds = ticks / perSecond - (ticks % perSecond < 0n ? 1n : 0n);
  const fraction = ticks - seconds * perSecond;
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return fallback;
  const digits = perSecond.toString().length - 1;
  const fractionText = fraction.toString().padStart(digits, '0').padEnd(3, '0');
  const shown = fractionText.length > 3 ? fractionText.replace(/0+$/, '').padEnd(3, '0') : fractionText;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${shown}Z`);
}

function timestamp(
  perSecond: bigint,
  ticksOf: (value: DuckDBValue) => bigint,
  isFinite: (value: DuckDBValue) => boolean,
): Converter {
  return (value) => (isFinite(value) ? isoInstant(ticksOf(value), perSecond, String(value)) : String(value));
}

const timestampMicros = timestamp(
  1_000_000n,
  (value) => (value as DuckDBTimestampValue | DuckDBTimestampTZValue).micros,
  (value) => (value as DuckDBTimestampValue | DuckDBTimestampTZValue).isFinite,
);
const timestampSeconds = timestamp(
  1n,
  (value) => (value as DuckDBTimestampSecondsValue).seconds,
  (value) => (value as DuckDBTimestampSecondsValue).isFinite,
);
const timestampMillis = timestamp(
  1000n,
  (value) => (value as DuckDBTimestampMillisecondsValue).millis,
  (value) => (value as DuckDBTimestampMillisecondsValue).isFinite,
);
const timestampNanos = timestamp(
  1_000_000_000n,
  (value) => (value as DuckDBTimestampNanosecondsValue).nanos,
  (value) => (value as DuckDBTimestampNanosecondsValue).isFinite,
);

const unsupported: Converter = (_value, type) => {
  throw new Error(`no JSON form for DuckDB type ${type.toString()}`);
};

const CONVERTERS: Record<DuckDBTypeId, Converter> = {
  [TypeId.INVALID]: unsupported,
  [TypeId.BOOLEAN]: booleanValue,
  [TypeId.TINYINT]: smallInteger,
  [TypeId.SMALLINT]: smallInteger,
  [TypeId.INTEGER]: smallInteger,
  [TypeId.BIGINT]: wideInteger,
  [TypeId.UTINYINT]: smallInteger,
  [TypeId.USMALLINT]: smallInteger,
  [TypeId.UINTEGER]: smallInteger,
  [TypeId.UBIGINT]: wideInteger,
  [TypeId.FLOAT]: floating,
  [TypeId.DOUBLE]: floating,
  [TypeId.TIMESTAMP]: timestampMicros,
  [TypeId.DATE]: date,
  [TypeId.TIME]: text,
  [TypeId.INTERVAL]: text,
  [TypeId.HUGEINT]: wideInteger,
  [TypeId.UHUGEINT]: wideInteger,
  [TypeId.VARCHAR]: text,
  [TypeId.BLOB]: blob,
  [TypeId.DECIMAL]: decimal,
  [TypeId.TIMESTAMP_S]: timestampSeconds,
  [TypeId.TIMESTAMP_MS]: timestampMillis,
  [TypeId.TIMESTAMP_NS]: timestampNanos,
  [TypeId.ENUM]: text,
  [TypeId.LIST]: arrayFromListValue,
  [TypeId.STRUCT]: objectFromStructValue,
  [TypeId.MAP]: objectArrayFromMapValue,
  [TypeId.ARRAY]: arrayFromArrayValue,
  [TypeId.UUID]: text,
  [TypeId.UNION]: objectFromUnionValue,
  [TypeId.BIT]: text,
  [TypeId.TIME_TZ]: text,
  [TypeId.TIMESTAMP_TZ]: timestampMicros,
  [TypeId.ANY]: unsupported,
  [TypeId.BIGNUM]: wideInteger,
  [TypeId.SQLNULL]: () => null,
  [TypeId.STRING_LITERAL]: unsupported,
  [TypeId.INTEGER_LITERAL]: unsupported,
  [TypeId.TIME_NS]: text,
  [TypeId.GEOMETRY]: text,
  [TypeId.VARIANT]: fromVariantValue,
};

/** The converter for `DuckDBDataChunk.convertColumnValues` and friends. */
export const json: DuckDBValueConverter<JsonPresent> = createDuckDBValueConverter(CONVERTERS);
