/**
 * The web page's routes (src/api/routes/page.ts), without a browser: `/` and its assets are served with their
 * content types, an ETag that a revalidation answers with 304, and the page's Content-Security-Policy;
 * lightweight-charts is the installed package's standalone build byte for byte; an unknown asset is a 404 problem;
 * none of these routes is in the OpenAPI document (they are not the API).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiApp, createApiApp } from '../../src/api/app.js';
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

    for (const [path, type] of [
      ['/assets/page.js', 'text/javascript; charset=utf-8'],
      ['/assets/page.css', 'text/css; charset=utf-8'],
      ['/assets/lightweight-charts.mjs', 'text/javascript; charset=utf-8'],
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
    expect(script).not.toMatch(/https?:\/\//);
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
