import { afterEach, beforeEach, expect, it } from 'vitest';
import { runReport } from '../../src/cli/commands/run-commands.js';
import { unreachableYahoo } from '../../src/sources/yahoo/testing/unreachable.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';

const TICKERS = Array.from({ length: 20 }, (_, i) => `T${i}`);

describeOnDatabases('a run while the vendor is unreachable', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  it('tries a few tickers, fails the rest with one reason, and says it once', async () => {
    const yahoo = await unreachableYahoo();
    const concurrency = 2;
    const summary = await t.run({ tables: false, tickers: TICKERS, source: yahoo.source, concurrency });

    expect(summary.status).toBe('failed');
    expect(summary.tickers_failed.map((f) => f.ticker)).toEqual(TICKERS);
    expect(summary.vendor_unreachable).toMatch(/ECONNREFUSED/);
    // Three in a row trip the guard; the ones already in flight then finish their own attempts.
    const tried = summary.tickers_failed.filter((f) => !f.reason.startsWith('not fetched'));
    expect(tried.length).toBeGreaterThanOrEqual(3);
    expect(tried.length).toBeLessThanOrEqual(3 + concurrency - 1);
    const skipped = summary.tickers_failed.filter((f) => f.reason.startsWith('not fetched'));
    expect(new Set(skipped.map((f) => f.reason)).size).toBe(1);
    expect(await t.keys()).toEqual([]);

    const report = runReport(summary, t.root, 'test database');
    const lines = report.split('\n');
    // The skipped tickers' reason is printed once, with their count.
    expect(lines.filter((line) => line.includes('not fetched: yfinance is unreachable'))).toEqual([
      expect.stringMatching(
        new RegExp(`^  FAILED ${skipped.length} tickers \\(T\\d+, .* and \\d+ more\\): not fetched`),
      ),
    ]);
    expect(lines.filter((line) => line.includes('ECONNREFUSED')).length).toBe(tried.length + 1);
  });
});
