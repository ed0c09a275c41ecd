// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports each layer may not make: dependencies point inward (core ← flows ← bots/server). */
const infrastructure = ['fastify', 'fastify-*', '@fastify/*', '@prisma/*', 'prisma', 'pg', 'pglite-prisma-adapter', '@electric-sql/*', 'ioredis', 'wechaty', 'wechaty-*', 'pino', 'node:*', 'fs', 'path', 'http', 'https', 'net', 'child_process', 'os'];

const layer = (files, forbiddenFolders, forbiddenPackages, message) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        { group: forbiddenFolders.flatMap((f) => [`../${f}`, `../${f}/*`, `../../${f}`, `../../${f}/*`, `../../../${f}`, `../../../${f}/*`]), message },
        ...(forbiddenPackages.length ? [{ group: forbiddenPackages, message }] : []),
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'dist/', 'dist.*/', 'server/db/generated/', 'web/dist/', 'test-artifacts/', 'web/public/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', AbortController: 'readonly', fetch: 'readonly', performance: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Only server/config reads the environment; everything else is handed its configuration.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through server/config (loadConfig), not process.env.' }],
    },
  },
  layer(['core/**/*.ts'], ['flows', 'bots', 'server', 'web'], infrastructure, 'core/ is the pure lending domain: no framework, database, I/O or outer layer.'),
  layer(['flows/**/*.ts'], ['bots', 'server', 'web'], infrastructure.filter((p) => p !== 'node:*'), 'flows/ may import core/ and xstate only; effects are actors the host provides.'),
  layer(['bots/**/*.ts'], ['server', 'web'], ['@prisma/*', 'prisma', 'pg', 'pglite-prisma-adapter', '@electric-sql/*'], 'bots/ translate channel payloads; they neither decide lending nor touch the database.'),
  {
    files: ['server/config/**/*.ts', 'prisma.config.ts', 'scripts/**', 'bench/**', 'test/**', '.ci/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
