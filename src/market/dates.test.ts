import { expect, it } from 'vitest';
import { isIsoDate } from './dates.js';

/** What isIsoDate answered before it was written digit by digit: a Date round trip. */
function byDateRoundTrip(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [, y, m, d] = match;
  return new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))).toISOString().slice(0, 10) === text;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

it('accepts exactly the calendar dates a Date round trip accepts, over every month and day of many years', () => {
  const years = [0, 1, 99, 100, 1600, 1700, 1899, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999];
  let checked = 0;
  for (const year of years) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
        expect(isIsoDate(text), text).toBe(byDateRoundTrip(text));
        checked++;
      }
    }
  }
  expect(checked).toBe(years.length * 14 * 33);
});

it('decides leap days by the Gregorian rules and refuses anything but YYYY-MM-DD', () => {
  expect(['2024-02-29', '2000-02-29', '2400-02-29'].map(isIsoDate)).toEqual([true, true, true]);
  expect(['2023-02-29', '1900-02-29', '2100-02-29', '2024-02-30', '2024-04-31'].map(isIsoDate)).toEqual([
    false,
    false,
    false,
    false,
    false,
  ]);
  const malformed = [
    '',
    '2024-1-05',
    '2024-01-5',
    '2024/01/05',
    '20240105',
    '2024-01-05T00:00',
    ' 2024-01-05',
    '2024-0a-05',
    '+024-01-05',
    '2024-01-0\u0661',
    '2024-01-05\n',
  ];
  for (const text of malformed) {
    expect(isIsoDate(text), JSON.stringify(text)).toBe(false);
    expect(byDateRoundTrip(text), JSON.stringify(text)).toBe(false);
  }
});
