import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Where the browser tests' Chromium comes from. */
export type ChromiumSource = 'CHROMIUM_PATH' | 'debian' | '@sparticuz/chromium';

export interface ResolvedChromium {
  readonly executablePath: string;
  readonly source: ChromiumSource;
}

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Headless, no sandbox (CI runs as root), and nothing that calls home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The Chromium binary every browser test drives, first found of: `CHROMIUM_PATH`; Debian's
 * `/usr/bin/chromium`; the binary shipped in the `@sparticuz/chromium` devDependency (Linux x64),
 * unpacked once per version into the temp directory. So `npm install && npm test` needs no system
 * browser and downloads nothing. Without a CJK font on the machine (`fonts-wqy-microhei`) Chinese
 * shows as boxes in screenshots; role- and text-based selectors work either way.
 */
export async function resolveChromium(): Promise<ResolvedChromium> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist`);
    return { executablePath: configured, source: 'CHROMIUM_PATH' };
  }
  if (existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, source: 'debian' };
  return { executablePath: await packagedChromium(), source: '@sparticuz/chromium' };
}

/** Launches the resolved Chromium with {@link CHROMIUM_ARGS} (plus any given). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const { executablePath } = await resolveChromium();
  return chromium.launch({ timeout: 30_000, ...options, executablePath, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}

/**
 * The `@sparticuz/chromium` binary, unpacked if needed. That package unpacks into `os.tmpdir()` and
 * reuses any `chromium` file already there, whatever its version and however complete; this unpacks
 * into a fresh directory and renames it into place instead, so a binary of another version, of a
 * run killed mid-way or of a run going on at the same time is never launched.
 */
export async function packagedChromium(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `No Chromium found: set CHROMIUM_PATH to a Chromium binary, or install Debian's chromium. ` +
        `(The @sparticuz/chromium fallback ships a Linux x64 binary; this is ${process.platform} ${process.arch}.)`,
    );
  }
  const packageDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..');
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const target = path.join(os.tmpdir(), `kuaidai-chromium-${version}`);
  const binary = path.join(target, 'chromium');
  if (existsSync(binary)) return binary;

  const staging = await mkdtemp(`${target}.partial-`);
  try {
    const { default: packaged } = await import('@sparticuz/chromium');
    // It reads os.tmpdir() (TMPDIR) synchronously, before its first await.
    const tmpdir = process.env.TMPDIR;
    process.env.TMPDIR = staging;
    let unpacking: Promise<string>;
    try {
      unpacking = packaged.executablePath(path.join(packageDir, 'bin'));
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
    }
    await unpacking;
    await rename(staging, target);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    if (existsSync(binary)) return binary; // another run finished first
    throw e;
  }
  return binary;
}
