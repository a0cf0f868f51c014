/**
 * Writes the JSON Schema files of the lake's documents (schemas/marketlake.{kind}-1.schema.json) from the zod
 * schemas in src/lake/formats (src/lake/formats/json-schemas.ts). Files of documents that no longer exist are
 * removed. test/schemas/json-schemas.test.ts fails while the files are not what this script writes.
 *
 * Run: npx tsx scripts/generate-json-schemas.ts           (deterministic; rerunning rewrites identical files)
 *      npx tsx scripts/generate-json-schemas.ts --check   (writes nothing; exits 1 naming each stale file)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaFiles } from '../src/lake/formats/json-schemas.js';

export const JSON_SCHEMAS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../schemas');

/** What differs between the folder and a fresh generation: each file named with why. */
export function staleJsonSchemas(dir = JSON_SCHEMAS_DIR): string[] {
  const files = jsonSchemaFiles();
  const stale: string[] = [];
  for (const [name, contents] of files) {
    const path = join(dir, name);
    if (!existsSync(path)) stale.push(`${name}: missing`);
    else if (readFileSync(path, 'utf8') !== contents) stale.push(`${name}: not what the zod schemas give`);
  }
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.schema.json') && !files.has(name)) stale.push(`${name}: no such document any more`);
    }
  }
  return stale;
}

function main(args: readonly string[]): number {
  const where = relative(process.cwd(), JSON_SCHEMAS_DIR) || '.';
  if (args.includes('--check')) {
    const stale = staleJsonSchemas();
    for (const line of stale) console.error(`stale: ${where}/${line}`);
    if (stale.length > 0) console.error('run: npx tsx scripts/generate-json-schemas.ts');
    return stale.length > 0 ? 1 : 0;
  }
  const files = jsonSchemaFiles();
  mkdirSync(JSON_SCHEMAS_DIR, { recursive: true });
  for (const name of readdirSync(JSON_SCHEMAS_DIR)) {
    if (name.endsWith('.schema.json') && !files.has(name)) rmSync(join(JSON_SCHEMAS_DIR, name));
  }
  for (const [name, contents] of files) writeFileSync(join(JSON_SCHEMAS_DIR, name), contents);
  console.log(`wrote ${files.size} JSON Schema files to ${where}`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
