import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, sourceFingerprint, type BuildResult } from '../scripts/build.js';
import { startServerProcess, type ServerProcess } from './support/serverProcess.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

/**
 * `npm run build` into a temporary folder, and the server run from it by plain node (no TypeScript
 * loader) as `npm start` runs dist/: ready, chatting, serving its pages, workers from compiled
 * JavaScript, stack traces on TypeScript lines. (test/npmStart.test.ts runs `npm start` itself.)
 */
const root = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

const filesUnder = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
const migrationNames = async (dir: string) => (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

let out: string;
let dataDir: string;
let built: BuildResult;
let database: TestDatabase;
let server: ServerProcess;
/** The server's sources and the migrations as the build saw them (others may add files meanwhile). */
let serverSources: string[];
let migrations: string[];

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-build-'));
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-build-data-'));
  [serverSources, migrations] = await Promise.all([
    filesUnder(path.join(root, 'server')).then((files) => files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))),
    migrationNames(path.join(root, 'prisma', 'migrations')),
  ]);
  built = await buildServer({ outDir: out });
  database = await createTestDatabase();
  server = await startServerProcess({ DATABASE_URL: database.url, KUAIDAI_DATA_DIR: dataDir }, ['--enable-source-maps', path.join(out, 'server', 'main.js')]);
}, 120_000);

afterAll(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exit;
  }
  await database?.drop();
  await Promise.all([out, dataDir].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});


describe('npm run build', () => {
  it('compiles every server module to JavaScript with a source map and copies what the code reads beside it', async () => {
    expect(built.built).toBe(true);
    const files = await filesUnder(path.join(out, 'server'));
    expect(serverSources.length).toBeGreaterThan(100);
    for (const source of serverSources) {
      expect(files).toContain(source.replace(/\.ts$/, '.js'));
      expect(files).toContain(source.replace(/\.ts$/, '.js.map'));
    }
    // The generated Prisma client is compiled with the rest; no TypeScript and no test is left to load.
    expect(files).toContain('db/generated/client.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect((await filesUnder(out)).filter((f) => f.includes('.test.'))).toEqual([]);
    expect(await migrationNames(path.join(out, 'prisma', 'migrations'))).toEqual(migrations);
    expect(await readFile(path.join(out, 'web', 'chat', 'index.html'), 'utf8')).toBe(await readFile(path.join(root, 'web', 'chat', 'index.html'), 'utf8'));
    // Read as ../../package.json by the code (the API document's version).
    const manifest = JSON.parse(await readFile(path.join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    const own = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toEqual({ name: own.name, version: own.version, private: true, type: 'module' });
  });

  it('runs as plain JavaScript: ready with every migration applied, a chat turn, the web chat page and its script', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { migrations: number }).migrations).toBe(migrations.length);

    const turn = await fetch(`${server.url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'build-1', messageId: 'm1', text: '你好' }) });
    expect(turn.status).toBe(200);
    const { replies } = (await turn.json()) as { replies: { text?: string }[] };
    expect(replies.map((r) => r.text ?? '').join('\n')).toContain('快贷助手');

    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const script = /<script[^>]+src="(\/assets\/chat-[0-9a-f]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(1000);
  });

  it('maps stack traces to TypeScript lines and starts worker threads from the compiled JavaScript, without tsx', async () => {
    const at = (file: string) => pathToFileURL(path.join(out, file)).href;
    const script = `
      const threads = await import(${JSON.stringify(at('server/threads/index.js'))});
      const { createChunkScorer } = await import(${JSON.stringify(at('server/studio/precredit/chunkScorer.js'))});
      let stack = '';
      try { threads.workerUrl(new URL('https://example.com/w.ts')); } catch (e) { stack = e.stack; }
      const scorer = createChunkScorer({ worker: true });
      // An empty job fails inside scoreChunk: the worker answers with the prefixed message, inline scoring would throw the bare TypeError.
      const scored = await scorer.score({}).then(() => 'resolved', (e) => e.message);
      const where = scorer.where();
      await scorer.close();
      console.log(JSON.stringify({ compiled: threads.RUNNING_COMPILED, mapped: threads.workerUrl(new URL('file:///srv/w.ts')).href, stack, scored, where }));`;
    // A file, not `-e`: workers inherit the process's flags, and `--input-type` would stop them.
    const probe = path.join(dataDir, 'probe.mjs');
    await writeFile(probe, script);
    const { stdout } = await run(process.execPath, ['--enable-source-maps', probe], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 60_000 });
    const result = JSON.parse(stdout) as { compiled: boolean; mapped: string; stack: string; scored: string; where: string };
    expect(result.compiled).toBe(true);
    expect(result.mapped).toBe('file:///srv/w.js');
    expect(result.where).toBe('worker');
    expect(result.scored).toMatch(/^pre-credit scoring failed: TypeError/);

    const source = (await readFile(path.join(root, 'server', 'threads', 'workerUrl.ts'), 'utf8')).split('\n');
    const line = source.findIndex((l) => l.includes('throw new TypeError(`workerUrl:')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(result.stack).toContain(`${path.join(root, 'server', 'threads', 'workerUrl.ts')}:${line}:`);
    expect(result.stack).not.toContain('workerUrl.js');
  });

  it('refuses to replace a folder it did not build', async () => {
    const foreign = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-build-foreign-'));
    try {
      await writeFile(path.join(foreign, 'notes.txt'), 'mine');
      await expect(buildServer({ outDir: foreign })).rejects.toThrow(/not empty and holds no build-info\.json/);
      expect(await readFile(path.join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    } finally {
      await rm(foreign, { recursive: true, force: true });
    }
  });

  // On a small tree of its own: this checkout's sources change while other work goes on.
  it('builds again only when a source changed by content (npm start\'s --if-stale): an edit, a new data file, a deletion', async () => {
    const tree = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-build-tree-'));
    const treeOut = path.join(tree, 'dist');
    const stale = async () => (await buildServer({ root: tree, outDir: treeOut, ifStale: true })).built;
    try {
      for (const dir of ['server', 'core', 'flows', 'bots', 'web', 'prisma/migrations/1_init']) await mkdir(path.join(tree, dir), { recursive: true });
      await writeFile(path.join(tree, 'prisma', 'schema.prisma'), 'datasource db { provider = "postgresql" }\n');
      await writeFile(path.join(tree, 'prisma', 'migrations', '1_init', 'migration.sql'), 'CREATE TABLE a (id int);\n');
      await writeFile(path.join(tree, 'server', 'a.ts'), 'export const a: number = 1;\n');
      expect(await stale()).toBe(true);
      expect(await readFile(path.join(treeOut, 'server', 'a.js'), 'utf8')).toContain('const a = 1;');
      expect(await stale()).toBe(false);
      const unchanged = await sourceFingerprint(tree);
      await writeFile(path.join(tree, 'server', 'a.test.ts'), 'tests are not built\n');
      expect(await sourceFingerprint(tree)).toBe(unchanged);
      expect(await stale()).toBe(false);

      await writeFile(path.join(tree, 'server', 'a.ts'), 'export const a: number = 2;\n');
      expect(await stale()).toBe(true);
      expect(await readFile(path.join(treeOut, 'server', 'a.js'), 'utf8')).toContain('const a = 2;');
      await writeFile(path.join(tree, 'prisma', 'migrations', '1_init', 'extra.sql'), '-- more\n');
      expect(await stale()).toBe(true);
      expect(await readFile(path.join(treeOut, 'prisma', 'migrations', '1_init', 'extra.sql'), 'utf8')).toBe('-- more\n');
      await rm(path.join(tree, 'prisma', 'migrations', '1_init', 'extra.sql'));
      expect(await stale()).toBe(true);
      // A deleted source leaves nothing behind in the new build.
      await expect(readFile(path.join(treeOut, 'prisma', 'migrations', '1_init', 'extra.sql'))).rejects.toThrow(/ENOENT/);
      expect(await stale()).toBe(false);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });
});
