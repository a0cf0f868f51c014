/**
 * The web page of `marketlake serve` (src/api/page/) in a real browser, Debian's Chromium driven by
 * playwright-core, on a server over a lake made by two daily runs of sample data: the page loads with no console
 * error and no failed request, the chart is drawn (its canvases hold candles, not a blank background), the numbers
 * shown are the API's for the same ticker, switching ticker, version and date shows theirs, and an unknown ticker
 * is said clearly. Without /usr/bin/chromium the suite is skipped loudly (fails with MARKETLAKE_REQUIRE_SERVICES=1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { resolveConfig } from '../../src/config.js';
import {
  CHROMIUM_PATH,
  chartInk,
  chromiumInstalled,
  launchChromium,
  makeSampleLake,
  pageTrouble,
  waitShown,
} from '../support/browser.js';
import { httpRequest } from '../support/http.js';
import { describeWithoutService } from '../support/services.js';

const TICKERS = ['NVDA', '^GSPC'];
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];

interface LakeObject<B = Record<string, unknown>> {
  key: string;
  version_id: string;
  metadata: Record<string, string>;
  body: B;
}
interface Result {
  ticker: string;
  as_of: string;
  computation_version: string;
  source_raw_data_key: string;
  source_raw_data_version_id: string;
  source_raw_data_sha256: string;
  values: Record<string, number>;
}
interface Raw {
  bars: { date: string; close: number }[];
}
interface Version {
  key: string;
  version_id: string;
  date: string;
}

function pageSuite(): void {
  let home: string;
  let server: ApiServer;
  let browser: Browser;

  const api = async <T>(path: string): Promise<T> => {
    const answer = await httpRequest(server.url, path);
    expect(answer.status, `${path}: ${answer.text()}`).toBe(200);
    return answer.json() as T;
  };
  const indicatorsOf = (ticker: string, suffix = 'latest') =>
    api<LakeObject<Result>>(`/v1/indicators/${encodeURIComponent(ticker)}/${suffix}`);
  const rawOf = (result: Result) =>
    api<LakeObject<Raw>>(
      `/v1/objects?key=${encodeURIComponent(result.source_raw_data_key)}` +
        `&version_id=${encodeURIComponent(result.source_raw_data_version_id)}`,
    );
  const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();

  /** The page at `hash`, with a record of what went wrong on it. */
  const open = async (hash = '') => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const trouble = pageTrouble(page);
    await page.goto(`${server.url}/${hash}`);
    return { page, trouble };
  };

  /** What the page shows for a result must be the API's answer for it, to the digits shown. */
  const expectShows = async (page: Page, result: LakeObject<Result>) => {
    const raw = await rawOf(result.body);
    const lastBar = raw.body.bars[raw.body.bars.length - 1]!;
    const percentiles = await api<LakeObject<{ values: Record<string, { percentile: number }> }>>(
      `/v1/percentiles/${encodeURIComponent(result.body.ticker)}/dates/${result.body.as_of}`,
    );
    expect(await text(page, '#title')).toBe(result.body.ticker);
    expect(await text(page, '#last-close')).toBe(lastBar.close.toFixed(2));
    expect(await text(page, '#last-date')).toBe(lastBar.date);
    expect(await text(page, '#as-of')).toBe(result.body.as_of);
    expect(await text(page, '#rsi')).toBe(result.body.values.rsi_14!.toFixed(2));
    expect(await text(page, '#macd')).toBe(result.body.values.macd!.toFixed(3));
    expect(await text(page, 'tr[data-metric="rsi_14"] .percentile')).toBe(
      percentiles.body.values.rsi_14!.percentile.toFixed(1),
    );
    // Lineage: the result and the raw snapshot it came from, and a link that serves exactly that snapshot.
    expect(await text(page, '#result-key')).toBe(result.key);
    expect(await text(page, '#result-version-id')).toBe(result.version_id);
    expect(await text(page, '#raw-key')).toBe(raw.key);
    expect(await text(page, '#raw-version-id')).toBe(raw.version_id);
    expect(await text(page, '#raw-sha256')).toBe(raw.metadata.content_sha256);
    expect(await text(page, '#lineage-computation-version')).toBe(result.body.computation_version);
    const rawLink = await page.getAttribute('#raw-key a', 'href');
    expect((await api<LakeObject>(rawLink!)).version_id).toBe(raw.version_id);
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-page-'));
    await makeSampleLake(home, TICKERS, DAYS);
    server = await startApiServer({ config: resolveConfig({ home }), host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('loads the first ticker with no console error and no failed request, and draws the chart', async () => {
    const { page, trouble } = await open();
    const latest = await indicatorsOf(TICKERS[0]!);
    await waitShown(page, latest.key);
    expect(page.url()).toContain('#ticker=NVDA');
    const ink = await chartInk(page);
    // Candles, volume, three panes of lines: far more than a blank canvas or an axis alone.
    expect(ink.canvases).toBeGreaterThan(0);
    expect(ink.drawn).toBeGreaterThan(ink.area * 0.03);
    expect(ink.candles).toBeGreaterThan(2_000);
    expect(await page.locator('#tickers a').allTextContents()).toEqual(TICKERS);
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a linked ticker without waiting for the list of tickers, and marks it in the list once it comes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const trouble = pageTrouble(page);
    // The list (the slowest read on a large lake) is held back until the view is shown.
    let releaseList!: () => void;
    const listHeld = new Promise<void>((resolve) => (releaseList = resolve));
    await page.route('**/v1/tickers', async (route) => {
      await listHeld;
      await route.continue();
    });
    await page.goto(`${server.url}/#ticker=${encodeURIComponent('^GSPC')}`);
    const gspc = await indicatorsOf('^GSPC');
    await waitShown(page, gspc.key);
    expect(await page.locator('#tickers a').count()).toBe(0);
    releaseList();
    await page.waitForSelector('#tickers a[aria-current="true"]');
    expect(await page.locator('#tickers a[aria-current="true"]').allTextContents()).toEqual(['^GSPC']);
    expect(await page.locator('#tickers a').allTextContents()).toEqual(TICKERS);
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows the API's numbers for a ticker, then another ticker's when it is picked or searched", async () => {
    const { page, trouble } = await open('#ticker=NVDA');
    const nvda = await indicatorsOf('NVDA');
    await waitShown(page, nvda.key);
    await expectShows(page, nvda);

    const gspc = await indicatorsOf('^GSPC');
    await page.click('#tickers a[data-ticker="^GSPC"]');
    await waitShown(page, gspc.key);
    await expectShows(page, gspc);
    expect(await text(page, '#rsi')).not.toBe(nvda.body.values.rsi_14!.toFixed(2));

    // Search filters the list; Enter shows the one ticker left, or what was typed when none is.
    await page.fill('#search', 'nv');
    expect(await page.locator('#tickers li:visible').allTextContents()).toEqual(['NVDA']);
    await page.press('#search', 'Enter');
    await waitShown(page, nvda.key);
    await expectShows(page, nvda);
    await page.fill('#search', 'gspc');
    await page.press('#search', 'Enter');
    await waitShown(page, gspc.key);
    await page.fill('#search', 'zzz');
    expect(await page.locator('#tickers li:visible').count()).toBe(0);
    await page.press('#search', 'Enter');
    await waitShown(page, undefined, 'error');
    expect(await text(page, '#message')).toMatch(/^Nothing found for ticker ZZZ: /);
    expect(trouble.filter((line) => line.startsWith('HTTP'))).toEqual([
      `HTTP 404: ${server.url}/v1/indicators/ZZZ/latest`,
    ]);
    trouble.splice(0); // that refusal (and Chromium's console line about it) was the point
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it('switches to an older version and between dates, each showing its own numbers and raw snapshot', async () => {
    const { page, trouble } = await open('#ticker=NVDA');
    const versions = await api<Version[]>('/v1/indicators/NVDA/versions');
    expect(versions).toHaveLength(2);
    const [newest, oldest] = versions as [Version, Version];
    await waitShown(page, newest.key);
    expect(await page.locator('#versions tbody tr').count()).toBe(2);

    await page.click(`#versions a:text-is("${oldest.version_id}")`);
    await waitShown(page, oldest.key);
    const old = await indicatorsOf('NVDA', `versions/${encodeURIComponent(oldest.version_id)}`);
    await expectShows(page, old);
    expect(await text(page, '#as-of')).toBe(oldest.date);
    expect(await page.getAttribute('#versions tr[aria-current="true"] a', 'href')).toContain(oldest.version_id);
    expect(await page.inputValue('#date')).toBe(oldest.date);

    await page.selectOption('#date', newest.date);
    await waitShown(page, newest.key);
    await expectShows(page, await indicatorsOf('NVDA', `dates/${newest.date}`));
    await page.selectOption('#date', oldest.date);
    await waitShown(page, oldest.key);
    await page.selectOption('#date', '');
    await waitShown(page, newest.key);
    expect(page.url()).toMatch(/#ticker=NVDA$/);
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it("says clearly that an unknown ticker has nothing, with the API's problem detail", async () => {
    const { page, trouble } = await open('#ticker=NOPE');
    await waitShown(page, undefined, 'error');
    const problem = await httpRequest(server.url, '/v1/indicators/NOPE/latest');
    expect(problem.status).toBe(404);
    const detail = (problem.json() as { detail: string }).detail;
    expect(await page.isVisible('#message')).toBe(true);
    expect(await page.isHidden('#view')).toBe(true);
    expect(await text(page, '#message')).toBe(`Nothing found for ticker NOPE: ${detail}.`);
    // The one refused request is the read of the unknown ticker (Chromium logs it as a console error too).
    expect(trouble.filter((line) => !line.includes('404'))).toEqual([]);
    expect(trouble.filter((line) => line.startsWith('HTTP'))).toEqual([
      `HTTP 404: ${server.url}/v1/indicators/NOPE/latest`,
    ]);

    // A known ticker picked next is shown, the message gone.
    const nvda = await indicatorsOf('NVDA');
    await page.click('#tickers a[data-ticker="NVDA"]');
    await waitShown(page, nvda.key);
    expect(await page.isHidden('#message')).toBe(true);
    await page.close();
  }, 60_000);
}

if (chromiumInstalled()) describe('the web page in Chromium', pageSuite);
else
  describeWithoutService(
    'the web page in Chromium',
    'Chromium',
    `${CHROMIUM_PATH} is missing`,
    ['Install it: apt-get install chromium (playwright-core drives it; no browser is downloaded)'],
    pageSuite,
  );
