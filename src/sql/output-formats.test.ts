import { describe, expect, it } from 'vitest';
import type { QueryResult } from './duckdb-session.js';
import { toCsv, toJson, toJsonLines, toObjects, toTextTable } from './output-formats.js';

const result: QueryResult = {
  columns: [
    { name: 'ticker', type: 'VARCHAR' },
    { name: 'close', type: 'DOUBLE' },
    { name: 'as_of', type: 'DATE' },
    { name: 'tags', type: 'VARCHAR[]' },
  ],
  rows: [
    ['AAA', 10.5, '2024-01-02', ['a', 'b']],
    ['B,"B"', null, '2024-01-03', null],
    ['line\nbreak', 1234, '2024-01-04', []],
    ['', -2, '2024-01-05', ['x']],
  ],
};

describe('toCsv', () => {
  it('writes RFC 4180: header, CRLF, quoted fields with doubled quotes, null empty and the empty string quoted', () => {
    expect(toCsv(result)).toBe(
      'ticker,close,as_of,tags\r\n' +
        'AAA,10.5,2024-01-02,"[""a"",""b""]"\r\n' +
        '"B,""B""",,2024-01-03,\r\n' +
        '"line\nbreak",1234,2024-01-04,[]\r\n' +
        '"",-2,2024-01-05,"[""x""]"\r\n',
    );
  });

  it('quotes a column name that needs it, and writes only the header for no rows', () => {
    expect(toCsv({ columns: [{ name: 'a,b', type: 'INTEGER' }], rows: [] })).toBe('"a,b"\r\n');
  });
});

describe('toJson and toJsonLines', () => {
  it('writes an array of objects keyed by column name', () => {
    expect(JSON.parse(toJson(result))).toEqual([
      { ticker: 'AAA', close: 10.5, as_of: '2024-01-02', tags: ['a', 'b'] },
      { ticker: 'B,"B"', close: null, as_of: '2024-01-03', tags: null },
      { ticker: 'line\nbreak', close: 1234, as_of: '2024-01-04', tags: [] },
      { ticker: '', close: -2, as_of: '2024-01-05', tags: ['x'] },
    ]);
    expect(toJson({ ...result, rows: [] })).toBe('[]\n');
  });

  it('writes one object a line', () => {
    const lines = toJsonLines(result).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(lines.slice(0, 4).map((line) => JSON.parse(line) as unknown)).toEqual(toObjects(result));
  });

  it('keeps both values of a repeated column name', () => {
    const repeated: QueryResult = {
      columns: [
        { name: 'a', type: 'INTEGER' },
        { name: 'a', type: 'INTEGER' },
        { name: 'a_1', type: 'INTEGER' },
      ],
      rows: [[1, 2, 3]],
    };
    expect(toObjects(repeated)).toEqual([{ a: 1, a_1: 2, a_1_1: 3 }]);
  });
});

describe('toTextTable', () => {
  it('aligns the columns, numbers to the right, with NULL, escaped newlines and a row count', () => {
    expect(toTextTable(result)).toBe(
      [
        'ticker       close  as_of       tags',
        '-----------  -----  ----------  ---------',
        'AAA           10.5  2024-01-02  ["a","b"]',
        'B,"B"         NULL  2024-01-03  NULL',
        'line\\nbreak   1234  2024-01-04  []',
        '                -2  2024-01-05  ["x"]',
        '(4 rows)',
        '',
      ].join('\n'),
    );
  });

  it('says (1 row) and (0 rows)', () => {
    const one: QueryResult = { columns: [{ name: 'n', type: 'BIGINT' }], rows: [[7]] };
    expect(toTextTable(one)).toBe('n\n-\n7\n(1 row)\n');
    expect(toTextTable({ ...one, rows: [] })).toBe('n\n-\n(0 rows)\n');
  });
});
