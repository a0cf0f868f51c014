import { describe, expect, it } from 'vitest';
import { parseQualityConfig } from './config.js';
import type { CheckVerdict } from './finding.js';
import { checkAgainstPeers, missingDates, PEER_CHECKS, peerCalendars, type PeerSeries } from './peer-checks.js';
import { businessDays } from './testing/bars.js';

const DAYS = businessDays('2025-03-03', 40);
const without = (dates: readonly string[], ...drop: number[]) => dates.filter((_, i) => !drop.includes(i));

function find(verdicts: CheckVerdict[], id: string): CheckVerdict {
  return verdicts.find((v) => v.check === id)!;
}

function usPeers(): PeerSeries[] {
  return [
    { ticker: 'A', market: 'US', dates: DAYS },
    { ticker: 'B', market: 'US', dates: without(DAYS, 7) }, // one ticker's own gap is not the market's
    { ticker: 'C', market: 'US', dates: DAYS },
    { ticker: 'D', market: 'US', dates: DAYS.slice(20) }, // listed later: does not thin out the older dates
    { ticker: 'E', market: 'US', dates: [...DAYS.slice(0, 39), '2025-04-26'] }, // a stray Saturday, alone
  ];
}

describe('peerCalendars', () => {
  it('keeps the dates most listed tickers have, per market', () => {
    const calendar = peerCalendars(usPeers()).get('US')!;
    expect(calendar.tickers).toBe(5);
    expect(calendar.dates).toEqual(DAYS);
  });

  it('has no calendar for a market with fewer than min_peers tickers, and its checks pass saying so', () => {
    const calendars = peerCalendars([...usPeers(), { ticker: 'X.SI', market: 'SG', dates: DAYS.slice(0, 10) }]);
    const sg = calendars.get('SG')!;
    expect(sg.dates).toBeNull();
    const verdicts = checkAgainstPeers({ ticker: 'X.SI', market: 'SG', dates: DAYS.slice(0, 10) }, sg);
    expect(verdicts.map((v) => v.check)).toEqual([...PEER_CHECKS]);
    for (const v of verdicts)
      expect(v).toMatchObject({ passed: true, details: expect.stringContaining('fewer than 3') });
  });

  it('reads peer_share and min_peers per market from the config', () => {
    const config = parseQualityConfig(
      { markets: { US: { checks: { 'completeness.peer_dates': { min_peers: 6 } } } } },
      'q.json',
    );
    expect(peerCalendars(usPeers(), config).get('US')!.dates).toBeNull();
    const strict = parseQualityConfig({ checks: { 'completeness.peer_dates': { peer_share: 1 } } }, 'q.json');
    expect(peerCalendars(usPeers(), strict).get('US')!.dates).not.toContain(DAYS[7]);
  });
});

describe('checkAgainstPeers', () => {
  const calendar = peerCalendars(usPeers()).get('US')!;

  it('passes a ticker with every date of the calendar', () => {
    const verdicts = checkAgainstPeers(
      { ticker: 'A', market: 'US', dates: DAYS, previousDates: DAYS.slice(0, 39) },
      calendar,
    );
    expect(verdicts.filter((v) => !v.passed)).toEqual([]);
  });

  it('tolerates one missing date, and finds two', () => {
    expect(
      find(
        checkAgainstPeers({ ticker: 'B', market: 'US', dates: without(DAYS, 7) }, calendar),
        'completeness.peer_dates',
      ).passed,
    ).toBe(true);
    const verdict = find(
      checkAgainstPeers({ ticker: 'B', market: 'US', dates: without(DAYS, 7, 8) }, calendar),
      'completeness.peer_dates',
    );
    expect(verdict).toMatchObject({ passed: false, severity: 'warn', observed: 2, expected: 1 });
    expect(verdict.details).toContain(`${DAYS[7]}, ${DAYS[8]}`);
  });

  it('judges only the ticker own range: a later listing lacks nothing', () => {
    expect(missingDates(DAYS.slice(20), DAYS)).toEqual([]);
  });

  it('counts as new only the gaps the previous snapshot did not have', () => {
    const previousDates = without(DAYS.slice(0, 35), 5); // already lacked DAYS[5]
    const dates = without(DAYS, 5, 12, 37);
    const verdict = find(
      checkAgainstPeers({ ticker: 'B', market: 'US', dates, previousDates }, calendar),
      'completeness.new_gaps',
    );
    expect(verdict).toMatchObject({ passed: false, observed: 2 });
    expect(verdict.details).toContain(`${DAYS[12]}, ${DAYS[37]}`);
    expect(verdict.details).not.toContain(DAYS[5]);
    // The same previous dates out of order: the same verdict.
    const reversed = [...previousDates].reverse();
    expect(
      find(
        checkAgainstPeers({ ticker: 'B', market: 'US', dates, previousDates: reversed }, calendar),
        'completeness.new_gaps',
      ),
    ).toEqual(verdict);
  });

  it('finds a missing last day, and allows it with max_sessions 1', () => {
    const dates = DAYS.slice(0, 39);
    const verdict = find(checkAgainstPeers({ ticker: 'C', market: 'US', dates }, calendar), 'freshness.last_bar');
    expect(verdict).toMatchObject({ passed: false, observed: 1, expected: 0 });
    expect(verdict.details).toContain(`last bar is ${DAYS[38]}`);
    const config = parseQualityConfig(
      { tickers: { C: { checks: { 'freshness.last_bar': { max_sessions: 1 } } } } },
      'q.json',
    );
    expect(
      find(checkAgainstPeers({ ticker: 'C', market: 'US', dates }, calendar, config), 'freshness.last_bar').passed,
    ).toBe(true);
  });
});
