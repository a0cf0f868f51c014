/**
 * `@duckdb/node-api`, loaded with `require`. It is a CommonJS package of many files: imported from an ES module,
 * Node first scans each of them for its named exports (cjs-module-lexer), which made the import cost 210-280 ms
 * against 80-105 ms for `require` (measured on the 2-core bench machine, Node 20), on every `marketlake sql`.
 * Every module that uses DuckDB (src/tables, src/verify, src/sql) takes its values from here and its types with
 * `import type` as usual.
 */
import { createRequire } from 'node:module';
import type * as DuckDBApi from '@duckdb/node-api';

export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDBApi;
