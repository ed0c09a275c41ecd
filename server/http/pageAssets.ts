import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build, stop } from 'esbuild';

/** Where the pages' sources live: web/<page> (TypeScript and CSS, no framework, no client dependencies). */
export const WEB_DIR = path.resolve(import.meta.dirname, '../../web');

/** One page: its folder under web/, the asset name prefix, and the URL its hashed assets are served under. */
export interface PageSpec {
  /** Folder with index.html, main.ts and `<name>.css`. */
  readonly dir: string;
  /** Prefix of the hashed asset names and the stylesheet's file name (`chat` → chat.css, chat-<hash>.js). */
  readonly name: string;
  /** URL prefix the assets are served under, ending in `/` (`/assets/`, `/console/assets/`). */
  readonly assetBase: string;
}

export const WEB_CHAT_PAGE: PageSpec = { dir: path.join(WEB_DIR, 'chat'), name: 'chat', assetBase: '/assets/' };
export const CONSOLE_PAGE: PageSpec = { dir: path.join(WEB_DIR, 'console'), name: 'console', assetBase: '/console/assets/' };

/**
 * Headers of every page's HTML: no inline script or style, nothing from another origin (the pages
 * work offline from npm), URLs (a `?ref=` code) stay on this site, never framed.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export interface WebAsset {
  readonly body: Buffer;
  readonly type: string;
}

export interface WebAssets {
  /** The page, with the hashed asset paths filled in. */
  readonly html: string;
  /** Asset name → content; names carry a content hash, so they may be cached forever. */
  readonly files: ReadonlyMap<string, WebAsset>;
}

const hashed = (name: string, ext: string, body: Buffer | string) => `${name}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;

const bundle = (entry: string, chunks?: { readonly name: string }) =>
  build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: ['es2020', 'chrome90', 'safari15'],
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    charset: 'utf8',
    // A dynamic import() becomes its own hashed chunk beside the script (the console's charts load only on the pages that draw them).
    ...(chunks ? { splitting: true, outdir: path.join(WEB_DIR, '.bundle'), chunkNames: `${chunks.name}-chunk-[hash]` } : {}),
  });

/**
 * Bundles a page's TypeScript and CSS (with its `@import`s, e.g. web/shared/tokens.css) with esbuild
 * (already installed with tsx: no network, no build step before `npm start`) into one minified ES
 * module (plus a chunk per dynamic import) and one stylesheet, in memory. Takes tens of milliseconds.
 */
export async function buildPageAssets(page: PageSpec): Promise<WebAssets> {
  const [js, css, template] = await Promise.all([bundle(path.join(page.dir, 'main.ts'), { name: page.name }), bundle(path.join(page.dir, `${page.name}.css`)), readFile(path.join(page.dir, 'index.html'), 'utf8')]);
  const [entry, ...chunks] = [...js.outputFiles].sort((a, b) => Number(path.basename(b.path) === 'main.js') - Number(path.basename(a.path) === 'main.js'));
  const script = Buffer.from(entry!.contents);
  const style = Buffer.from(css.outputFiles[0]!.contents);
  const jsName = hashed(page.name, 'js', script);
  const cssName = hashed(page.name, 'css', style);
  const files = new Map<string, WebAsset>([
    [jsName, { body: script, type: 'text/javascript; charset=utf-8' }],
    [cssName, { body: style, type: 'text/css; charset=utf-8' }],
    // Chunk names carry esbuild's content hash; the script imports them relatively (same folder).
    ...chunks.map((c): [string, WebAsset] => [path.basename(c.path), { body: Buffer.from(c.contents), type: 'text/javascript; charset=utf-8' }]),
  ]);
  const html = template.replaceAll('{{script}}', `${page.assetBase}${jsName}`).replaceAll('{{style}}', `${page.assetBase}${cssName}`);
  return { html, files };
}

const shared = new Map<string, Promise<WebAssets>>();

let building = 0;

/**
 * Each page built once per process (servers booted again in one test process share it). When the
 * last build under way is done, esbuild's service process (~120 MiB) is ended; a later build starts
 * it again.
 */
export function sharedPageAssets(page: PageSpec): Promise<WebAssets> {
  let built = shared.get(page.dir);
  if (!built) {
    building++;
    built = buildPageAssets(page)
      .catch((e: unknown) => {
        shared.delete(page.dir);
        throw e;
      })
      .finally(() => {
        if (--building === 0) void stop();
      });
    shared.set(page.dir, built);
  }
  return built;
}
