/**
 * Bearer token authentication (RFC 6750). The tokens come from the caller (the serve command reads
 * `MARKETLAKE_API_TOKENS` or a tokens file); with none configured, authentication is off: the serve command only
 * allows that on a loopback address, where the machine's users are the audience.
 *
 * A presented token is compared with every configured token in constant time: both sides are hashed with SHA-256
 * first, so `timingSafeEqual` compares equal lengths and neither the length of a token nor the position of its
 * first wrong character shows in the response time; every configured token is compared (no early exit), so the
 * time does not tell which one came closest either.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { rememberSecret } from '../../secrets.js';
import { exemptPathMatcher } from './exempt-paths.js';
import { problem } from './problem.js';
import type { ApiEnv } from './types.js';

/** A token with the name the logs and the rate limiter know it by (a token from a file may be given a name). */
export interface NamedToken {
  name: string;
  token: string;
}

export interface BearerAuthOptions {
  /** The accepted tokens; an unnamed one is known as `token-N`, N its position counted from 1. Empty: auth off. */
  tokens: readonly (string | NamedToken)[];
  /**
   * Paths served without a token (exact, or a prefix as `/assets/*`): the health checks by default, which an
   * orchestrator calls without credentials and which reveal nothing.
   */
  exemptPaths?: readonly string[];
  /** The realm named in `WWW-Authenticate`. */
  realm?: string;
}

export const DEFAULT_EXEMPT_PATHS: readonly string[] = ['/healthz', '/readyz'];

/**
 * Shorter tokens are refused: a short token can be guessed by trying (the rate limit slows a guesser, it does not
 * stop one), and is below the length the redaction replaces as bare text (src/secrets.ts MIN_SECRET_LENGTH).
 */
export const MIN_TOKEN_LENGTH = 16;

/** `Bearer <token68>` (RFC 6750 section 2.1); the scheme is case-insensitive (RFC 9110 section 11.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

interface KnownToken {
  name: string;
  digest: Buffer;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The configured tokens, checked once at start: an empty or duplicated token is a configuration mistake. */
function knownTokens(tokens: BearerAuthOptions['tokens']): KnownToken[] {
  const names = new Set<string>();
  const digests = new Set<string>();
  return tokens.map((entry, index) => {
    const { name, token } = typeof entry === 'string' ? { name: `token-${index + 1}`, token: entry } : entry;
    if (token.trim() === '') throw new Error(`API token ${name} is empty`);
    if (!BEARER.test(`Bearer ${token}`)) {
      throw new Error(
        `API token ${name} has characters a Bearer token cannot have (allowed: A-Z a-z 0-9 - . _ ~ + / =)`,
      );
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `API token ${name} is shorter than ${MIN_TOKEN_LENGTH} characters (make one with: openssl rand -hex 32)`,
      );
    }
    if (names.has(name)) throw new Error(`API token name ${name} is given twice`);
    const digest = sha256(token);
    if (digests.has(digest.toString('hex'))) throw new Error(`API token ${name} repeats an earlier token`);
    names.add(name);
    digests.add(digest.toString('hex'));
    // A token is a secret wherever it shows up: in an error message that quoted a header, in a log line.
    rememberSecret(token);
    return { name, digest };
  });
}

/** The name of the configured token equal to `presented`, comparing with all of them in constant time. */
function identify(known: readonly KnownToken[], presented: string): string | undefined {
  const digest = sha256(presented);
  let found: string | undefined;
  for (const token of known) {
    // No `break`: every token is compared whatever matched, so the time does not depend on which one did.
    if (timingSafeEqual(token.digest, digest)) found = token.name;
  }
  return found;
}

export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler<ApiEnv> {
  const known = knownTokens(options.tokens);
  const exempt = exemptPathMatcher(options.exemptPaths ?? DEFAULT_EXEMPT_PATHS);
  const realm = options.realm ?? 'marketlake';
  return async function bearerAuthMiddleware(c, next) {
    if (known.length === 0 || exempt(c.req.path)) return next();
    const match = BEARER.exec(c.req.header('Authorization') ?? '');
    if (match === null) {
      // No credentials (or not a Bearer token): RFC 6750 section 3.1 gives no error code for this case.
      return problem(
        c,
        401,
        { detail: 'This API needs a token: send the header "Authorization: Bearer <token>".' },
        { 'WWW-Authenticate': `Bearer realm="${realm}"` },
      );
    }
    const identity = identify(known, match[1]);
    if (identity === undefined) {
      // The token is never quoted back: a response (or a log of it) must not carry a near-miss of a real token.
      return problem(
        c,
        401,
        { detail: 'The bearer token is not one this server accepts.' },
        { 'WWW-Authenticate': `Bearer realm="${realm}", error="invalid_token"` },
      );
    }
    c.set('tokenIdentity', identity);
    return next();
  };
}
