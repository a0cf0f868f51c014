import { describe, it } from 'vitest';

/**
 * Tests that need a service (PostgreSQL, the S3 server) and find it missing: locally they are skipped with a loud
 * banner saying how to start it; with `MARKETLAKE_REQUIRE_SERVICES=1` (CI) they fail instead, so a missing
 * service can never pass silently.
 */
export function servicesRequired(): boolean {
  return process.env.MARKETLAKE_REQUIRE_SERVICES === '1';
}

const warned = new Set<string>();

/**
 * Declares `body` under `title` as skipped (once-per-service banner of `hints`), or as one failing test when
 * services are required. `service` names it in the failing test's title.
 */
export function describeWithoutService(
  title: string,
  service: string,
  problem: string,
  hints: readonly string[],
  body: () => void,
): void {
  if (servicesRequired()) {
    describe(title, () => {
      it(`needs ${service}`, () => {
        throw new Error(`${problem}. MARKETLAKE_REQUIRE_SERVICES=1 makes this a failure instead of a skip.`);
      });
    });
    return;
  }
  if (!warned.has(service)) {
    warned.add(service);
    const bar = '!'.repeat(100);
    console.warn(
      [
        bar,
        `!!! SKIPPING the tests that need ${service}: ${problem}.`,
        ...hints.map((hint) => `!!! ${hint}`),
        bar,
      ].join('\n'),
    );
  }
  describe.skip(title, body);
}
