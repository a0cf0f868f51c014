/**
 * Exchange-local calendar dates from vendor instants. A daily bar belongs to the trading day of its exchange,
 * but Yahoo stamps it with an instant: the session open for most listings, local midnight for some (GC=F's bars
 * are at 00:00 New York). East of UTC, local midnight is the previous UTC day, so the UTC date can be wrong.
 */

/** null marks a zone name Intl does not know, so the failure is looked up once, not thrown per bar. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        calendar: 'gregory',
        numberingSystem: 'latn',
      });
    } catch (error) {
      // Intl reports an unknown zone with a RangeError; that is the case the gmtoffset fallback is for.
      if (!(error instanceof RangeError)) throw error;
      formatter = null;
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when Intl knows the IANA zone name (e.g. `Asia/Tokyo`). */
export function isKnownTimeZone(timeZone: string): boolean {
  return formatterFor(timeZone) !== null;
}

/**
 * The `YYYY-MM-DD` date at `instant` in `timeZone`, falling back to a fixed offset in seconds (Yahoo's
 * `gmtoffset`) when the zone name is missing or unknown. The fallback offset is the zone's current one, not the
 * historical one; a daily bar is stamped hours away from midnight, so an hour of daylight saving does not move it
 * to another date.
 */
export function localDate(
  instant: Date,
  timeZone: string | null | undefined,
  gmtOffsetSeconds: number | null | undefined,
): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('localDate: the instant is not a valid date');
  const formatter = timeZone ? formatterFor(timeZone) : null;
  if (formatter) {
    const parts = formatter.formatToParts(instant);
    const part = (type: 'year' | 'month' | 'day') => parts.find((p) => p.type === type)?.value;
    const year = part('year');
    const month = part('month');
    const day = part('day');
    if (year && month && day) return `${year.padStart(4, '0')}-${month}-${day}`;
    throw new Error(`localDate: Intl gave no year/month/day for ${instant.toISOString()} in ${timeZone}`);
  }
  if (gmtOffsetSeconds == null || !Number.isFinite(gmtOffsetSeconds)) {
    throw new RangeError(
      `cannot tell the exchange-local date: time zone ${JSON.stringify(timeZone ?? null)} is unknown and there is no UTC offset`,
    );
  }
  return new Date(instant.getTime() + gmtOffsetSeconds * 1000).toISOString().slice(0, 10);
}
