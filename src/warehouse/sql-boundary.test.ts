/**
 * One rule keeps the SQL findable: only src/warehouse/ builds queries. Everything else calls the named functions
 * of its modules, passing the executor (`warehouse.db`, or a transaction) as their first argument. This test
 * reads the sources and fails, naming each line, when Kysely query building appears anywhere else in src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..');
const WAREHOUSE = import.meta.dirname;

/** Query building: the builder's entry points and the `sql` template tag with its helpers. */
const QUERY_BUILDING = [
  /\.(selectFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto|selectNoFrom)\s*\(/,
  /\.with(Recursive)?\s*\(\s*['"`]/,
  /\bsql\s*(<[^>]*>)?\s*`/,
  /\bsql\.(raw|ref|lit|id|join|table|val|value)\s*\(/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

function offenders(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    if (file.startsWith(WAREHOUSE + sep)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // Comments are prose: a line comment, a one-line block comment (`/** ... */`).
        const code = line.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '');
        if (/^\s*\*/.test(code)) return; // a comment line of a block comment
        if (QUERY_BUILDING.some((pattern) => pattern.test(code)))
          found.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('the SQL boundary', () => {
  it('builds queries in src/warehouse/ only', () => {
    expect(offenders(), 'move these queries into a named function of a src/warehouse/ module').toEqual([]);
  });

  it('recognises query building where it is', () => {
    // The guard itself: it would find the warehouse's own queries if they were elsewhere.
    const inWarehouse = sourceFiles(WAREHOUSE).filter((file) => !file.endsWith('.test.ts'));
    const building = inWarehouse.filter((file) =>
      QUERY_BUILDING.some((pattern) => pattern.test(readFileSync(file, 'utf8'))),
    );
    expect(building.map((file) => relative(SRC, file))).toEqual(
      expect.arrayContaining(['warehouse/restatements.ts', 'warehouse/lake-objects.ts']),
    );
  });
});
