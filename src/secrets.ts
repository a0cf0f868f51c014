/**
 * No secret leaves the process (README "Guarantees"). Every text that leaves it goes through `redact`: what the
 * CLI prints (src/cli/redacted-output.ts filters stdout and stderr), the run summaries and error columns written
 * to the database (warehouse/runs.ts, warehouse/sql-helpers.ts `errorText`) and the lineage events written to the
 * lake or POSTed (lineage/emitter.ts). `redact` removes
 *   - the password of every URL in the text, configured or not (`scheme://user:PASSWORD@host` becomes
 *     `scheme://user:***@host`, and a `password=` query parameter `password=***`): errors of fetch, node-postgres
 *     or the AWS SDK may echo a URL that was never configured as such;
 *   - every secret the process knows, wherever it appears, also outside a URL (a driver may echo a decoded
 *     password, a database name, a host): the passwords of the configured URLs (database, S3 endpoint, OpenLineage
 *     and any URL in a MARKETLAKE_* variable or on the command line) and AWS secret keys from the environment.
 * The registry is process-wide on purpose: the secrets come from the configuration at the start, while the texts
 * to clean are produced anywhere, down to an error thrown deep inside a driver.
 */

export const REDACTED = '***';

/**
 * Shorter values are not replaced as bare text (as a URL's password they still are): a short password is found
 * inside ordinary words and numbers (a volume, a date), which would be blanked out of every message and break the
 * JSON a command prints.
 */
export const MIN_SECRET_LENGTH = 8;

/** Environment variables whose whole value is a secret, besides the URLs with a password (found by their form). */
const SECRET_VARIABLES = /(PASSWORD|PASSWD|SECRET|SECRET_KEY|SECRET_ACCESS_KEY|SESSION_TOKEN|TOKEN|API_KEY)$/i;

const secrets = new Set<string>();
/** The secrets longest first, so that one containing another is replaced whole; rebuilt when one is added. */
let ordered: string[] = [];

/** Remembers a secret: from now on it is replaced wherever it appears in a text leaving the process. */
export function rememberSecret(value: string | undefined | null): void {
  if (value === undefined || value === null) return;
  const forms = new Set([value, decoded(value), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  let added = false;
  for (const form of forms) {
    if (form.length < MIN_SECRET_LENGTH || secrets.has(form)) continue;
    secrets.add(form);
    added = true;
  }
  if (added) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** Remembers the password of every URL in `text` (user info, or a `password=` query parameter). */
export function rememberUrlSecrets(text: string | undefined): void {
  if (text === undefined) return;
  for (const match of text.matchAll(URL_PASSWORD)) rememberUnlessPublic(match[2], text.replace(match[0], match[1]));
  for (const match of text.matchAll(QUERY_PASSWORD)) rememberUnlessPublic(match[2], text.replace(match[0], match[1]));
}

/**
 * A password that is also a visible part of its own URL (`postgres://postgres:postgres@host/postgres`, a common
 * development set-up) is no secret that a message could keep: remembering it would blank every "postgres" out
 * of every message, the scheme included. It is still removed where it stands as the URL's password.
 */
function rememberUnlessPublic(password: string, restOfUrl: string): void {
  if (password === '' || restOfUrl.includes(password) || restOfUrl.includes(decoded(password))) return;
  rememberSecret(password);
}

/**
 * Remembers the secrets of an environment: every URL password in any variable's value (a future webhook URL is
 * covered without being named here) and the whole value of the variables named like secrets (AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, PGPASSWORD, ...).
 */
export function rememberEnvironmentSecrets(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (SECRET_VARIABLES.test(name)) rememberSecret(value);
    rememberUrlSecrets(value);
  }
}

/** `text` with every URL password and every known secret replaced by `***`. */
export function redact(text: string): string {
  let result = text;
  if (result.includes('@')) result = result.replace(URL_PASSWORD, `$1${REDACTED}@`);
  if (/password=/i.test(result)) result = result.replace(QUERY_PASSWORD, `$1${REDACTED}`);
  for (const secret of ordered) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  return result;
}

/** A URL (or any text) without its password, for messages. */
export function redactUrl(url: string): string {
  return redact(url);
}

/**
 * A copy of a JSON-like value with every string redacted (keys included): for documents that are serialised
 * afterwards, where redacting the serialised text could miss a secret that serialisation escaped.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactDeep(item)])) as T;
  }
  return value;
}

/** Forgets every secret; for tests that check what is remembered. */
export function forgetSecretsForTesting(): void {
  secrets.clear();
  ordered = [];
}

/**
 * `scheme://user:password@`: the password runs to the last `@` before the host (an unencoded `@` in a password
 * is taken as part of it, as WHATWG URL parsing does) and stops at what cannot be inside a URL's authority in a
 * message: white space, quotes, `/ ? #` and the like, so that it never spans two strings of a JSON document.
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@"'`<>\\]*:)([^\s/?#"'`<>\\]*)@/gi;

/** `password=` in a query string (libpq and node-postgres accept `postgres://host/db?password=...`). */
const QUERY_PASSWORD = /([?&]password=)([^&\s#"'`<>\\]*)/gi;

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not percent-encoded text (a lone %): it is only ever seen as it is.
    return value;
  }
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
