/** Calendar dates as `YYYY-MM-DD` strings: they sort lexically, and they are what keys and tables use. */
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date (2024-02-29 yes, 2023-02-29 no). */
export function isIsoDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.toISOString().slice(0, 10) === text;
}

export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}
