/** Calendar dates as `YYYY-MM-DD` strings: they sort lexically, and they are what keys and tables use. */

/**
 * True for a real calendar date (2024-02-29 yes, 2023-02-29 no), years 0100 to 9999 (`Date.UTC` reads years
 * 0-99 as 1900-1999, so they never were accepted). Checked digit by digit, without a Date: every bar of every
 * snapshot goes through here (about 25 times faster: docs/benchmarks.md, "Measurements behind design choices").
 */
export function isIsoDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

const DASH = 0x2d;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The decimal number of text[from, from + count), or -1 unless all of it is ASCII digits. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return leap ? 29 : 28;
}

export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}
