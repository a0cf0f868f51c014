/**
 * The web page at `/`, the interactive API page (Swagger UI) at `/api`, and their files at `/assets/{name}`
 * (src/api/page-assets.ts). Plain routes, not OpenAPI ones: they are not part of the API, so `/openapi.json`
 * leaves them out. Like every answer they get an ETag and
 * `Cache-Control: no-cache` (src/api/http-cache.ts), so a browser revalidates and a new release is seen at once.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { quote } from '../../quote.js';
import { ApiProblem } from '../problem.js';
import { loadPageAssets, type PageAsset } from '../page-assets.js';

/**
 * The pages load only their own files and ask only this server. Inline styles are allowed (not inline scripts):
 * lightweight-charts and Swagger UI write their elements' `style` attributes.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const API_PAGE_PATH = '/api';

export function registerPageRoutes(app: OpenAPIHono): void {
  const { index, apiPage, assets } = loadPageAssets();
  for (const [path, page] of [
    ['/', index],
    [API_PAGE_PATH, apiPage],
  ] as const) {
    app.get(path, (c) => {
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      return assetAnswer(c, page);
    });
  }
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    const asset = assets.get(name);
    if (asset === undefined) throw new ApiProblem(404, 'not-found', 'Not found', `no asset ${quote(name)}`);
    return assetAnswer(c, asset);
  });
}

function assetAnswer(c: Context, asset: PageAsset): Response {
  c.header('X-Content-Type-Options', 'nosniff');
  return c.body(asset.body, 200, { 'Content-Type': asset.contentType });
}
