/**
 * POSTing JSON to a webhook within a time limit, for the Slack and Alertmanager sinks. A URL's user info becomes
 * HTTP basic authentication (fetch refuses a URL with credentials, and its error would quote them); the encoded
 * header is remembered as a secret, since a proxy may quote it back. Failures are described, never thrown: the
 * delivery decides what to do with them.
 */
import { rememberSecret } from '../secrets.js';
import type { SendOutcome } from './outcome.js';

export interface WebhookTarget {
  /** Without user info. */
  url: string;
  authorization?: string;
}

/** How much of an error answer is kept in the message: enough for `invalid_token`, not a whole HTML page. */
const MAX_ERROR_BODY = 200;

export function webhookTarget(configured: string): WebhookTarget {
  const url = new URL(configured);
  if (url.username === '' && url.password === '') return { url: url.toString() };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  const encoded = Buffer.from(credentials, 'utf8').toString('base64');
  rememberSecret(encoded);
  return { url: url.toString(), authorization: `Basic ${encoded}` };
}

/**
 * POSTs `body` as JSON; any 2xx is delivered. The time limit covers the answer's body too (a server that sends
 * headers and then stalls is as slow as one that never answers).
 */
export async function postJson(
  send: typeof fetch,
  target: WebhookTarget,
  body: unknown,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<SendOutcome> {
  const signal = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)));
  try {
    const response = await send(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(target.authorization ? { authorization: target.authorization } : {}),
      },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
    const text = await response.text();
    if (response.ok) return { ok: true };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
    const answer = text.trim() === '' ? '' : `: ${text.trim().slice(0, MAX_ERROR_BODY)}`;
    return {
      ok: false,
      error: `HTTP ${response.status}${answer}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  } catch (error) {
    if (signal.aborted) return { ok: false, error: `no answer within ${Math.floor(timeoutMs)} ms` };
    return { ok: false, error: describeFetchError(error) };
  }
}

/** `Retry-After`: seconds, or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a TLS error) is in its cause. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: string }).code;
    const prefix = code && !cause.message.includes(code) ? `${code} ` : '';
    return `${error.message}: ${prefix}${cause.message}`;
  }
  return error.message;
}
