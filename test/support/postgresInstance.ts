import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian and Ubuntu install PostgreSQL's server programs (initdb and pg_ctl are not on PATH). */
export function postgresBinDir(): string | undefined {
  for (const version of ['17', '16', '15', '14']) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(path.join(dir, 'pg_ctl')) && existsSync(path.join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free when asked; good enough for a test's own server). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A PostgreSQL server of its own in a temporary directory, on a spare port, that a test or a fault
 * run can stop and start at will (the machine's shared server must never be restarted). initdb
 * refuses to run as root: as root, the programs run as the `postgres` user, who is given the
 * directory. Trust authentication on 127.0.0.1 only; fsync off (throw-away data).
 */
export class PostgresInstance {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async create(): Promise<PostgresInstance> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL server programs (initdb, pg_ctl) not found under /usr/lib/postgresql');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-pg-'));
    const instance = new PostgresInstance(dir, await freePort(), bin);
    if (process.getuid?.() === 0) await chown(dir, ...(await postgresIds()));
    await instance.exec('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    return instance;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    await this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-l', path.join(this.dir, 'log'), '-w', '-t', '30', '-o', options, 'start']);
  }

  /** Stops the server: `fast` ends every session at once (57P01), as an operator's restart does. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Stops it if running and removes the directory. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }

  private async exec(program: string, args: string[]): Promise<void> {
    const file = path.join(this.bin, program);
    // initdb and postgres refuse root; runuser keeps the environment lean and needs no password.
    const [cmd, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    await run(cmd, argv, { timeout: 60_000 });
  }
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return [Number(stdout.trim()), Number(gid.trim())];
}
