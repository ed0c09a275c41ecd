import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A free loopback port, chosen once so every life of the server answers at the same address. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `npm start`'s entry as a child process (node --import tsx, so the pid is the server itself, and
 * SIGKILL hits it, not a launcher) on a fixed port and database. Lives one after another: `start`
 * waits for /readyz, `kill` is SIGKILL (no shutdown hook runs), `stop` is SIGTERM (clean close).
 */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** The last lines the server wrote to stderr or logged at warn and above, for a failure report. */
  private tail: string[] = [];
  lives = 0;
  /** Log lines at error level or above, over all lives. */
  errorLogs = 0;

  constructor(
    private readonly root: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.child !== undefined;
  }

  /** Starts a life (with `extraEnv` for this life only) and resolves when /readyz answers 200; the milliseconds it took. */
  async start(extraEnv: Record<string, string> = {}, timeoutMs = 90_000): Promise<number> {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: this.root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env, ...extraEnv, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.lives++;
    this.child = child;
    let dead = false;
    this.exited = new Promise((resolve) =>
      child.on('exit', () => {
        dead = true;
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const keep = (line: string) => {
      if (!line.trim()) return;
      this.tail.push(line.slice(0, 400));
      if (this.tail.length > 20) this.tail.shift();
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n')) {
        const level = /"level":(\d+)/.exec(line)?.[1];
        if (level && Number(level) >= 50) this.errorLogs++;
        if (level && Number(level) >= 40) keep(line);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => d.split('\n').forEach(keep));
    for (;;) {
      if (dead) throw new Error(`server life ${this.lives} exited before it was ready:\n${this.lastLines()}`);
      if (performance.now() - t0 > timeoutMs) {
        await this.kill();
        throw new Error(`server life ${this.lives} not ready after ${timeoutMs} ms:\n${this.lastLines()}`);
      }
      const ready = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
      if (ready?.ok) return performance.now() - t0;
      await sleep(50);
    }
  }

  /** SIGKILL, as a crash or the OOM killer: resolves once the process is gone. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, a clean shutdown (SIGKILL after `graceMs`). */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous SIGKILL, for when this process itself is exiting. */
  dispose(): void {
    this.child?.kill('SIGKILL');
  }

  lastLines(n = 20): string {
    return this.tail.slice(-n).map((l) => `    ${l}`).join('\n');
  }
}
