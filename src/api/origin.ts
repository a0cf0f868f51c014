/**
 * The check of a CORS origin, on its own (no HTTP package) so that `serve --cors-origin` refuses a bad one as a
 * usage error before anything is loaded or opened, with the same rule the CORS middleware applies.
 */
/** An origin as browsers serialise it (RFC 6454): lowercase scheme and host, a port only when not the default. */
export function checkedOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`CORS origin ${JSON.stringify(origin)} is not a URL (expected scheme://host[:port])`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.origin !== origin) {
    throw new Error(
      `CORS origin ${JSON.stringify(origin)} is not an origin as a browser sends it (expected e.g. ${JSON.stringify(url.origin)})`,
    );
  }
  return origin;
}
