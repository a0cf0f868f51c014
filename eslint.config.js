// Lint rules (`npm run lint`, run by CI). Formatting is Prettier's job (.prettierrc.json), so the stylistic rules
// are off (eslint-config-prettier). The type-aware rules catch what matters most here: a promise nobody awaits
// is an error nobody sees ("never swallow an error").
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'terraform/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'vitest.config.ts', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Escaping control characters in user input for messages (src/quote.ts) and refusing them in keys and paths
      // is the point of those patterns, so a control character in a regular expression is intended here.
      'no-control-regex': 'off',
    },
  },
  {
    // Migrations are frozen history: they run against `Kysely<any>`, as Kysely recommends, because the schema
    // type of today must not change what an old migration compiles to.
    files: ['src/warehouse/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The web page's browser module (src/api/page/): outside the Node tsconfig, so linted without type information,
    // with the browser's globals.
    files: ['src/api/page/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: {
        document: 'readonly',
        window: 'readonly',
        location: 'readonly',
        history: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
        Headers: 'readonly',
        sessionStorage: 'readonly',
      },
    },
  },
  prettier,
  {
    // Prettier wraps code at 120 columns but leaves comments and strings as written: comments are held to 120
    // here too; a long message string or template stays whole (splitting it would hide it from a search).
    rules: {
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
);
