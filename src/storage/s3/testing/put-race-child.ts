/**
 * A child process for the multi-process race test on S3: opens its own S3ObjectStore (its own client and
 * connections), says "ready", waits for "go" on stdin so all children start together, then puts every key at
 * once and prints one JSON line of outcomes.
 * Usage: node --import tsx put-race-child.ts <bucket> <keys as JSON> <label>   (server settings from the
 * MARKETLAKE_TEST_S3_* environment, as test/support/rgw.ts reads them)
 */
import { once } from 'node:events';
import { testS3Settings } from './settings.js';
import { S3ObjectStore } from '../s3-object-store.js';

const [bucket, keysJson, label] = process.argv.slice(2);
if (bucket === undefined || keysJson === undefined || label === undefined)
  throw new Error('usage: <bucket> <keys json> <label>');
const keys = JSON.parse(keysJson) as string[];
const store = new S3ObjectStore({ bucket, ...testS3Settings() });

process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
await once(process.stdin, 'data');
process.stdin.destroy(); // an open stdin would keep this process alive after its work

const outcomes = await Promise.all(
  keys.map(async (key) => {
    try {
      const result = await store.put({ key, body: `${label}:${key}`, contentType: 'text/plain' });
      return { key, won: true, versionId: result.versionId };
    } catch (error) {
      return { key, won: false, error: (error as Error).name, message: (error as Error).message };
    }
  }),
);
store.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
