/**
 * A child process for the two-process race test: opens the store, says "ready", waits for "go" on stdin so all
 * children start together, then puts every key at once and prints one JSON line of outcomes.
 * Usage: node --import tsx put-race-child.ts <root> <keys as JSON> <label>
 */
import { once } from 'node:events';
import { FsObjectStore } from '../fs-object-store.js';

const [root, keysJson, label] = process.argv.slice(2);
if (root === undefined || keysJson === undefined || label === undefined)
  throw new Error('usage: <root> <keys json> <label>');
const keys = JSON.parse(keysJson) as string[];
const store = await FsObjectStore.open(root);

process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
await once(process.stdin, 'data');

// Each child starts at a different key so that every key sees contention from several sides.
const offset = [...label].reduce((sum, c) => sum + c.charCodeAt(0), 0) % Math.max(1, keys.length);
const outcomes = await Promise.all(
  [...keys.slice(offset), ...keys.slice(0, offset)].map(async (key) => {
    try {
      const result = await store.put({ key, body: `${label}:${key}`, contentType: 'text/plain' });
      return { key, won: true, versionId: result.versionId };
    } catch (error) {
      return { key, won: false, error: (error as Error).name };
    }
  }),
);
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
process.stdin.destroy();
