import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where the running server keeps the local command line's token: the data directory, readable by its owner only. */
export const cliTokenPath = (dataDir: string): string => path.join(dataDir, 'staff-cli.token');

/**
 * A fresh token for `npm run staff` on this machine, written for the command line to read. Whoever
 * can read the data directory can open the embedded database anyway; the server accepts the token
 * from loopback only, and each start replaces it.
 */
export async function writeCliToken(dataDir: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(cliTokenPath(dataDir), `${token}\n`, { mode: 0o600 });
  return token;
}

/** The token the running server wrote, or undefined when there is none (the server never ran here). */
export async function readCliToken(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(cliTokenPath(dataDir), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}
