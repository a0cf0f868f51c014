import { afterEach, describe, expect, it } from 'vitest';
import {
  forgetSecretsForTesting,
  redact,
  redactDeep,
  rememberEnvironmentSecrets,
  rememberSecret,
  rememberUrlSecrets,
} from './secrets.js';

describe('redact', () => {
  afterEach(() => forgetSecretsForTesting());

  it('removes the password of every URL in a text, configured or not, and keeps the rest readable', () => {
    expect(redact('cannot reach http://user:hunter2@127.0.0.1:5000/api/v1/lineage: fetch failed')).toBe(
      'cannot reach http://user:***@127.0.0.1:5000/api/v1/lineage: fetch failed',
    );
    expect(redact('a postgres://u:p%40ss@db:5432/x and s3 at https://k:s@h')).toBe(
      'a postgres://u:***@db:5432/x and s3 at https://k:***@h',
    );
    // An unencoded @ in the password belongs to it (WHATWG URL takes the last @ as the end of the user info).
    expect(redact('postgres://u:p@ss@db/x')).toBe('postgres://u:***@db/x');
    expect(redact('http://:only-password@h')).toBe('http://:***@h');
    expect(redact('postgres://db/x?sslmode=require&password=s3cret&user=u')).toBe(
      'postgres://db/x?sslmode=require&password=***&user=u',
    );
    // What holds no password is left alone.
    for (const text of [
      'postgres@127.0.0.1:5432/db',
      'http://user@host/x',
      's3://bucket/prefix/',
      'mail me at a@b.c',
      'file:///srv/lake',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it('keeps a password that is also a visible part of its URL out of the bare-text secrets, and still redacts it there', () => {
    rememberUrlSecrets('postgres://postgres:postgres@127.0.0.1:5432/postgres');
    expect(
      redact('database URL must start with postgres:// (postgres://postgres:postgres@127.0.0.1:5432/postgres)'),
    ).toBe('database URL must start with postgres:// (postgres://postgres:***@127.0.0.1:5432/postgres)');
    rememberUrlSecrets('postgres://app:Sekret-Word-1@db/market');
    expect(redact('echoed Sekret-Word-1')).toBe('echoed ***');
  });

  it('never spans two strings of a JSON document, so redacted JSON still parses to the same shape', () => {
    const document = JSON.stringify({
      error: 'POST http://u:pw@h/x failed',
      contact: 'ops@example.com',
      list: ['http://a:b@c', 'd@e'],
    });
    expect(JSON.parse(redact(document))).toEqual({
      error: 'POST http://u:***@h/x failed',
      contact: 'ops@example.com',
      list: ['http://a:***@c', 'd@e'],
    });
  });

  it('replaces a remembered secret wherever it appears, also outside a URL, in every form a driver might print', () => {
    rememberUrlSecrets('postgres://app:Tr0ub%2Fadour@db.internal:5432/market');
    expect(redact('password authentication failed: Tr0ub/adour')).toBe('password authentication failed: ***');
    expect(redact('the URL was postgres://app:Tr0ub%2Fadour@db.internal:5432/market')).toBe(
      'the URL was postgres://app:***@db.internal:5432/market',
    );
    rememberSecret('quote"back\\slash');
    expect(JSON.parse(redact(JSON.stringify({ message: 'x quote"back\\slash y' })))).toEqual({ message: 'x *** y' });
  });

  it('replaces short values only as a URL password: as bare text they would be found inside words and numbers', () => {
    rememberSecret('2024113');
    expect(redact('{"volume":20241130,"url":"http://u:2024113@h"}')).toBe('{"volume":20241130,"url":"http://u:***@h"}');
  });

  it('remembers the secrets of an environment: AWS keys, PGPASSWORD, and any URL with a password, e.g. a webhook', () => {
    rememberEnvironmentSecrets({
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLETOKEN',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      PGPASSWORD: 'pg-secret-1',
      MARKETLAKE_WEBHOOK_URL: 'https://hooks:hook-secret-2@hooks.example.com/T000',
      HOME: '/root',
    });
    const text =
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY FwoGZXIvYXdzEXAMPLETOKEN pg-secret-1 hook-secret-2 AKIAIOSFODNN7EXAMPLE /root';
    expect(redact(text)).toBe('*** *** *** *** AKIAIOSFODNN7EXAMPLE /root');
  });

  it('redactDeep redacts every string of a document, keys included, and leaves the rest as it is', () => {
    rememberSecret('Sekr1tValue');
    const summary = {
      status: 'partial',
      lake_errors: ['PUT http://u:Sekr1tValue@h/b/k: ECONNREFUSED'],
      count: 3,
      ok: true,
      none: null,
      nested: [{ Sekr1tValue: 'x' }],
    };
    expect(redactDeep(summary)).toEqual({
      status: 'partial',
      lake_errors: ['PUT http://u:***@h/b/k: ECONNREFUSED'],
      count: 3,
      ok: true,
      none: null,
      nested: [{ '***': 'x' }],
    });
    expect(summary.lake_errors[0]).toContain('Sekr1tValue');
  });
});
