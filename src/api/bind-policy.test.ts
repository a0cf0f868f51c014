import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../secrets.js';
import {
  API_TOKENS_VARIABLE,
  ApiTokenError,
  checkBindAllowed,
  isLoopbackHost,
  loadApiTokens,
  parseApiTokens,
} from './bind-policy.js';

const TOKEN_A = 'tok_A1b2C3d4E5f6G7h8';
const TOKEN_B = 'tok-B1b2C3d4E5f6G7h8/+=';

describe('the API tokens', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'marketlake-tokens-'));
  });
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it('are comma- or line-separated, blanks and comments ignored, each once', () => {
    expect(parseApiTokens(` ${TOKEN_A} ,${TOKEN_B},,${TOKEN_A}`, 'test')).toEqual([TOKEN_A, TOKEN_B]);
    expect(parseApiTokens(`# the ops team\n${TOKEN_A}\r\n\n  ${TOKEN_B}\n`, 'test')).toEqual([TOKEN_A, TOKEN_B]);
  });

  it('refuses an unusable token by its position, never showing it', () => {
    const short = 'short-token';
    expect(() => parseApiTokens(`${TOKEN_A},${short}`, API_TOKENS_VARIABLE)).toThrow(
      new ApiTokenError(`token 2 of ${API_TOKENS_VARIABLE} is 11 characters long: at least 16 are needed`),
    );
    const spaced = 'has a space in it, 1234567890';
    for (const bad of [spaced, 'tok\u00e9n-1234567890123', 'tok"en-1234567890123']) {
      let message = '';
      try {
        parseApiTokens(bad, 'test');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^token 1 of test is not a bearer token/);
      expect(message).not.toContain(bad.slice(0, 8));
    }
  });

  it('are secrets: never printed once parsed', () => {
    parseApiTokens(TOKEN_B, 'test');
    expect(redact(`Authorization: Bearer ${TOKEN_B}`)).toBe('Authorization: Bearer ***');
  });

  it('come from the file when given, else from MARKETLAKE_API_TOKENS; set but empty is an error', async () => {
    const file = join(scratch, 'tokens');
    await writeFile(file, `${TOKEN_B}\n`);
    const env = { [API_TOKENS_VARIABLE]: TOKEN_A };
    expect(await loadApiTokens(env, file)).toEqual({ tokens: [TOKEN_B], source: `the tokens file "${file}"` });
    expect(await loadApiTokens(env, undefined)).toEqual({ tokens: [TOKEN_A], source: API_TOKENS_VARIABLE });
    expect(await loadApiTokens({}, undefined)).toBeUndefined();
    await expect(loadApiTokens({ [API_TOKENS_VARIABLE]: ' , ' }, undefined)).rejects.toThrow(
      `${API_TOKENS_VARIABLE} holds no token`,
    );
    await expect(loadApiTokens({}, join(scratch, 'missing'))).rejects.toThrow(/^cannot read the tokens file/);
  });
});

describe('the address the server binds', () => {
  it('loopback: localhost, 127.0.0.0/8 and ::1', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', '8.8.8.8', 'example.com', 'localhost.evil.com'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('a non-loopback bind without tokens is refused with what to do; with tokens, or on loopback, allowed', () => {
    expect(() => checkBindAllowed('0.0.0.0', undefined)).toThrow(
      'refusing to listen on "0.0.0.0" without API tokens: other machines could read the lake. ' +
        `Set ${API_TOKENS_VARIABLE} (comma-separated) or give --tokens-file FILE, or listen on 127.0.0.1 (the default)`,
    );
    expect(() => checkBindAllowed('example.com', undefined)).toThrow(/^refusing to listen on "example.com"/);
    expect(() => checkBindAllowed('0.0.0.0', { tokens: [TOKEN_A], source: 'test' })).not.toThrow();
    expect(() => checkBindAllowed('127.0.0.1', undefined)).not.toThrow();
  });
});
