import { UserError } from '../errors.js';

/**
 * Why a statement did not give a result: `refused` before it ran (not a single SELECT), `failed` in DuckDB (the
 * parser, the binder, a file the confinement does not allow), or stopped at the `time-limit` or the `row-limit`;
 * or why a session did not open: a `view` DuckDB could not create.
 */
export type SqlErrorReason = 'refused' | 'failed' | 'time-limit' | 'row-limit' | 'view';

const PREFIXES: Record<SqlErrorReason, string> = {
  refused: 'query refused',
  failed: 'query failed',
  'time-limit': 'query stopped',
  'row-limit': 'query stopped',
  view: 'cannot create a view',
};

/**
 * A query the user can fix (a UserError: the CLI prints the message alone and exits 1). The message starts with
 * what happened ("query refused: ...", "query failed: ..."), then DuckDB's own words when it has them.
 */
export class SqlError extends UserError {
  override readonly name = 'SqlError';
  constructor(
    readonly reason: SqlErrorReason,
    detail: string,
  ) {
    super(`${PREFIXES[reason]}: ${detail}`);
  }
}
