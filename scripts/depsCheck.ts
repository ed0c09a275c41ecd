// npm run deps:check [-- --list]: the packages a production install (`npm ci --omit=dev`) carries,
// read from package-lock.json, checked against scripts/depsDenylist.json. Exits 1 naming every
// denied version found. Works offline; `npm audit` is the fuller check where the registry answers it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface LockEntry {
  readonly version?: string;
  readonly dev?: boolean;
  readonly link?: boolean;
}
export interface Lockfile {
  readonly packages: Readonly<Record<string, LockEntry>>;
}
export interface DeniedRange {
  readonly name: string;
  readonly versions: string;
  readonly advisory: string;
}
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  /** Where it sits in node_modules (a package may be there at several versions). */
  readonly path: string;
}

/** Every package of the lock a production install carries: all but those only devDependencies need (`dev: true`). */
export function productionPackages(lock: Lockfile): InstalledPackage[] {
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key.includes('node_modules/') && entry.dev !== true && entry.link !== true && entry.version !== undefined)
    .map(([key, entry]) => ({ name: key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length), version: entry.version!, path: key }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The production packages whose version a denylist entry covers. */
export function deniedPackages(installed: readonly InstalledPackage[], denylist: readonly DeniedRange[]): { readonly pkg: InstalledPackage; readonly entry: DeniedRange }[] {
  return installed.flatMap((pkg) => denylist.filter((entry) => entry.name === pkg.name && satisfies(pkg.version, entry.versions)).map((entry) => ({ pkg, entry })));
}

type Version = readonly [number, number, number, boolean];

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] !== undefined] : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  // 1.2.3-beta comes before 1.2.3.
  return a[3] === b[3] ? 0 : a[3] ? -1 : 1;
}

/** Whether `version` is in `range`: `*`, or comparators (`<1.2.3 >=1.0.0`) joined by `||`. An unreadable version counts as covered. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().split(/\s+/).filter(Boolean);
    if (comparators.length === 0 || comparators.includes('*')) return true;
    if (!v) return true;
    return comparators.every((c) => {
      const m = /^(<=|>=|<|>|=)?(.+)$/.exec(c)!;
      const bound = parseVersion(m[2]!);
      if (!bound) throw new Error(`denylist: cannot read the version in "${c}"`);
      const d = compare(v, bound);
      switch (m[1]) {
        case '<':
          return d < 0;
        case '<=':
          return d <= 0;
        case '>':
          return d > 0;
        case '>=':
          return d >= 0;
        default:
          return d === 0;
      }
    });
  });
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function readDenylist(): Promise<DeniedRange[]> {
  return (JSON.parse(await readFile(path.join(root, 'scripts', 'depsDenylist.json'), 'utf8')) as { packages: DeniedRange[] }).packages;
}

export async function readLockfile(): Promise<Lockfile> {
  return JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as Lockfile;
}

async function main(): Promise<number> {
  const installed = productionPackages(await readLockfile());
  const denied = deniedPackages(installed, await readDenylist());
  if (process.argv.includes('--list')) for (const p of installed) console.log(`${p.name}@${p.version}`);
  console.log(`${installed.length} production packages in package-lock.json (npm ci --omit=dev).`);
  for (const { pkg, entry } of denied) console.error(`denied: ${pkg.name}@${pkg.version} (${pkg.path}) — ${entry.advisory}`);
  if (denied.length) {
    console.error(`${denied.length} denied version(s): upgrade or remove them (scripts/depsDenylist.json says why).`);
    return 1;
  }
  console.log('None is on the denylist (scripts/depsDenylist.json).');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // exitCode rather than exit(): exit() may cut off output still queued for a pipe.
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
