import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from './config.js';

const CWD = '/work/here';

function lakeOf(lake: string): unknown {
  return resolveConfig({ lake, home: '/h' }, {}, CWD).lake;
}

function refusal(lake: string): string {
  try {
    resolveConfig({ lake, home: '/h' }, {}, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${lake} was accepted`);
}

describe('the lake location', () => {
  it('defaults to the lake folder under the home', () => {
    expect(resolveConfig({}, {}, CWD)).toMatchObject({
      home: '/work/here/.marketlake',
      lake: { kind: 'file', path: '/work/here/.marketlake/lake' },
    });
  });

  it('takes a file URL with an absolute path, percent-decoded', () => {
    expect(lakeOf('file:///srv/lake')).toEqual({ kind: 'file', path: '/srv/lake' });
    expect(lakeOf('file:///srv/my%20lake/')).toEqual({ kind: 'file', path: '/srv/my lake' });
    expect(lakeOf('file:/srv/lake')).toEqual({ kind: 'file', path: '/srv/lake' });
  });

  it('takes file://localhost/ as the local machine (RFC 8089)', () => {
    expect(lakeOf('file://localhost/srv/lake')).toEqual({ kind: 'file', path: '/srv/lake' });
    expect(lakeOf('file://LOCALHOST/srv/lake')).toEqual({ kind: 'file', path: '/srv/lake' });
  });

  it('refuses a relative path, which a file URL reads as a host name, instead of making a folder under the working directory', () => {
    expect(refusal('file://relative/path')).toBe(
      'lake location "file://relative/path": "relative" is a host name there (file://HOST/path), and only local absolute paths are supported; a file lake is file:///absolute/path',
    );
    expect(refusal('file://./lake')).toMatch(/"\." is a host name/);
    expect(refusal('file://lake')).toMatch(/"lake" is a host name/);
    expect(refusal('file:lake')).toMatch(/a relative path is not a file URL/);
  });

  it('refuses a file URL naming another host', () => {
    expect(refusal('file://fileserver/srv/lake')).toMatch(/"fileserver" is a host name/);
    expect(refusal('file://10.0.0.5/srv/lake')).toMatch(/"10\.0\.0\.5" is a host name/);
  });

  it('refuses what is not a plain path: a query, a fragment, an encoded "/", the root', () => {
    expect(refusal('file:///srv/lake?x=1')).toMatch(/a query or fragment/);
    expect(refusal('file:///srv/lake#top')).toMatch(/a query or fragment/);
    expect(refusal('file:///srv/a%2Fb')).toMatch(/encoded \//);
    expect(refusal('file://')).toMatch(/root cannot be a lake/);
    expect(refusal('file:///')).toMatch(/root cannot be a lake/);
  });

  it('does not repeat a password given in the URL', () => {
    const message = refusal('file://user:hunter2@host/srv/lake');
    expect(message).not.toContain('hunter2');
    expect(message).toMatch(/^lake location "file:\/\/user:\*\*\*@host\/srv\/lake": /);
  });

  it('reads MARKETLAKE_LAKE with the same rule', () => {
    expect(() => resolveConfig({}, { MARKETLAKE_LAKE: 'file://relative/path' }, CWD)).toThrow(ConfigError);
    expect(resolveConfig({}, { MARKETLAKE_LAKE: 'file:///srv/lake' }, CWD).lake).toEqual({
      kind: 'file',
      path: '/srv/lake',
    });
  });

  it('takes an S3 bucket with an optional prefix', () => {
    expect(lakeOf('s3://my-bucket')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(lakeOf('s3://my-bucket/a/b/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'a/b/' });
  });
});

describe('the lake compression', () => {
  it('is none unless the flag or MARKETLAKE_LAKE_COMPRESSION says gzip; the flag wins', () => {
    expect(resolveConfig({}, {}, CWD).lakeCompression).toBeUndefined();
    expect(resolveConfig({}, { MARKETLAKE_LAKE_COMPRESSION: 'none' }, CWD).lakeCompression).toBeUndefined();
    expect(resolveConfig({}, { MARKETLAKE_LAKE_COMPRESSION: 'gzip' }, CWD).lakeCompression).toBe('gzip');
    expect(
      resolveConfig({ lakeCompression: 'none' }, { MARKETLAKE_LAKE_COMPRESSION: 'gzip' }, CWD).lakeCompression,
    ).toBeUndefined();
  });

  it('refuses anything else, naming both ways to set it', () => {
    expect(() => resolveConfig({ lakeCompression: 'GZIP' }, {}, CWD)).toThrow(ConfigError);
    expect(() => resolveConfig({}, { MARKETLAKE_LAKE_COMPRESSION: 'zstd' }, CWD)).toThrow(
      'lake compression must be one of none, gzip (MARKETLAKE_LAKE_COMPRESSION or --lake-compression; got "zstd")',
    );
  });
});
