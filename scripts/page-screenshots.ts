/**
 * Screenshots of the web page's main views (docs/screenshots/*.png, shown in the README), taken in Debian's
 * Chromium on a fresh lake of two daily runs of sample data (a fixed clock, so the pictures change only when the
 * page does):
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
  makeSampleLake,
  waitShown,
} from '../test/support/browser.js';

const TICKERS = ['NVDA', 'AAPL', '^GSPC'];
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];

const out = resolve(process.argv[2] ?? 'docs/screenshots');
if (!chromiumInstalled()) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium`);
await mkdir(out, { recursive: true });
const home = await mkdtemp(join(tmpdir(), 'marketlake-screenshots-'));
try {
  await makeSampleLake(home, TICKERS, DAYS);
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

    await page.goto(`${server.url}/#ticker=NVDA`);
    await waitShown(page, await keyOf('/v1/indicators/NVDA/latest'));
    await shoot('page.png');
    await (await page.$('#chart-panel'))!.screenshot({ path: join(out, 'page-chart.png') });
    process.stdout.write(`${join(out, 'page-chart.png')}\n`);

    const [, older] = (await (await fetch(`${server.url}/v1/indicators/%5EGSPC/versions`)).json()) as {
      key: string;
      version_id: string;
    }[];
    await page.goto(`${server.url}/#ticker=%5EGSPC&version=${encodeURIComponent(older!.version_id)}`);
    await waitShown(page, older!.key);
    await shoot('page-older-version.png');

    await page.goto(`${server.url}/#ticker=NOPE`);
    await waitShown(page, undefined, 'error');
    await shoot('page-unknown-ticker.png', 160);
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await rm(home, { recursive: true, force: true });
}
