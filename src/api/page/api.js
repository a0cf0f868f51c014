/**
 * The page's one way to ask the API (docs/design.md "The web page"): every read goes through `api`, which sends the
 * bearer token when the user gave one. A server with tokens (MARKETLAKE_API_TOKENS) answers /v1/* only with
 * `Authorization: Bearer`; the token is kept in this tab's sessionStorage (gone when the tab closes), never in the
 * URL, where it would reach the history, bookmarks and the server's request log.
 */

const TOKEN_KEY = 'marketlake.api-token';

export const enc = encodeURIComponent;

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function storeToken(token) {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An answer of the API that is not a 2xx: its status and problem document (RFC 9457). */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    /** Seconds, from Retry-After (a busy database), or null. */
    this.retryAfter = retryAfter;
  }

  /** The server needs a token (none was sent, or it is not one it accepts). */
  get unauthorized() {
    return this.status === 401;
  }

  /** An embedded home whose database a daily run holds: the read is refused until the run is over. */
  get busy() {
    return this.status === 503 && this.problem.type?.endsWith('/database-busy') === true;
  }
}

/** Told of every 401, whoever asked: the page then asks for a token (page.js). */
const unauthorizedListeners = new Set();

export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

export async function api(path, init = {}) {
  const token = storedToken();
  const headers = new Headers(init.headers);
  if (token !== '') headers.set('Authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  const body = await response.json();
  if (!response.ok) {
    const retryAfter = response.headers.get('Retry-After');
    const error = new ApiError(response.status, body, retryAfter === null ? null : Number(retryAfter));
    if (error.unauthorized) for (const listener of unauthorizedListeners) listener(error);
    throw error;
  }
  return body;
}

/** A read that may find nothing (a result that was never computed): null, said in its panel. */
export async function optional(path) {
  try {
    return await api(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
