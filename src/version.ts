import { readFileSync } from 'node:fs';

/**
 * `marketlake/<version>`: the producer recorded in every object's metadata, from package.json so it cannot drift.
 * Resolved relative to this module, which sits one level below the package root both in src/ and in dist/.
 */
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const PRODUCER_VERSION: string = packageJson.version;
export const PRODUCER = `marketlake/${PRODUCER_VERSION}`;
