import { describe, expect, it } from 'vitest';
import { checkAthenaRead } from './athena-statement.js';

describe('checkAthenaRead', () => {
  it.each([
    'SELECT 1',
    '  select * from prices',
    'WITH t AS (SELECT 1) SELECT * FROM t',
    '-- a comment\nSELECT 1',
    '/* hint */ select 1',
    '(SELECT 1) UNION (SELECT 2)',
    'SHOW TABLES',
    'DESCRIBE prices',
    'EXPLAIN SELECT 1',
    'VALUES (1)',
  ])('lets a read through: %j', (query) => {
    expect(() => checkAthenaRead(query)).not.toThrow();
  });

  it.each([
    ['DROP TABLE prices', 'DROP'],
    ['create table x as select 1', 'CREATE'],
    ['INSERT INTO prices SELECT * FROM prices', 'INSERT'],
    ["UNLOAD (SELECT 1) TO 's3://b/x' WITH (format = 'PARQUET')", 'UNLOAD'],
    ['-- SELECT\nDELETE FROM prices', 'DELETE'],
    ['/* SELECT */ MSCK REPAIR TABLE prices', 'MSCK'],
    ['', 'no keyword'],
    ['/* unterminated', 'no keyword'],
  ])('refuses %j', (query, keyword) => {
    expect(() => checkAthenaRead(query)).toThrow(`query refused: Athena runs only reads here`);
    expect(() => checkAthenaRead(query)).toThrow(keyword);
  });
});
