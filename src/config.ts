import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageOf, UserError } from './errors.js';
import { quote } from './quote.js';

/**
 * Settings from flags and the environment (DESIGN.md "Configuration"); flags win over the environment.
 *   MARKETLAKE_HOME          embedded data (default ./.marketlake)
 *   MARKETLAKE_LAKE          file:///path or s3://bucket[/prefix] (DATA_LAKE_BUCKET also accepted for s3)
 *   MARKETLAKE_S3_ENDPOINT   S3-compatible servers
 *   MARKETLAKE_DATABASE_URL  postgres://...; unset means PGlite under MARKETLAKE_HOME
 *   MARKETLAKE_PGLITE_WORKER 0 runs the embedded PGlite on the main thread (default: a worker thread; see
 *                            warehouse/pglite.ts)
 */
export interface ConfigFlags {
  home?: string;
  lake?: string;
  s3Endpoint?: string;
  database?: string;
}

export type LakeLocation = { kind: 'file'; path: string } | { kind: 's3'; bucket: string; prefix: string; endpoint?: string };

export interface Config {
  home: string;
  lake: LakeLocation;
  /** undefined: embedded PGlite under `home`. */
  databaseUrl?: string;
}

export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
}

export function resolveConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const home = resolve(cwd, flags.home ?? env.MARKETLAKE_HOME ?? '.marketlake');
  const bucket = env.DATA_LAKE_BUCKET ? `s3://${env.DATA_LAKE_BUCKET}` : undefined;
  const lakeText = flags.lake ?? env.MARKETLAKE_LAKE ?? bucket;
  const endpoint = flags.s3Endpoint ?? env.MARKETLAKE_S3_ENDPOINT;
  const databaseUrl = flags.database ?? env.MARKETLAKE_DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`database URL must start with postgres:// or postgresql:// (got "${redactUrl(databaseUrl)}")`);
  }
  return {
    home,
    lake: lakeText === undefined ? { kind: 'file', path: resolve(home, 'lake') } : parseLake(lakeText, cwd, endpoint),
    ...(databaseUrl ? { databaseUrl } : {}),
  };
}

function parseLake(text: string, cwd: string, endpoint: string | undefined): LakeLocation {
  if (text.startsWith('file://')) {
    try {
      const path = fileURLToPath(text.startsWith('file:///') ? text : `file://${resolve(cwd, text.slice('file://'.length))}`);
      return { kind: 'file', path };
    } catch (error) {
      // Node refuses a file URL it cannot map to a path (an encoded "/" or NUL, a host on POSIX).
      throw new ConfigError(`lake location ${quote(text)} is not a usable file URL: ${messageOf(error)}`);
    }
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (s3) {
    const prefix = (s3[2] ?? '').replace(/^\/+|\/+$/g, '');
    return { kind: 's3', bucket: s3[1], prefix: prefix === '' ? '' : `${prefix}/`, ...(endpoint ? { endpoint } : {}) };
  }
  throw new ConfigError(`lake location must be file:///path or s3://bucket[/prefix] (got ${quote(text)})`);
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
