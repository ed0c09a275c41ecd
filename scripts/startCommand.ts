import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** What `npm start` runs (package.json's `start`): the environment it sets, node's options and its script. */
export interface StartCommand {
  readonly env: Readonly<Record<string, string>>;
  readonly nodeOptions: readonly string[];
  readonly script: string;
}

/**
 * package.json's `start` read as `[NAME=value …] exec node [--option …] <script>`, so what starts the
 * server elsewhere (the benchmarks) runs it as `npm start` does, from that one line.
 */
export async function startCommand(root: string): Promise<StartCommand> {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const line = pkg.scripts?.start ?? '';
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=\S*$/.test(words[0] ?? '')) {
    const [name, value] = words.shift()!.split(/=(.*)/s) as [string, string];
    env[name] = value;
  }
  const [exec, node, ...rest] = words;
  const script = rest.pop();
  if (exec !== 'exec' || node !== 'node' || !script || rest.some((w) => !w.startsWith('--'))) {
    throw new Error(`package.json's start script is not "[NAME=value …] exec node [--option …] <script>": ${line}`);
  }
  return { env, nodeOptions: rest, script };
}
