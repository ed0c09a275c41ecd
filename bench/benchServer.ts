import { spawn, type ChildProcess } from 'node:child_process';
import { BENCH_LIMITS } from './benchLimits.js';
import { listenersOf, processTree } from './processTree.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server a benchmark started: its process, address and the lines it logged. */
export interface BenchServer {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly listenerInode: string;
  /** Lines the server wrote (LOG_LEVEL=warn: warnings and errors): the last few, and counts by message. */
  readonly log: { lines: number; last: string[]; byMessage: Map<string, number> };
}

/**
 * Node's arguments for the server: its `--cpu-prof` (one file per thread) to BENCH_PROFILE=/dir, and
 * BENCH_NODE_ARGS (space-separated node options, e.g. `--max-old-space-size=256`), if set.
 */
export const serverNodeArgs = (): string[] => [
  ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
  ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
];

/**
 * Starts the server (node with `args` in `cwd`) on a free port with LOG_LEVEL=warn, JSON logs and the
 * benchmark limits, `env` on top (nothing else of this process's environment but PATH and HOME), and
 * resolves once /readyz answers 200. LOG_LEVEL=warn hides "listening": the port is the one its
 * process tree listens on, looked for every 50 ms. BENCH_PROFILE=/dir writes the server's `--cpu-prof`
 * (one file per thread) there.
 */
export async function startServer(options: { readonly cwd: string; readonly args: readonly string[]; readonly env: Readonly<Record<string, string>> }): Promise<BenchServer> {
  const child = spawn(process.execPath, [...serverNodeArgs(), ...options.args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...BENCH_LIMITS, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = { lines: 0, last: [] as string[], byMessage: new Map<string, number>() };
  const keep = (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line.trim()) continue;
      log.lines++;
      log.last = [...log.last.slice(-4), line.slice(0, 600)];
      let msg = line.slice(0, 120);
      try {
        msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? msg).slice(0, 120);
      } catch {
        // not a JSON log line (a crash's stack trace)
      }
      log.byMessage.set(msg, (log.byMessage.get(msg) ?? 0) + 1);
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `server exited (${signal ?? code}) before it was ready; its last lines:\n${log.last.join('\n')}`));
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    if (exited) throw new Error(exited);
    for (const l of listenersOf(processTree(child.pid!))) {
      const url = `http://127.0.0.1:${l.port}`;
      if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) return { child, pid: child.pid!, url, listenerInode: l.inode, log };
    }
    await sleep(50);
  }
  await killServer({ child, pid: child.pid! });
  throw new Error('the server was not ready within 300 s');
}

/** SIGKILL to the server's whole process tree, its workers first; resolves when the server has exited. */
export async function killServer(server: Pick<BenchServer, 'child' | 'pid'>): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  for (const pid of processTree(server.pid).reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await exited;
}

/** SIGTERM, and after 20 s without an exit SIGKILL to its process tree. */
export async function stopServer(server: BenchServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)])) return;
  console.error('the server did not stop within 20 s of SIGTERM: killing its process tree');
  await killServer(server);
}
