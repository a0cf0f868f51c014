/**
 * Screenshots of the web page's main views and of the API page (docs/screenshots/*.png, shown in the README), taken
 * in Debian's Chromium on a fresh lake of two daily runs of sample data (a fixed clock), NVDA's second with a failed
 * quality check, and a reprocess of ^GSPC under 2.0 (which stamps the real time: its dates in the versions and
 * runs tables are the day the pictures were taken):
 *   node --import tsx scripts/page-screenshots.ts [OUT_DIR]
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApiServer } from '../src/api/server.js';
import { resolveConfig } from '../src/config.js';
import {
  CHROMIUM_PATH,
  chromiumInstalled,
  launchChromium,
  makePageLake,
  waitPanel,
  waitShown,
} from '../test/support/browser.js';

const TICKERS = ['NVDA', 'AAPL', '^GSPC'];
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];

const out = resolve(process.argv[2] ?? 'docs/screenshots');
if (!chromiumInstalled()) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium`);
await mkdir(out, { recursive: true });
const home = await mkdtemp(join(tmpdir(), 'marketlake-screenshots-'));
try {
  await makePageLake(home, { tickers: TICKERS, instants: DAYS, strictTicker: 'NVDA', reprocessTicker: '^GSPC' });
  const server = await startApiServer({ config: resolveConfig({ home }), host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const keyOf = async (path: string) => ((await (await fetch(`${server.url}${path}`)).json()) as { key: string }).key;
    const shoot = async (name: string, height?: number) => {
      const clip = height === undefined ? undefined : { x: 0, y: 0, width: 1280, height };
      await page.screenshot({ path: join(out, name), fullPage: height === undefined, clip });
      process.stdout.write(`${join(out, name)}\n`);
    };

    const shootElement = async (selector: string, name: string) => {
      await (await page.$(selector))!.screenshot({ path: join(out, name) });
      process.stdout.write(`${join(out, name)}\n`);
    };
    const panelsReady = async () => {
      for (const id of ['quality-panel', 'runs-panel']) await waitPanel(page, id, 'ready');
    };

    await page.goto(`${server.url}/#ticker=NVDA`);
    await waitShown(page, await keyOf('/v1/indicators/NVDA/latest'));
    await panelsReady();
    await waitPanel(page, 'diff-panel', 'empty');
    await shoot('page.png');
    await shootElement('#chart-panel', 'page-chart.png');
    await shootElement('#quality-panel', 'page-quality.png');

    // The panels of a ticker with two computation versions: its quality, the diff between them, the runs.
    await page.goto(`${server.url}/#ticker=%5EGSPC`);
    await waitShown(page, await keyOf('/v1/indicators/%5EGSPC/latest'));
    await panelsReady();
    await waitPanel(page, 'diff-panel', 'ready');
    await page.click('#runs button.link >> nth=0');
    await waitPanel(page, 'run-detail-panel', 'ready');
    await shootElement('#diff-panel', 'page-diff.png');
    await shootElement('#runs-panel', 'page-runs.png');

    const versions = (await (await fetch(`${server.url}/v1/indicators/%5EGSPC/versions`)).json()) as {
      key: string;
      version_id: string;
    }[];
    const oldest = versions[versions.length - 1]!;
    await page.goto(`${server.url}/#ticker=%5EGSPC&version=${encodeURIComponent(oldest.version_id)}`);
    await waitShown(page, oldest.key);
    await panelsReady();
    await waitPanel(page, 'diff-panel', 'ready');
    await shoot('page-older-version.png');

    await page.goto(`${server.url}/#ticker=NOPE`);
    await waitShown(page, undefined, 'error');
    await shoot('page-unknown-ticker.png', 160);

    await page.goto(`${server.url}/api`);
    await waitShown(page, undefined, 'ready');
    await shoot('page-api.png', 900);
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await rm(home, { recursive: true, force: true });
}
