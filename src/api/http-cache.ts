/**
 * ETags and caching (docs/design.md "The HTTP API"). Every answer carries a strong ETag, the sha256 of its body
 * as first made (before any content coding), and a Cache-Control: `immutable` for an object asked by version (it
 * never changes), `no-cache` otherwise (a cache must ask again, which a 304 answers cheaply).
 *
 * Two middlewares around hono's compress: `entityTags` inside it tags the uncompressed body; `conditionalAnswers`
 * outside it gives a compressed answer its own strong tag (`"<sha256>-gzip"`: a strong validator must change
 * with the content coding, RFC 9110 section 8.8.3, which is why compress would weaken it to W/) and answers a
 * matching If-None-Match with 304.
 */
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** For a handler whose answer never changes (a version asked by its id or timestamp). */
export function markImmutable(c: Context): void {
  c.header('Cache-Control', IMMUTABLE);
}

export const entityTags: MiddlewareHandler = async (c, next) => {
  await next();
  const response = c.res;
  if (!response.headers.has('Cache-Control')) response.headers.set('Cache-Control', REVALIDATE);
  const body = new Uint8Array(await response.clone().arrayBuffer());
  response.headers.set('ETag', `"${createHash('sha256').update(body).digest('hex')}"`);
};

export const conditionalAnswers: MiddlewareHandler = async (c, next) => {
  await next();
  const response = c.res;
  const etag = response.headers.get('ETag');
  if (etag === null) return;
  const identity = opaqueTag(etag);
  const encoding = response.headers.get('Content-Encoding');
  const current = encoding === null ? identity : `"${identity.slice(1, -1)}-${encoding}"`;
  response.headers.set('ETag', current);
  if (response.status !== 200 || !matches(c.req.header('If-None-Match'), [identity, current])) return;
  await response.body?.cancel();
  // 304 carries the validators and caching headers the 200 would have (RFC 9110 section 15.4.5), no body.
  const headers = new Headers();
  for (const name of ['ETag', 'Cache-Control', 'Vary', 'Content-Location', 'Expires']) {
    const value = response.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  c.res = undefined;
  c.res = new Response(null, { status: 304, headers });
};

/** An entity tag without its weakness mark: If-None-Match compares weakly (RFC 9110 section 13.1.2). */
function opaqueTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

function matches(ifNoneMatch: string | undefined, tags: readonly string[]): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => tags.includes(opaqueTag(candidate)));
}
