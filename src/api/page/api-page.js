/**
 * The interactive API page at `/api` (docs/design.md "The web page"): Swagger UI, served from the installed
 * `swagger-ui-dist` (never a CDN), over this server's `/openapi.json`. Its "Authorize" takes the bearer token of
 * a server with tokens; a token already given to the web page in this tab (sessionStorage, never the URL) is
 * used from the start. A classic script, not a module: it runs after swagger-ui-bundle.js (both `defer`), whose
 * global `SwaggerUIBundle` it calls. An inline script would do the same, but the page's Content-Security-Policy
 * allows only the server's own files.
 */
/* global SwaggerUIBundle */
(() => {
  // The web page's key (src/api/page/api.js), so one token serves both pages of a tab.
  const TOKEN_KEY = 'marketlake.api-token';
  const SCHEME = 'bearerAuth';

  const ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // No call to validator.swagger.io (the page asks only this server), no link to download the document again.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    onComplete: () => {
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (token) ui.preauthorizeApiKey(SCHEME, token);
      document.body.dataset.state = 'ready';
    },
  });
})();
