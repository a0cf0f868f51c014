import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * marketlake still runs on Node 20 (README "Set-up"), while its dependencies are leaving it: the AWS SDK drops
 * Node 20 in its releases after the first week of January 2027. The pin in package.json keeps a release that
 * supports it; this test fails when an upgrade installs one that does not, instead of a user finding out.
 */
const require = createRequire(import.meta.url);

function declaredMinimumMajor(packageName: string): number {
  const manifest = JSON.parse(readFileSync(require.resolve(`${packageName}/package.json`), 'utf8')) as {
    engines?: { node?: string };
  };
  const range = manifest.engines?.node ?? '';
  // Every AWS SDK release so far states a plain lower bound (`>=20.0.0`); anything else deserves a human look.
  const match = /^>=\s*(\d+)(?:\.\d+){0,2}$/.exec(range.trim());
  if (!match) throw new Error(`${packageName} declares engines.node ${JSON.stringify(range)}, not a plain ">=N" bound`);
  return Number(match[1]);
}

describe('Node 20 support of the pinned dependencies', () => {
  it.each(['@aws-sdk/client-s3', '@aws-sdk/client-athena', '@aws-sdk/client-sns'])(
    'the installed %s still declares Node 20',
    (name) => {
      expect(declaredMinimumMajor(name)).toBeLessThanOrEqual(20);
    },
  );

  it('package.json pins the AWS SDK to one minor release line, not a caret range that would take the next', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies['@aws-sdk/client-s3']).toMatch(/^~3\.\d+\.\d+$/);
    // The clients share the SDK's core packages: the same release line installs them once.
    expect(manifest.dependencies['@aws-sdk/client-athena']).toBe(manifest.dependencies['@aws-sdk/client-s3']);
    expect(manifest.dependencies['@aws-sdk/client-sns']).toBe(manifest.dependencies['@aws-sdk/client-s3']);
  });
});
