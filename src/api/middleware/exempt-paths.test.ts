import { describe, expect, it } from 'vitest';
import { exemptPathMatcher } from './exempt-paths.js';

describe('exemptPathMatcher', () => {
  it('matches exact paths, and the paths under a prefix ending in /*', () => {
    const exempt = exemptPathMatcher(['/healthz', '/assets/*']);
    expect(['/healthz', '/assets/app.js', '/assets/fonts/a.woff2'].map(exempt)).toEqual([true, true, true]);
    expect(['/healthz/', '/healthzz', '/assets', '/assetsx/a.js', '/v1/x'].map(exempt)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('refuses an entry it would not match as written', () => {
    expect(() => exemptPathMatcher(['healthz'])).toThrow('exempt path "healthz" must start with /');
    expect(() => exemptPathMatcher(['/v1/*/x'])).toThrow('exempt path "/v1/*/x": * only as a final /*');
  });
});
