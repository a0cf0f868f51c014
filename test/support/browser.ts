/**
 * A real browser for the web page's tests and screenshots: Debian's Chromium (`apt-get install chromium`) driven
 * by playwright-core, never a downloaded browser. Also: a lake of sample data made by real daily runs, and a
 * record of everything that went wrong on a page (console errors, page errors, failed or refused requests).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { runCli } from './cli.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const chromiumInstalled = (): boolean => existsSync(CHROMIUM_PATH);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** What went wrong on a page since it was opened: each console error, uncaught error and failed request. */
export function pageTrouble(page: Page): string[] {
  const trouble: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') trouble.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => trouble.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => trouble.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) trouble.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return trouble;
}

/**
 * The chart's pixels, over all its canvases (lightweight-charts draws in layers): how many are drawn (not the
 * white background, not transparent), and how many have the colour of an up or a down candle (page.js).
 */
export interface ChartInk {
  canvases: number;
  area: number;
  drawn: number;
  candles: number;
}

// A string, evaluated in the page (the tests' TypeScript has no DOM types); page.evaluate runs it through the
// DevTools protocol, which the page's Content-Security-Policy does not govern (waitForFunction's strings it does).
const CHART_INK = `(() => {
  const ink = { canvases: 0, area: 0, drawn: 0, candles: 0 };
  const near = (data, i, [r, g, b]) =>
    Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24;
  for (const canvas of document.querySelectorAll('#chart canvas')) {
    if (canvas.width === 0 || canvas.height === 0) continue;
    ink.canvases += 1;
    ink.area += canvas.width * canvas.height;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0 || (data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) continue;
      ink.drawn += 1;
      if (near(data, i, [38, 166, 154]) || near(data, i, [239, 83, 80])) ink.candles += 1;
    }
  }
  return ink;
})()`;

export function chartInk(page: Page): Promise<ChartInk> {
  return page.evaluate(CHART_INK) as Promise<ChartInk>;
}

type Dataset = Record<string, string | undefined>;

/**
 * Waits until the page shows `key` (body[data-shown], set by page.js once every panel is filled), or, with
 * `state: 'error'`, until it says why it shows nothing. A function, not a string: the page's
 * Content-Security-Policy forbids evaluating a string.
 */
export async function waitShown(page: Page, key: string | undefined, state = 'ready'): Promise<void> {
  await page.waitForFunction(
    ([expectedKey, expectedState]) => {
      const { dataset } = (globalThis as unknown as { document: { body: { dataset: Dataset } } }).document.body;
      return dataset.state === expectedState && (expectedKey === undefined || dataset.shown === expectedKey);
    },
    [key, state] as const,
    { timeout: 30_000 },
  );
}

/** Daily runs of sample data at the given instants (`MARKETLAKE_NOW`), as the daily job would have made them. */
export async function makeSampleLake(home: string, tickers: readonly string[], instants: readonly string[]) {
  const saved = process.env.MARKETLAKE_NOW;
  try {
    for (const now of instants) {
      process.env.MARKETLAKE_NOW = now;
      const run = await runCli('run', '--home', home, '--tickers', tickers.join(','), '--json');
      if (run.code !== 0) throw new Error(`the daily run of ${now} failed: ${run.stderr}`);
    }
  } finally {
    if (saved === undefined) delete process.env.MARKETLAKE_NOW;
    else process.env.MARKETLAKE_NOW = saved;
  }
}

export interface PageLakeOptions {
  tickers: readonly string[];
  instants: readonly string[];
  /** From the second run on, this ticker's flat-close check is held to 0 days: it fails (a warning, not a block). */
  strictTicker: string;
  /** This ticker's results computed again under computation version 2.0 after the runs: a diff to show. */
  reprocessTicker: string;
}

/**
 * The lake the web page's panels are shown on (tests and screenshots): daily runs of sample data, a quality
 * history with a failed check (the home's quality.json, written before the second run), and two computation
 * versions of one ticker (a reprocess under 2.0).
 */
export async function makePageLake(home: string, options: PageLakeOptions): Promise<void> {
  const [first, ...later] = options.instants;
  if (first === undefined || later.length === 0) throw new Error('makePageLake needs two instants or more');
  await makeSampleLake(home, options.tickers, [first]);
  const strict = { tickers: { [options.strictTicker]: { checks: { 'plausibility.flat_close': { max_days: 0 } } } } };
  writeFileSync(join(home, 'quality.json'), `${JSON.stringify(strict)}\n`);
  await makeSampleLake(home, options.tickers, later);
  const saved = process.env.MARKETLAKE_NOW;
  process.env.MARKETLAKE_NOW = later[later.length - 1];
  try {
    const reprocess = await runCli(
      'reprocess',
      '--home',
      home,
      '--computation-version',
      '2.0',
      '--tickers',
      options.reprocessTicker,
      '--json',
    );
    if (reprocess.code !== 0) throw new Error(`the reprocess failed: ${reprocess.stderr}`);
  } finally {
    if (saved === undefined) delete process.env.MARKETLAKE_NOW;
    else process.env.MARKETLAKE_NOW = saved;
  }
}

/**
 * Waits until the panel `id` (section[data-state], src/api/page/panel.js) is in `state`. A function, not a string,
 * for the page's Content-Security-Policy (see waitShown).
 */
export async function waitPanel(page: Page, id: string, state: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    ([panelId, expected]) => {
      const { document } = globalThis as unknown as {
        document: { getElementById(id: string): { dataset: Dataset } | null };
      };
      return document.getElementById(panelId)?.dataset.state === expected;
    },
    [id, state] as const,
    { timeout },
  );
}
