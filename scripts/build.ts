// `npm run build`: the server as JavaScript with source maps, in dist/ (or `--out <dir>`).
// `--if-stale` (npm start's prestart) builds only when a source changed since the last build.
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** Folders whose TypeScript is compiled (the server and everything it imports; tests are left out). */
const CODE_DIRS = ['server', 'core', 'flows', 'bots'] as const;
/** What the code reads relative to itself at run time, copied as is: migrations, the schema, the pages' sources (bundled for the browser at start-up). */
const DATA = ['prisma/schema.prisma', 'prisma/migrations', 'web'] as const;
/** Marks a folder as this script's output, so a rebuild may replace it and `--if-stale` can compare. */
const INFO_FILE = 'build-info.json';

const isTest = (file: string) => file.endsWith('.test.ts');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Every input of a build: the code to compile and the data to copy (both without tests). */
export async function buildInputs(root = ROOT): Promise<{ code: string[]; data: string[] }> {
  const code = (await Promise.all(CODE_DIRS.map((d) => listFiles(path.join(root, d))))).flat().filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !isTest(f));
  const data = (await Promise.all(DATA.map(async (d) => ((await stat(path.join(root, d))).isDirectory() ? listFiles(path.join(root, d)) : [path.join(root, d)])))).flat().filter((f) => !isTest(f));
  return { code: code.sort(), data: data.sort() };
}

/**
 * A hash of the inputs' names and contents, this script and the compiler's version. Contents, not
 * modification times: a checkout, a copy or a clock step cannot make a stale build look fresh.
 */
export async function sourceFingerprint(root = ROOT): Promise<string> {
  const { code, data } = await buildInputs(root);
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\n`);
  for (const file of [...code, ...data]) {
    hash.update(`${path.relative(root, file)}\n`);
    hash.update(await readFile(file));
  }
  return hash.update('scripts/build.ts\n').update(await readFile(import.meta.filename)).digest('hex');
}

async function readInfo(outDir: string): Promise<{ fingerprint: string } | undefined> {
  try {
    return JSON.parse(await readFile(path.join(outDir, INFO_FILE), 'utf8')) as { fingerprint: string };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export interface BuildResult {
  readonly outDir: string;
  /** False when `ifStale` found the last build current. */
  readonly built: boolean;
  readonly modules: number;
  readonly ms: number;
}

/**
 * Transpiles each TypeScript file on its own (esbuild, no bundling, no type-check: `npm run typecheck`
 * does that; tsconfig's isolatedModules and verbatimModuleSyntax make per-file output exact) into
 * `outDir` with the folder layout kept, so every path the code finds relative to itself
 * (prisma/migrations, web/, a worker's file) holds there too, and copies that data beside it.
 * Built into a sibling folder and swapped in, so a server never starts on half a build.
 */
export async function buildServer(options: { readonly outDir?: string; readonly ifStale?: boolean; readonly root?: string } = {}): Promise<BuildResult> {
  const started = performance.now();
  const root = options.root ?? ROOT;
  const outDir = path.resolve(options.outDir ?? path.join(root, 'dist'));
  const fingerprint = await sourceFingerprint(root);
  const previous = await readInfo(outDir);
  if (options.ifStale && previous?.fingerprint === fingerprint) return { outDir, built: false, modules: 0, ms: performance.now() - started };
  // Replace only our own output (or nothing, or an empty folder): never someone's directory.
  if (!previous) {
    const existing = await readdir(outDir).catch(() => []);
    if (existing.length) throw new Error(`${outDir} is not empty and holds no ${INFO_FILE}: refusing to replace it`);
  }

  const { code, data } = await buildInputs(root);
  const partial = `${outDir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await build({
    entryPoints: code,
    outdir: partial,
    outbase: root,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The .ts files stay where the maps point, so the maps carry lines only (a third of the size).
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
  for (const file of data) {
    const to = path.join(partial, path.relative(root, file));
    await mkdir(path.dirname(to), { recursive: true });
    await cp(file, to);
  }
  // The code reads its name and version from ../../package.json; `type: module` holds for an out dir outside this repository.
  const { name, version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8').catch(() => '{}')) as { name?: string; version?: string };
  await writeFile(path.join(partial, 'package.json'), `${JSON.stringify({ name, version, private: true, type: 'module' }, null, 2)}\n`);
  if (path.relative(root, outDir).startsWith('..')) await symlink(path.join(root, 'node_modules'), path.join(partial, 'node_modules'), 'dir');
  await writeFile(path.join(partial, INFO_FILE), `${JSON.stringify({ fingerprint, esbuild: esbuildVersion, builtAt: new Date().toISOString(), modules: code.length }, null, 2)}\n`);

  // A build of the same sources finished meanwhile (two `npm start`s at once): keep it rather than
  // swap files under a server that may be loading them.
  if (options.ifStale && (await readInfo(outDir))?.fingerprint === fingerprint) {
    await rm(partial, { recursive: true, force: true });
    return { outDir, built: true, modules: code.length, ms: performance.now() - started };
  }
  const old = `${outDir}.old-${process.pid}`;
  await rename(outDir, old).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  try {
    await rename(partial, outDir);
  } catch (e) {
    // Another build (a second `npm start`) swapped its identical output in first: keep that one.
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    await rm(partial, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
  return { outDir, built: true, modules: code.length, ms: performance.now() - started };
}

async function main(argv: readonly string[]): Promise<void> {
  const outAt = argv.indexOf('--out');
  const outDir = outAt >= 0 ? argv[outAt + 1] : undefined;
  if (outAt >= 0 && !outDir) throw new Error('--out needs a directory');
  const result = await buildServer({ outDir, ifStale: argv.includes('--if-stale') });
  const relative = path.relative(process.cwd(), result.outDir);
  const where = relative.startsWith('..') ? result.outDir : relative || '.';
  if (result.built) console.log(`kuaidai: built ${where}/ (${result.modules} modules, source maps) in ${(result.ms / 1000).toFixed(1)} s`);
  else console.log(`kuaidai: ${where}/ is up to date`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`kuaidai: build failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
