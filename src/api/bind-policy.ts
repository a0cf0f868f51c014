/**
 * Who may reach the server (docs/design.md "The HTTP API"): it binds 127.0.0.1 by default, and an address other
 * machines can reach is refused unless API tokens are configured, so a lake is never published by accident. The
 * tokens come from `MARKETLAKE_API_TOKENS` (comma-separated) or a file (`serve --tokens-file`: one a line, or
 * comma-separated; `#` starts a comment line); the bearer check itself is a middleware (src/api/middleware/).
 * Every token is remembered as a secret (src/secrets.ts), so none is ever printed or logged.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { UsageError, UserError } from '../errors.js';
import { quote } from '../quote.js';
import { rememberSecret } from '../secrets.js';

export const API_TOKENS_VARIABLE = 'MARKETLAKE_API_TOKENS';

/** Short tokens are guessable; this many characters of the bearer alphabet are about 96 bits. */
export const MIN_TOKEN_LENGTH = 16;

/** RFC 6750's b64token: what a bearer token may hold, so that every token can be sent in an Authorization header. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;

export class ApiTokenError extends UserError {
  override readonly name = 'ApiTokenError';
}

export interface ApiTokens {
  tokens: string[];
  /** Where they came from, for messages (never the tokens themselves). */
  source: string;
}

/**
 * The tokens of one text (`source` names it in errors): comma- or line-separated, blanks and `#` comment lines
 * ignored, duplicates once. A token that is not usable is refused by its position, never shown.
 */
export function parseApiTokens(text: string, source: string): string[] {
  const entries = text
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  entries.forEach((token, index) => {
    const which = `token ${index + 1} of ${source}`;
    if (!TOKEN_PATTERN.test(token)) {
      throw new ApiTokenError(`${which} is not a bearer token (letters, digits and - . _ ~ + / only, then any =)`);
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new ApiTokenError(`${which} is ${token.length} characters long: at least ${MIN_TOKEN_LENGTH} are needed`);
    }
  });
  const tokens = [...new Set(entries)];
  for (const token of tokens) rememberSecret(token);
  return tokens;
}

/**
 * The configured tokens: the file when one is given (the flag wins over the environment), else the variable;
 * undefined when neither names any. A file or variable that is set but holds no token is an error: it is a
 * mistake, not "no authentication".
 */
export async function loadApiTokens(
  env: NodeJS.ProcessEnv,
  tokensFile: string | undefined,
): Promise<ApiTokens | undefined> {
  if (tokensFile !== undefined) {
    let text: string;
    try {
      text = await readFile(tokensFile, 'utf8');
    } catch (error) {
      throw new ApiTokenError(`cannot read the tokens file ${quote(tokensFile)}: ${(error as Error).message}`);
    }
    return nonEmpty(
      parseApiTokens(text, `the tokens file ${quote(tokensFile)}`),
      `the tokens file ${quote(tokensFile)}`,
    );
  }
  const text = env[API_TOKENS_VARIABLE];
  if (text === undefined) return undefined;
  return nonEmpty(parseApiTokens(text, API_TOKENS_VARIABLE), API_TOKENS_VARIABLE);
}

function nonEmpty(tokens: string[], source: string): ApiTokens {
  if (tokens.length === 0) throw new ApiTokenError(`${source} holds no token`);
  return { tokens, source };
}

/** Whether only this machine can reach an address bound to `host`: `localhost`, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.split('.')[0] === '127';
  if (isIP(bare) === 6) {
    const lower = bare.toLowerCase();
    return lower === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(lower) || /^::ffff:127\./.test(lower);
  }
  return false;
}

/**
 * Refuses to bind an address other machines can reach (any host name but localhost, 0.0.0.0, ::, a public or
 * private address) when no token is configured: the server would publish the lake to everyone who can reach it.
 */
export function checkBindAllowed(host: string, tokens: ApiTokens | undefined): void {
  if (isLoopbackHost(host) || tokens !== undefined) return;
  throw new UsageError(
    `refusing to listen on ${quote(host)} without API tokens: other machines could read the lake. ` +
      `Set ${API_TOKENS_VARIABLE} (comma-separated) or give --tokens-file FILE, or listen on 127.0.0.1 (the default)`,
  );
}
