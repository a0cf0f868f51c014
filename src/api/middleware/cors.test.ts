import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { corsAllowList } from './cors.js';
import type { ApiEnv } from './types.js';

function app(origins: string[]) {
  const app = new Hono<ApiEnv>();
  app.use(corsAllowList({ origins }));
  app.get('/v1/tickers', (c) => c.json(['AAPL']));
  return app;
}

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: {
    Origin: origin,
    'Access-Control-Request-Method': 'GET',
    'Access-Control-Request-Headers': 'authorization',
  },
});

describe('corsAllowList', () => {
  it('allows a listed origin, and lets its script read the rate limit and request id headers', async () => {
    const response = await app(['https://dash.example.com']).request('/v1/tickers', {
      headers: { Origin: 'https://dash.example.com' },
    });
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://dash.example.com');
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('RateLimit-Remaining');
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('X-Request-Id');
    expect(response.headers.get('Vary')).toBe('Origin');
  });

  it('allows no origin by default, and no unlisted one', async () => {
    for (const server of [app([]), app(['https://dash.example.com'])]) {
      const response = await server.request('/v1/tickers', { headers: { Origin: 'https://evil.example' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
      const answer = await server.request('/v1/tickers', preflight('https://evil.example'));
      expect(answer.headers.get('Access-Control-Allow-Origin')).toBeNull();
    }
  });

  it('answers the preflight of a listed origin with the methods and headers the API takes', async () => {
    const response = await app(['http://localhost:3000']).request('/v1/tickers', preflight('http://localhost:3000'));
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:3000');
    expect(response.headers.get('Access-Control-Allow-Methods')).toBe('GET,HEAD,POST,OPTIONS');
    expect(response.headers.get('Access-Control-Allow-Headers')).toContain('Authorization');
    expect(response.headers.get('Access-Control-Max-Age')).toBe('600');
  });

  it('refuses a wildcard, a path or a non-canonical origin in the list, naming it', () => {
    expect(() => corsAllowList({ origins: ['*'] })).toThrow('CORS origin "*" is not a URL');
    expect(() => corsAllowList({ origins: ['https://a.example/'] })).toThrow('expected e.g. "https://a.example"');
    expect(() => corsAllowList({ origins: ['https://A.example'] })).toThrow('expected e.g. "https://a.example"');
    expect(() => corsAllowList({ origins: ['https://a.example:443'] })).toThrow('expected e.g. "https://a.example"');
    expect(() => corsAllowList({ origins: ['ftp://a.example'] })).toThrow('is not an origin');
  });
});
