import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RUNNING_COMPILED } from '../threads/index.js';

/**
 * Creates the embedded database in a new directory (PGlite's initdb) in a short-lived process of its
 * own. Creating takes about twice the memory of running, and neither a WebAssembly heap nor the
 * allocator of a thread that ended gives it back: made in the server's process, that memory would
 * stay for its lifetime. A directory that holds a database already is left alone.
 */
export async function createPgliteDirectory(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const script = fileURLToPath(new URL(`./pgliteInitdb.${RUNNING_COMPILED ? 'js' : 'ts'}`, import.meta.url));
  const loader = RUNNING_COMPILED ? [] : ['--import', import.meta.resolve('tsx')];
  await promisify(execFile)(process.execPath, [...loader, script, dataDir], { timeout: 300_000 });
}
