import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

interface LockedPackage {
  optionalDependencies?: Record<string, string>;
}

/** Where npm finds `name` for the package at `key`: its own node_modules, then each enclosing one. */
function resolves(packages: Record<string, LockedPackage>, key: string, name: string): boolean {
  for (let at = key; ; ) {
    if (`${at ? `${at}/` : ''}node_modules/${name}` in packages) return true;
    if (!at) return false;
    const i = at.lastIndexOf('/node_modules/');
    at = i < 0 ? '' : at.slice(0, i);
  }
}

describe('package-lock.json', () => {
  // npm drops other platforms' optional binaries from the lock when it rewrites it with
  // node_modules present (npm/cli#4828, #7961); a clean clone's `npm install` then adds them back
  // and leaves `git status` dirty. Regenerate it from a clean clone: `rm -rf node_modules && npm install`.
  it('holds every optional dependency of every locked package, for every platform', async () => {
    const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
    const missing = Object.entries(lock.packages).flatMap(([key, pkg]) =>
      Object.keys(pkg.optionalDependencies ?? {})
        .filter((name) => !resolves(lock.packages, key, name))
        .map((name) => `${key || '(root)'} → ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
