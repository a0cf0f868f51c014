/**
 * The web page's files (docs/design.md "The web page"): read once when the app is made, each with its content
 * type, so a request never touches the disk. The page is plain HTML, CSS and a few browser-side ES modules in
 * `src/api/page/` (no build step); the charts are TradingView's lightweight-charts, its standalone production
 * build taken from the installed package (never a CDN), so the page works with no network but the server's. The
 * interactive API page (`/api`) is Swagger UI, its bundle and styles taken from the installed `swagger-ui-dist`
 * the same way.
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

/** The pages' own files, by the name they are served under (`/assets/NAME`), and their content types. */
export const PAGE_FILES: Readonly<Record<string, string>> = {
  'page.js': JS,
  'page.css': CSS,
  'api.js': JS,
  'dom.js': JS,
  'panel.js': JS,
  'diff-panel.js': JS,
  'quality-panel.js': JS,
  'runs-panel.js': JS,
  'api-page.js': JS,
  'api-page.css': CSS,
};

export const LIGHTWEIGHT_CHARTS_ASSET = 'lightweight-charts.mjs';

/** Swagger UI's files, by the name they are served under, and their name in the package. */
export const SWAGGER_UI_ASSETS: Readonly<Record<string, { file: string; contentType: string }>> = {
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', contentType: JS },
  'swagger-ui.css': { file: 'swagger-ui.css', contentType: CSS },
};

export interface PageAssets {
  /** The web page (`/`). */
  index: PageAsset;
  /** The interactive API page (`/api`). */
  apiPage: PageAsset;
  assets: Map<string, PageAsset>;
}

/** The pages and the assets, by name. Throws, naming the file, when one is missing (a broken install). */
export function loadPageAssets(): PageAssets {
  const folder = pageFolder();
  const read = (path: string, contentType: string): PageAsset => ({ contentType, body: readFileSync(path, 'utf8') });
  const assets = new Map<string, PageAsset>();
  for (const [name, contentType] of Object.entries(PAGE_FILES)) assets.set(name, read(join(folder, name), contentType));
  assets.set(LIGHTWEIGHT_CHARTS_ASSET, read(lightweightChartsFile(), JS));
  const swaggerUi = packageFolder('swagger-ui-dist');
  for (const [name, { file, contentType }] of Object.entries(SWAGGER_UI_ASSETS)) {
    assets.set(name, read(join(swaggerUi, file), contentType));
  }
  return { index: read(join(folder, 'index.html'), HTML), apiPage: read(join(folder, 'api.html'), HTML), assets };
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
  return join(packageFolder('lightweight-charts'), 'dist', 'lightweight-charts.standalone.production.mjs');
}

/**
 * An installed package's folder, found as Node finds the package (from dist/ too). An `exports` map may name only
 * the package's entry points: its package.json is resolved, and the folder is the one holding it.
 */
export function packageFolder(name: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
}
