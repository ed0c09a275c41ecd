import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** How a benchmark starts the server: node's arguments, and why this entry. */
export interface ServerEntry {
  readonly args: readonly string[];
  readonly describe: string;
}

/** The folders compiled into dist/ (their *.ts other than tests). */
const SOURCE_DIRS = ['core', 'flows', 'bots', 'server'];

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The entry `npm start` uses: the compiled `dist/server/main.js` (`npm run build`) when it exists and
 * is newer than every source file, else the TypeScript through tsx. Either way the pid spawned is the
 * server itself (node, not a launcher), so its process tree is the server's.
 */
export function serverEntry(root: string): ServerEntry {
  const compiled = path.join(root, 'dist/server/main.js');
  const tsx: ServerEntry = { args: ['--import', 'tsx', 'server/main.ts'], describe: 'node --import tsx server/main.ts' };
  if (!existsSync(compiled)) return { ...tsx, describe: `${tsx.describe} (no dist/server/main.js)` };
  const builtMs = statSync(compiled).mtimeMs;
  const sourcesMs = Math.max(...SOURCE_DIRS.filter((d) => existsSync(path.join(root, d))).map((d) => newestSourceMs(path.join(root, d))));
  if (builtMs < sourcesMs) return { ...tsx, describe: `${tsx.describe} (dist/server/main.js is older than the sources: npm run build)` };
  return { args: ['--enable-source-maps', 'dist/server/main.js'], describe: `node --enable-source-maps dist/server/main.js (built ${new Date(builtMs).toISOString()})` };
}
