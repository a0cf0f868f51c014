/**
 * The web page's first chart, timed in Debian's headless Chromium (playwright-core, never a downloaded browser):
 * each load in a new browser context (an empty cache, as a first visit), the page opened at `/` (it shows the
 * first ticker of the list) or at a link to a ticker, `/#ticker=T`, timed from the navigation's start
 * (performance.now() in the page, whose origin is that start) to
 *
 *   ready   body[data-state=ready]: page.js has every answer and has filled every panel, the chart's series set
 *   drawn   the first animation frame in which the chart's canvases hold candle pixels (lightweight-charts paints
 *           in animation frames, so "ready" is a little before anything is on screen); the canvases are read back
 *           only once a candle colour has been painted (see MARKS), so that the check does not delay the paint
 *
 * and, for where the time goes, when each of the page's requests ended (Resource Timing).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface ChartLoad {
  /** The address opened, after the server's URL. */
  address: string;
  readyMs: number;
  drawnMs: number;
  /** When each request of the page ended, ms from the navigation's start, by its path with the ticker as {ticker}. */
  requestsEndMs: Record<string, number>;
}

// Installed before the page's own scripts (addInitScript goes through the DevTools protocol, which the page's
// Content-Security-Policy does not govern). A string: the bench's TypeScript has no DOM types.
const MARKS = `(() => {
  const marks = {};
  let finish;
  window.__benchChart = new Promise((resolve) => { finish = resolve; });
  const near = (data, i, [r, g, b]) =>
    Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24;
  const candlesDrawn = () => {
    for (const canvas of document.querySelectorAll('#chart canvas')) {
      // The panes only: the price axis (narrow) labels the last value in the candle's colour.
      if (canvas.width === 0 || canvas.height === 0 || canvas.clientWidth < 300) continue;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) {
        if (near(data, i, [38, 166, 154]) || near(data, i, [239, 83, 80])) return true;
      }
    }
    return false;
  };
  // Reading every canvas back costs the page's main thread tens of milliseconds a frame (software rendering), which
  // would delay the very paint being timed: the pixels are read only in frames after lightweight-charts has filled
  // or stroked something in a candle colour (a cheap hook on the 2D context), and the mark is still the first frame
  // whose canvases hold candle pixels.
  const CANDLE_STYLES = new Set(['#26a69a', '#ef5350']);
  let candlePainted = false;
  const proto = CanvasRenderingContext2D.prototype;
  for (const [method, style] of [['fillRect', 'fillStyle'], ['fill', 'fillStyle'], ['stroke', 'strokeStyle']]) {
    const original = proto[method];
    proto[method] = function (...args) {
      if (!candlePainted && typeof this[style] === 'string' && CANDLE_STYLES.has(this[style].toLowerCase())) {
        candlePainted = true;
      }
      return original.apply(this, args);
    };
  }
  const untilDrawn = () => {
    if (!candlePainted || !candlesDrawn()) return requestAnimationFrame(untilDrawn);
    marks.drawn = performance.now();
    finish(marks);
  };
  new MutationObserver(() => {
    const state = document.body && document.body.dataset.state;
    if (state === 'ready' && marks.ready === undefined) {
      marks.ready = performance.now();
      requestAnimationFrame(untilDrawn);
    }
    if (state === 'error') finish({ error: document.getElementById('message')?.textContent });
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
})();`;

const REQUESTS = `performance.getEntriesByType('resource').map((entry) => [entry.name, entry.responseEnd])`;

/**
 * The page opened once, cold, at `/` or for `ticker`; throws when it shows an error or draws nothing within 30 s.
 * Request paths name the ticker shown as {ticker}.
 */
export async function loadOnce(browser: Browser, url: string, ticker: string, linked: boolean): Promise<ChartLoad> {
  const address = linked ? `/#ticker=${encodeURIComponent(ticker)}` : '/';
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(MARKS);
    await page.goto(`${url}${address}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the page at ${address} drew no chart within 30 s`)), 30_000);
    });
    const marks = (await Promise.race([page.evaluate('window.__benchChart'), timeout]).finally(() =>
      clearTimeout(timer),
    )) as { ready?: number; drawn?: number; error?: string };
    if (marks.error !== undefined) throw new Error(`the page at ${address} says: ${marks.error}`);
    const requestsEndMs: Record<string, number> = {};
    for (const [name, end] of (await page.evaluate(REQUESTS)) as [string, number][]) {
      const path = decodeURIComponent(new URL(name).pathname).replace(`/${ticker}/`, '/{ticker}/');
      requestsEndMs[path] = Math.max(requestsEndMs[path] ?? 0, end);
    }
    return { address, readyMs: marks.ready!, drawnMs: marks.drawn!, requestsEndMs };
  } finally {
    await context.close();
  }
}
