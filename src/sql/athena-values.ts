/**
 * Athena's GetQueryResults gives every value as text (`Datum.VarCharValue`, absent for NULL) and the column types
 * apart (`ResultSetMetadata.ColumnInfo[].Type`). This turns the text into the JSON value the `sql` command prints,
 * by the column's type. Exact numbers that a JSON number (an IEEE double) cannot hold exactly stay strings, so no
 * digit is ever changed silently: a bigint beyond 2^53, a decimal of more than 15 significant digits.
 */

/** A value of an Athena result as JSON: scalars only (arrays, maps and rows stay Athena's text). */
export type AthenaValue = string | number | boolean | null;

/** How a column's text becomes JSON, decided once a column. */
export type AthenaValueConverter = (text: string) => AthenaValue;

/**
 * Athena (Trino) type names as ColumnInfo.Type gives them: lower case, usually without parameters (`decimal`,
 * `varchar`; precision and scale are separate fields), but parameters are tolerated (`decimal(10,2)`, `char(3)`).
 */
function baseType(type: string): string {
  let name = type.trim().toLowerCase();
  // Innermost groups first, so that `array(row(a integer))` and `timestamp(3) with time zone` both lose theirs.
  for (let previous = ''; previous !== name;) {
    previous = name;
    name = name.replace(/\([^()]*\)/g, '');
  }
  return name.replace(/\s+/g, ' ').trim();
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;
// Athena prints doubles as Java does (1.0E-5); NaN and the infinities have no JSON number.
const FLOATING = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(\.\d+)?)$/;

/** The converter for a column of `type`; `column` names it in the error a malformed value raises. */
export function athenaValueConverter(column: string, type: string): AthenaValueConverter {
  const malformed = (text: string): never => {
    throw new Error(
      `Athena result column ${JSON.stringify(column)} of type ${type}: unexpected value ${JSON.stringify(text)}`,
    );
  };
  switch (baseType(type)) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint':
      return (text) => {
        if (!INTEGER.test(text)) return malformed(text);
        const value = Number(text);
        return Number.isSafeInteger(value) ? value : text;
      };
    case 'decimal':
      return (text) => {
        if (!DECIMAL.test(text)) return malformed(text);
        return significantDigits(text) <= 15 ? Number(text) : text;
      };
    case 'double':
    case 'real':
    case 'float':
      return (text) => {
        if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
        if (!FLOATING.test(text)) return malformed(text);
        return Number(text);
      };
    case 'boolean':
      return (text) => (text === 'true' ? true : text === 'false' ? false : malformed(text));
    case 'date':
      return (text) => (DATE.test(text) ? text : malformed(text));
    case 'timestamp':
      // `timestamp` has no zone and Athena's are UTC by convention (the lake's are): ISO 8601 with Z.
      // `timestamp with time zone` has another base name (see baseType) and keeps Athena's text, zone included.
      return (text) => {
        const match = TIMESTAMP.exec(text);
        return match ? `${match[1]}T${match[2]}Z` : malformed(text);
      };
    default:
      // varchar, char, string, and what JSON has no scalar for (array, map, row, json, varbinary, time, interval,
      // uuid, ipaddress, timestamp with time zone): the text as Athena gives it.
      return (text) => text;
  }
}

/** Significant digits of a plain decimal numeral: 15 or fewer survive a trip through a double exactly. */
function significantDigits(text: string): number {
  const digits = text.replace(/[-.]/g, '').replace(/^0+/, '');
  return digits === '' ? 1 : digits.replace(/0+$/, '').length || 1;
}
