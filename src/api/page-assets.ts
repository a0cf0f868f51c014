/**
 * The web page's files (docs/design.md "The web page"): read once when the app is made, each with its content
 * type, so a request never touches the disk. The page is plain HTML, CSS and one browser-side ES module in
 * `src/api/page/` (no build step); the charts are TradingView's lightweight-charts, its standalone production
 * build taken from the installed package (never a CDN), so the page works with no network but the server's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageAsset {
  contentType: string;
  /** Every file is UTF-8 text (HTML, CSS, JavaScript). */
  body: string;
}

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** The page's own files, by the name they are served under (`/assets/NAME`), and their content types. */
const PAGE_FILES: Record<string, string> = { 'page.js': JS, 'page.css': CSS };

export const LIGHTWEIGHT_CHARTS_ASSET = 'lightweight-charts.mjs';

/** `index.html` and the assets, by name. Throws, naming the file, when one is missing (a broken install). */
export function loadPageAssets(): { index: PageAsset; assets: Map<string, PageAsset> } {
  const folder = pageFolder();
  const read = (path: string, contentType: string): PageAsset => ({ contentType, body: readFileSync(path, 'utf8') });
  const assets = new Map<string, PageAsset>();
  for (const [name, contentType] of Object.entries(PAGE_FILES)) assets.set(name, read(join(folder, name), contentType));
  assets.set(LIGHTWEIGHT_CHARTS_ASSET, read(lightweightChartsFile(), JS));
  return { index: read(join(folder, 'index.html'), HTML), assets };
}

/**
 * Where the page's files are: beside this module (running from src/, or from dist/ when the build copied them),
 * else in the package's src/api/page (running from dist/ in a checkout).
 */
function pageFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'page'), join(here, '..', '..', 'src', 'api', 'page')];
  const found = candidates.find((folder) => existsSync(join(folder, 'index.html')));
  if (found === undefined) throw new Error(`the web page's files are missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** The package's standalone ES module build (its dependency fancy-canvas bundled in), found as Node finds it. */
function lightweightChartsFile(): string {
  // Its `exports` map names only the package's entry points: resolve its package.json, then the file beside it.
  const manifest = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return join(dirname(manifest), 'dist', 'lightweight-charts.standalone.production.mjs');
}
