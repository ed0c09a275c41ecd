import { defineConfig } from 'vitest/config';

// Tests that measure how fast the app recovers from a fault (a database restarted under load) run
// alone, after everything else: on a 2-core machine another suite's Chromium or PGlite beside them
// measures the machine, not the app.
const ALONE = ['test/dbRestart.test.ts'];

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/generated/**', 'dist/**', 'dist.*/**'],
    setupFiles: ['test/support/fastCheckSeed.ts'],
    // One migrated embedded database that in-memory test databases start from (not on PostgreSQL).
    globalSetup: ['test/support/pgliteTemplate.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['{core,flows,bots,server,web,test}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/generated/**', 'dist/**', 'dist.*/**', ...ALONE],
          // Database-backed suites each get their own in-memory PGlite; keep CPU pressure sane on 2 cores.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
