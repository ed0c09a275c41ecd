import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sourceFingerprint } from '../scripts/build.js';

/** How a benchmark starts the server: node's arguments, and why this entry. */
export interface ServerEntry {
  readonly args: readonly string[];
  readonly describe: string;
}

/**
 * The entry `npm start` runs: the compiled `dist/server/main.js` when `npm run build` made it from
 * the sources as they are now (the build's own content fingerprint, dist/build-info.json), else the
 * TypeScript through tsx. A benchmark never builds: dist/ may be in use by someone else's server.
 * Either way the pid spawned is the server itself (node, not a launcher).
 */
export async function serverEntry(root: string): Promise<ServerEntry> {
  const tsx = 'node --import tsx server/main.ts';
  const tsxArgs = ['--import', 'tsx', 'server/main.ts'];
  if (!existsSync(path.join(root, 'dist/server/main.js'))) return { args: tsxArgs, describe: `${tsx} (no dist/server/main.js: npm run build for the compiled server)` };
  const info = await readFile(path.join(root, 'dist/build-info.json'), 'utf8')
    .then((t) => JSON.parse(t) as { fingerprint?: string; builtAt?: string })
    .catch(() => undefined);
  if (info?.fingerprint !== (await sourceFingerprint(root))) return { args: tsxArgs, describe: `${tsx} (dist/ is older than the sources: npm run build for the compiled server)` };
  return { args: ['--enable-source-maps', 'dist/server/main.js'], describe: `node --enable-source-maps dist/server/main.js (dist/ built ${info.builtAt ?? '?'} from the current sources)` };
}
