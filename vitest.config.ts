import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,flows,bots,server,web,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/generated/**', 'dist/**', 'dist.*/**'],
    setupFiles: ['test/support/fastCheckSeed.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Database-backed suites each get their own in-memory PGlite; keep CPU pressure sane on 2 cores.
    maxWorkers: 2,
  },
});
