import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sourceFingerprint } from '../scripts/build.js';
import { startCommand } from '../scripts/startCommand.js';

/** How a benchmark starts the server: node's arguments and environment, and why this entry. */
export interface ServerEntry {
  readonly args: readonly string[];
  /** What `npm start` sets (its memory settings), for the server's environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly describe: string;
}

/**
 * The entry `npm start` runs, with its node options and environment (package.json's `start`): the
 * compiled `dist/server/main.js` when `npm run build` made it from the sources as they are now (the
 * build's own content fingerprint, dist/build-info.json), else the TypeScript through tsx. A benchmark
 * never builds: dist/ may be in use by someone else's server. Either way the pid spawned is the
 * server itself (node, not a launcher).
 */
export async function serverEntry(root: string): Promise<ServerEntry> {
  const start = await startCommand(root);
  const settings = Object.entries(start.env).map(([k, v]) => `${k}=${v} `).join('');
  const tsxArgs = [...start.nodeOptions, '--import', 'tsx', 'server/main.ts'];
  const tsx = (why: string): ServerEntry => ({ args: tsxArgs, env: start.env, describe: `${settings}node ${tsxArgs.join(' ')} (${why})` });
  if (!existsSync(path.join(root, start.script))) return tsx(`no ${start.script}: npm run build for the compiled server`);
  const info = await readFile(path.join(root, 'dist/build-info.json'), 'utf8')
    .then((t) => JSON.parse(t) as { fingerprint?: string; builtAt?: string })
    .catch(() => undefined);
  if (info?.fingerprint !== (await sourceFingerprint(root))) return tsx('dist/ is older than the sources: npm run build for the compiled server');
  const args = [...start.nodeOptions, start.script];
  return { args, env: start.env, describe: `${settings}node ${args.join(' ')} (dist/ built ${info.builtAt ?? '?'} from the current sources)` };
}
