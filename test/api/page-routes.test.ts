/**
 * The web page's routes (src/api/routes/page.ts), without a browser: `/` and `/api` and their assets are served
 * with their content types, an ETag that a revalidation answers with 304, and the pages' Content-Security-Policy;
 * lightweight-charts and Swagger UI are the installed packages' files byte for byte; an unknown asset is a 404
 * problem; none of these routes is in the OpenAPI document (they are not the API). With tokens, the pages, their
 * files and the OpenAPI document are served without one, and the document names the bearer scheme.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiApp, BEARER_SCHEME, createApiApp } from '../../src/api/app.js';
import { PAGE_FILES, SWAGGER_UI_ASSETS } from '../../src/api/page-assets.js';
import { resolveConfig } from '../../src/config.js';

describe('the web page routes', () => {
  let home: string;
  let api: ApiApp;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-page-routes-'));
    api = createApiApp({ config: resolveConfig({ home }) });
  });
  afterAll(async () => {
    await api?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('serves the page and its files with their types, ETags (304 on revalidation) and the page CSP', async () => {
    const page = await api.app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/assets/page.js"></script>');
    const again = await api.app.request('/', { headers: { 'If-None-Match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);

    const apiPage = await api.app.request('/api');
    expect(apiPage.status).toBe(200);
    expect(apiPage.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'));
    const apiHtml = await apiPage.text();
    expect(apiHtml).toContain('<script src="/assets/swagger-ui-bundle.js" defer></script>');
    expect(apiHtml).toContain('<script src="/assets/api-page.js" defer></script>');

    for (const [path, type] of [
      ...Object.entries(PAGE_FILES).map(([name, contentType]) => [`/assets/${name}`, contentType]),
      ['/assets/lightweight-charts.mjs', 'text/javascript; charset=utf-8'],
      ['/assets/swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
      ['/assets/swagger-ui.css', 'text/css; charset=utf-8'],
    ]) {
      const answer = await api.app.request(path!);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-type')).toBe(type);
      expect(answer.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves lightweight-charts from the installed package, and the page imports it from there', async () => {
    const manifest = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
    const file = join(dirname(manifest), 'dist', 'lightweight-charts.standalone.production.mjs');
    const served = await (await api.app.request('/assets/lightweight-charts.mjs')).text();
    expect(served).toBe(readFileSync(file, 'utf8'));
    const script = await (await api.app.request('/assets/page.js')).text();
    expect(script).toContain("from '/assets/lightweight-charts.mjs'");
    // None of the pages' own files names another server: everything comes from this one.
    for (const name of Object.keys(PAGE_FILES)) {
      expect(await (await api.app.request(`/assets/${name}`)).text(), name).not.toMatch(/https?:\/\//);
    }
  });

  it('serves Swagger UI from the installed swagger-ui-dist, byte for byte', async () => {
    const folder = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    for (const [name, { file }] of Object.entries(SWAGGER_UI_ASSETS)) {
      const served = await (await api.app.request(`/assets/${name}`)).text();
      expect(served, name).toBe(readFileSync(join(folder, file), 'utf8'));
    }
  });

  it('with tokens: the pages, their files and the OpenAPI document need none, and it names the scheme', async () => {
    const token = 'page-routes-token-0123456789abcdef';
    const guarded = createApiApp({
      config: resolveConfig({ home }),
      guards: { tokens: [token], log: () => undefined },
    });
    try {
      for (const path of ['/', '/api', '/assets/page.js', '/assets/swagger-ui-bundle.js', '/openapi.json']) {
        expect((await guarded.app.request(path)).status, path).toBe(200);
      }
      expect((await guarded.app.request('/v1/tickers')).status).toBe(401);
      const document = (await (await guarded.app.request('/openapi.json')).json()) as {
        security: unknown;
        components: { securitySchemes: Record<string, unknown> };
        paths: Record<string, { get: { security?: unknown } }>;
      };
      expect(document.components.securitySchemes[BEARER_SCHEME]).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(document.security).toEqual([{ [BEARER_SCHEME]: [] }]);
      // The health checks are served without a token: the document says so per operation.
      expect(document.paths['/healthz']!.get.security).toEqual([]);
      expect(document.paths['/v1/tickers']!.get.security).toBeUndefined();
    } finally {
      await guarded.close();
    }
    // Without tokens the document names no scheme (nothing to authorize).
    const open = (await (await api.app.request('/openapi.json')).json()) as Record<string, unknown>;
    expect(open.security).toBeUndefined();
    expect(open.components).not.toHaveProperty('securitySchemes');
  });

  it('answers an unknown asset with a 404 problem, and leaves the page out of the OpenAPI document', async () => {
    const missing = await api.app.request('/assets/..%2Fpage-assets.ts');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(((await missing.json()) as { detail: string }).detail).toBe('no asset "../page-assets.ts"');
    const document = (await (await api.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path === '/' || path.startsWith('/assets'))).toEqual([]);
  });
});
