import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** A server started as `npm start` starts it (node itself, so a SIGKILL is seen as one). */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
}

/**
 * `server/main.ts` as a child in test mode, with `env` on top of a minimal environment; resolves once
 * it listens on 127.0.0.1, rejects when it exits or has not listened within a minute. `nodeArgs`
 * start something else, e.g. a build's `['--enable-source-maps', '<out>/server/main.js']`.
 */
export function startServerProcess(env: Record<string, string>, nodeArgs: readonly string[] = ['--import', 'tsx', 'server/main.ts']): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUAIDAI_ENV: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}${out.slice(-3000)}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, child, exit, stdout: () => out });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    void exit.then((e) => {
      clearTimeout(timer);
      reject(new Error(`server exited during start-up (${e.code ?? e.signal}): ${err}${out.slice(-3000)}`));
    });
  });
}
