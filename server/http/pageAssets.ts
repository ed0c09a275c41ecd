import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

/** The chat page's sources: web/chat (TypeScript and CSS, no framework, no client dependencies). */
export const WEB_CHAT_DIR = path.resolve(import.meta.dirname, '../../../web/chat');

export interface WebAsset {
  readonly body: Buffer;
  readonly type: string;
}

export interface WebAssets {
  /** The page, with the hashed asset paths filled in. */
  readonly html: string;
  /** `/assets/<name>` → content; names carry a content hash, so they may be cached forever. */
  readonly files: ReadonlyMap<string, WebAsset>;
}

const hashed = (name: string, ext: string, body: Buffer | string) => `${name}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;

/**
 * Bundles the page's TypeScript with esbuild (already installed with tsx: no network, no build
 * step before `npm start`) into one minified ES module, in memory. Takes tens of milliseconds.
 */
export async function buildWebAssets(dir: string = WEB_CHAT_DIR): Promise<WebAssets> {
  const [bundle, css, template] = await Promise.all([
    build({
      entryPoints: [path.join(dir, 'main.ts')],
      bundle: true,
      format: 'esm',
      target: ['es2020', 'chrome90', 'safari15'],
      minify: true,
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
      charset: 'utf8',
    }),
    readFile(path.join(dir, 'chat.css')),
    readFile(path.join(dir, 'index.html'), 'utf8'),
  ]);
  const js = Buffer.from(bundle.outputFiles[0]!.contents);
  const jsName = hashed('chat', 'js', js);
  const cssName = hashed('chat', 'css', css);
  const files = new Map<string, WebAsset>([
    [jsName, { body: js, type: 'text/javascript; charset=utf-8' }],
    [cssName, { body: css, type: 'text/css; charset=utf-8' }],
  ]);
  const html = template.replaceAll('{{script}}', `/assets/${jsName}`).replaceAll('{{style}}', `/assets/${cssName}`);
  return { html, files };
}

let shared: Promise<WebAssets> | undefined;

/** The page built once per process (servers booted again in one test process share it). */
export function sharedWebAssets(): Promise<WebAssets> {
  shared ??= buildWebAssets().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}
