/**
 * What `marketlake sql --engine athena` sends: a read, never a write. Athena runs whatever it is given that the
 * caller's IAM policy allows (DROP TABLE, CREATE TABLE AS, INSERT INTO, UNLOAD), and there is no DuckDB to check
 * the statement first, so the statement's first keyword decides: one of the reads below, after any comments.
 * Athena takes one statement a query, so the first keyword is the statement's.
 */
import { SqlError } from './sql-error.js';

const READS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'SHOW', 'DESCRIBE', 'EXPLAIN']);

/** Throws a `refused` SqlError unless `query` starts with a read. */
export function checkAthenaRead(query: string): void {
  const text = withoutLeadingComments(query);
  const keyword = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase();
  if (keyword === undefined || !READS.has(keyword)) {
    throw new SqlError(
      'refused',
      `Athena runs only reads here (${[...READS].join(', ')}); this statement starts with ` +
        `${keyword === undefined ? 'no keyword' : keyword}`,
    );
  }
}

function withoutLeadingComments(query: string): string {
  let text = query.trimStart();
  for (;;) {
    if (text.startsWith('--')) {
      const end = text.indexOf('\n');
      text = end === -1 ? '' : text.slice(end + 1).trimStart();
    } else if (text.startsWith('/*')) {
      const end = text.indexOf('*/');
      text = end === -1 ? '' : text.slice(end + 2).trimStart();
    } else if (text.startsWith('(')) {
      // `(SELECT ...) UNION (SELECT ...)`: the parenthesis opens a read.
      text = text.slice(1).trimStart();
    } else return text;
  }
}
