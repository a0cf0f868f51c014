import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One prepared database for every new home the tests make (see the file).
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests share one machine's PostgreSQL and S3 server; files run in parallel processes.
    pool: 'forks',
    // Two files at a time. Vitest's default is one fewer than the cores: ONE on the 2-core machines CI and
    // development run on, which left a core idle while a test waited on PGlite, a child CLI or a server.
    maxWorkers: 2,
    // The second names the test files a dead worker process took with it (scripts/vitest-rerun-lost.sh).
    reporters: ['default', './test/support/lost-files-reporter.ts'],
  },
});
