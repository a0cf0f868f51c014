import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from './errors.js';
import { quote } from './quote.js';
import { rememberUrlSecrets, redactUrl } from './secrets.js';

export { redactUrl } from './secrets.js';

/**
 * Settings from flags and the environment (docs/design.md "Configuration"); flags win over the environment.
 *   MARKETLAKE_HOME          embedded data (default ./.marketlake)
 *   MARKETLAKE_LAKE          file:///absolute/path or s3://bucket[/prefix] (DATA_LAKE_BUCKET also accepted for s3)
 *   MARKETLAKE_S3_ENDPOINT   S3-compatible servers
 *   MARKETLAKE_DATABASE_URL  postgres://...; unset means PGlite under MARKETLAKE_HOME
 *   MARKETLAKE_PGLITE_WORKER 0 runs the embedded PGlite on the main thread (default: a worker thread; see
 *                            warehouse/pglite/pglite.ts)
 *   MARKETLAKE_LAKE_COMPRESSION  none (default) or gzip: how new lake objects are stored (lake/compression.ts)
 */
export interface ConfigFlags {
  home?: string;
  lake?: string;
  s3Endpoint?: string;
  database?: string;
  lakeCompression?: string;
}

/** How new raw and processed objects are stored; every reader reads both forms whatever the setting. */
export type LakeCompression = 'none' | 'gzip';
export const LAKE_COMPRESSIONS: readonly LakeCompression[] = ['none', 'gzip'];

export type LakeLocation =
  { kind: 'file'; path: string } | { kind: 's3'; bucket: string; prefix: string; endpoint?: string };

export interface Config {
  home: string;
  lake: LakeLocation;
  /** undefined: embedded PGlite under `home`. */
  databaseUrl?: string;
  /** undefined: `none`. */
  lakeCompression?: LakeCompression;
}

export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
}

export function resolveConfig(
  flags: ConfigFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Config {
  const home = resolve(cwd, flags.home ?? env.MARKETLAKE_HOME ?? '.marketlake');
  const bucket = env.DATA_LAKE_BUCKET ? `s3://${env.DATA_LAKE_BUCKET}` : undefined;
  const lakeText = flags.lake ?? env.MARKETLAKE_LAKE ?? bucket;
  const endpoint = flags.s3Endpoint ?? env.MARKETLAKE_S3_ENDPOINT;
  const databaseUrl = flags.database ?? env.MARKETLAKE_DATABASE_URL;
  const compressionText = flags.lakeCompression ?? env.MARKETLAKE_LAKE_COMPRESSION;
  // Known before any message can carry them (src/secrets.ts).
  rememberUrlSecrets(databaseUrl);
  rememberUrlSecrets(endpoint);
  rememberUrlSecrets(lakeText);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      `database URL must start with postgres:// or postgresql:// (got "${redactUrl(databaseUrl)}")`,
    );
  }
  const lakeCompression =
    compressionText === undefined || compressionText === '' ? undefined : parseLakeCompression(compressionText);
  return {
    home,
    lake: lakeText === undefined ? { kind: 'file', path: resolve(home, 'lake') } : parseLake(lakeText, endpoint),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(lakeCompression === undefined || lakeCompression === 'none' ? {} : { lakeCompression }),
  };
}

function parseLakeCompression(text: string): LakeCompression {
  if ((LAKE_COMPRESSIONS as readonly string[]).includes(text)) return text as LakeCompression;
  throw new ConfigError(
    `lake compression must be one of ${LAKE_COMPRESSIONS.join(', ')} (MARKETLAKE_LAKE_COMPRESSION or --lake-compression; got ${quote(text)})`,
  );
}

function parseLake(text: string, endpoint: string | undefined): LakeLocation {
  if (text.startsWith('file:')) return { kind: 'file', path: parseFileLake(text) };
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (s3) {
    const prefix = (s3[2] ?? '').replace(/^\/+|\/+$/g, '');
    return { kind: 's3', bucket: s3[1], prefix: prefix === '' ? '' : `${prefix}/`, ...(endpoint ? { endpoint } : {}) };
  }
  throw new ConfigError(`lake location must be file:///path or s3://bucket[/prefix] (got ${quote(redactUrl(text))})`);
}

/**
 * A file lake is named by an absolute path only (RFC 8089): `file:///srv/lake`, or `file://localhost/srv/lake`,
 * which names the same local path. `file://host/path` names a folder on another machine, and `file://lake`
 * reads like a relative path but is the host "lake": guessing either (the old code made a folder under the
 * working directory) opens a lake the database has never seen, so both are refused, as are a query, a fragment
 * and the bare file-system root.
 */
function parseFileLake(text: string): string {
  const refuse = (problem: string): never => {
    throw new ConfigError(`lake location "${redactUrl(text)}": ${problem}; a file lake is file:///absolute/path`);
  };
  // `file:lake` would parse as `/lake`: a path that does not start at the root is not one.
  if (!text.startsWith('file:/')) return refuse('a relative path is not a file URL');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('not a valid URL');
  }
  // The URL parser turns `localhost` into the empty host, as RFC 8089 reads it.
  if (url.host !== '') {
    return refuse(`"${url.host}" is a host name there (file://HOST/path), and only local absolute paths are supported`);
  }
  if (url.search !== '' || url.hash !== '') return refuse('a query or fragment is not part of a path');
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (path === '/') return refuse('the file-system root cannot be a lake');
  return resolve(path); // one spelling per folder: no trailing "/"
}

/** The lake's location, safe to print and to store: `file:///srv/lake`, `s3://bucket/prefix/ at http://host:7480`. */
export function describeLake(lake: LakeLocation): string {
  if (lake.kind === 'file') return pathToFileURL(lake.path).href;
  // An endpoint may carry user info; it is never needed to tell two lakes apart.
  const endpoint = lake.endpoint === undefined ? '' : ` at ${lake.endpoint.replace(/\/\/[^/@]*@/, '//')}`;
  return `s3://${lake.bucket}/${lake.prefix}${endpoint}`;
}
