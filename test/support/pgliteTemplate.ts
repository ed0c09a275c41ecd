// vitest globalSetup: one migrated embedded database, dumped once, that every in-memory test
// database starts from (createTestDatabase), instead of running initdb and every migration again
// per database (seconds of CPU each on a loaded CI machine: most of the suite's setup). Kept in the
// system's temporary directory under a name made from the migrations, PGlite's version and its
// thread's start parameters, so any change makes a new one.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readMigrations } from '../../server/db/migrations.js';
import { TEMPLATE_ENV, testDatabaseKind } from './testDatabase.js';

export default async function setup(): Promise<void> {
  if (testDatabaseKind() === 'postgres') return;
  const hash = createHash('sha256');
  hash.update(await readFile(path.resolve('node_modules/@electric-sql/pglite/package.json')));
  hash.update(await readFile(path.resolve('server/db/pgliteWorker.ts')));
  for (const m of (await readMigrations()).migrationDirectories) hash.update(m.path).update(m.migrationFile.content.value);
  const file = path.join(os.tmpdir(), `kuaidai-test-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
  // The build runs as a process of its own: the engine's thread needs Node's loader, not vitest's.
  if (!(await stat(file).catch(() => null))) await promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve('test/support/pgliteTemplateBuild.ts'), file], { timeout: 300_000 });
  process.env[TEMPLATE_ENV] = file;
}
