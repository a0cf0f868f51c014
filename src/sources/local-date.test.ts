import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, localDate } from './local-date.js';

describe('localDate', () => {
  it('gives the exchange-local date, not the UTC one', () => {
    const instant = new Date('2024-05-06T15:00:00Z'); // 00:00 on 05-07 in Tokyo
    expect(localDate(instant, 'Asia/Tokyo', 32_400)).toBe('2024-05-07');
    expect(localDate(instant, 'America/New_York', -14_400)).toBe('2024-05-06');
    expect(localDate(new Date('2024-05-07T02:00:00Z'), 'America/Los_Angeles', -25_200)).toBe('2024-05-06');
  });

  it('follows daylight saving through the zone name, where a fixed offset would not', () => {
    // 04:30 UTC on 1 July is 00:30 EDT (UTC-4); with the winter offset (UTC-5) it would be 23:30 the day before.
    const instant = new Date('2024-07-01T04:30:00Z');
    expect(localDate(instant, 'America/New_York', -18_000)).toBe('2024-07-01');
    expect(localDate(instant, null, -18_000)).toBe('2024-06-30');
  });

  it('falls back to the UTC offset when the zone is unknown or missing', () => {
    expect(isKnownTimeZone('Asia/Nowhere')).toBe(false);
    const instant = new Date('2024-05-06T15:00:00Z');
    expect(localDate(instant, 'Asia/Nowhere', 32_400)).toBe('2024-05-07');
    expect(localDate(instant, null, 32_400)).toBe('2024-05-07');
    expect(localDate(instant, undefined, 0)).toBe('2024-05-06');
  });

  it('refuses to guess without a zone or an offset', () => {
    expect(() => localDate(new Date(0), 'Asia/Nowhere', undefined)).toThrow(
      /"Asia\/Nowhere" is unknown and there is no UTC offset/,
    );
    expect(() => localDate(new Date(Number.NaN), 'UTC', 0)).toThrow(RangeError);
  });
});
