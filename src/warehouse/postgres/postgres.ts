/**
 * The PostgreSQL backend: Kysely's PostgresDialect over a node-postgres pool.
 */
import pg from 'pg';
import { PostgresDialect } from 'kysely';
import { failAfterCleanup } from '../cleanup.js';
import { PG_OID, parseDate, parseInt8 } from '../type-parsers.js';
import { UserError } from '../../errors.js';
import { redact, rememberUrlSecrets } from '../../secrets.js';

/** Raised when the server cannot be reached or refuses us. The message never contains the password. */
export class WarehouseConnectionError extends UserError {
  override readonly name = 'WarehouseConnectionError';
  /** `user@host:port/database`. */
  readonly target: string;

  constructor(target: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
    super(redact(`cannot connect to PostgreSQL at ${target}: ${reason}`), { cause });
    this.target = target;
  }
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface PostgresBackend {
  dialect: PostgresDialect;
  /** `user@host:port/database`, safe to print. */
  target: string;
}

/**
 * Creates the pool and proves it can connect, so that a wrong URL or a server that is down fails here with the
 * host and port in the message, within `connectTimeoutMs`, rather than later inside a migration.
 */
export async function openPostgres(databaseUrl: string, connectTimeoutMs: number): Promise<PostgresBackend> {
  // Known before node-postgres can echo any of it (src/secrets.ts).
  rememberUrlSecrets(databaseUrl);
  const target = describePostgresUrl(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    connectionTimeoutMillis: connectTimeoutMs,
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle pooled connection can fail (server restart, network drop); without a listener node-postgres would
  // crash the process. The pool discards that client itself and the next query reconnects or fails loudly.
  pool.on('error', (error) => {
    process.emitWarning(`idle PostgreSQL connection to ${target} failed: ${error.message}`, 'MarketlakeWarning');
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    return failAfterCleanup(new WarehouseConnectionError(target, error), [() => pool.end()]);
  }
  return { dialect: new PostgresDialect({ pool }), target };
}

function typeParser(oid: number, format?: 'text' | 'binary'): (text: string) => unknown {
  if (oid === PG_OID.DATE) return parseDate;
  if (oid === PG_OID.INT8) return parseInt8;
  return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
}

/**
 * `user@host:port/database` from a `postgres://` URL, leaving out the password. Throws (without echoing the URL,
 * which may hold a password) when it is not such a URL.
 */
export function describePostgresUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('the database URL is not a valid URL; expected postgres://user@host:port/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`the database URL must start with postgres:// or postgresql://, not ${url.protocol}//`);
  }
  // A host given as `?host=` (e.g. a Unix socket directory) wins over the authority, as in libpq.
  const host = url.searchParams.get('host') ?? (url.hostname === '' ? 'localhost' : url.hostname);
  const port = url.searchParams.get('port') ?? (url.port === '' ? '5432' : url.port);
  const user = url.username === '' ? '' : `${decodeURIComponent(url.username)}@`;
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return `${user}${host}:${port}/${database}`;
}
