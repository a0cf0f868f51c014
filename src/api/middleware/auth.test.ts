import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecretsForTesting, redact } from '../../secrets.js';
import { bearerAuth, type BearerAuthOptions } from './auth.js';
import type { ApiEnv } from './types.js';

const TOKEN_A = 'a'.repeat(40);
const TOKEN_B = 'Tb-1._~+/'.repeat(4) + '==';

function app(options: BearerAuthOptions) {
  const app = new Hono<ApiEnv>();
  app.use(bearerAuth(options));
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/v1/who', (c) => c.text(c.get('tokenIdentity') ?? 'anonymous'));
  return app;
}

function withToken(token: string, scheme = 'Bearer') {
  return { headers: { Authorization: `${scheme} ${token}` } };
}

describe('bearerAuth', () => {
  afterEach(() => forgetSecretsForTesting());

  it('accepts each configured token and names it on the context by its position or its name', async () => {
    const server = app({ tokens: [TOKEN_A, { name: 'grafana', token: TOKEN_B }] });
    expect(await (await server.request('/v1/who', withToken(TOKEN_A))).text()).toBe('token-1');
    expect(await (await server.request('/v1/who', withToken(TOKEN_B))).text()).toBe('grafana');
    // The scheme is case-insensitive (RFC 9110).
    expect((await server.request('/v1/who', withToken(TOKEN_A, 'bearer'))).status).toBe(200);
  });

  it('refuses a request without a token with 401, WWW-Authenticate and a problem document', async () => {
    const response = await app({ tokens: [TOKEN_A] }).request('/v1/who');
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="marketlake"');
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'This API needs a token: send the header "Authorization: Bearer <token>".',
    });
  });

  it('refuses a wrong token, a prefix or extension of a right one, and another scheme, never quoting the token', async () => {
    const server = app({ tokens: [TOKEN_A] });
    for (const wrong of ['b'.repeat(40), TOKEN_A.slice(0, -1), `${TOKEN_A}a`]) {
      const response = await server.request('/v1/who', withToken(wrong));
      expect(response.status).toBe(401);
      expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="marketlake", error="invalid_token"');
      expect(await response.text()).not.toContain(wrong);
    }
    expect((await server.request('/v1/who', withToken(TOKEN_A, 'Basic'))).status).toBe(401);
    expect((await server.request('/v1/who', withToken(`${TOKEN_A} extra`))).status).toBe(401);
  });

  it('serves the exempt paths without a token, exactly those paths', async () => {
    const server = app({ tokens: [TOKEN_A] });
    expect((await server.request('/healthz')).status).toBe(200);
    expect((await server.request('/healthz/')).status).toBe(401);
    const custom = app({ tokens: [TOKEN_A], exemptPaths: ['/v1/who'] });
    expect((await custom.request('/v1/who')).status).toBe(200);
    expect((await custom.request('/healthz')).status).toBe(401);
  });

  it('remembers each token as a secret, so no error message or log line can carry it', () => {
    bearerAuth({ tokens: [TOKEN_A, { name: 'grafana', token: TOKEN_B }] });
    expect(redact(`header was Bearer ${TOKEN_A}, then ${TOKEN_B}`)).toBe('header was Bearer ***, then ***');
  });

  it('exempts the paths under a prefix, and no endpoint outside it through dot segments', async () => {
    const server = app({ tokens: [TOKEN_A], exemptPaths: ['/assets/*'] });
    server.get('/assets/:file', (c) => c.text(c.req.param('file')));
    expect(await (await server.request('/assets/app.js')).text()).toBe('app.js');
    for (const path of ['/assets/%2e%2e/v1/who', '/assets/%2E%2E%2Fv1%2Fwho']) {
      expect(await (await server.request(path)).text()).not.toBe('anonymous');
    }
    expect((await server.request('/v1/who')).status).toBe(401);
  });

  it('is off when no token is configured', async () => {
    const response = await app({ tokens: [] }).request('/v1/who');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('anonymous');
  });

  it('refuses a token list with an empty, malformed or repeated token, or a name given twice, naming it', () => {
    expect(() => bearerAuth({ tokens: [TOKEN_A, ' '] })).toThrow('API token token-2 is empty');
    expect(() => bearerAuth({ tokens: ['has space in the middle'] })).toThrow('API token token-1 has characters');
    expect(() => bearerAuth({ tokens: ['a'.repeat(15)] })).toThrow(
      'API token token-1 is shorter than 16 characters (make one with: openssl rand -hex 32)',
    );
    expect(() => bearerAuth({ tokens: [TOKEN_A, TOKEN_A] })).toThrow('API token token-2 repeats an earlier token');
    expect(() =>
      bearerAuth({
        tokens: [
          { name: 'x', token: TOKEN_A },
          { name: 'x', token: TOKEN_B },
        ],
      }),
    ).toThrow('API token name x is given twice');
  });
});
