// Part of `npm run build`: the web page's files (plain HTML, CSS and a browser module, which tsc does not
// compile) go beside the compiled server, so that an installed package serves them from dist/api/page.
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/api/page', { recursive: true, force: true });
cpSync('src/api/page', 'dist/api/page', { recursive: true });
