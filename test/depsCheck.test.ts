import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deniedPackages, productionPackages, readDenylist, readLockfile, satisfies, type Lockfile } from '../scripts/depsCheck.js';

const root = path.resolve(import.meta.dirname, '..');

describe('production dependencies (npm run deps:check)', () => {
  it('carries no version the denylist names', async () => {
    const installed = productionPackages(await readLockfile());
    expect(installed.length).toBeGreaterThan(50);
    expect(deniedPackages(installed, await readDenylist()).map(({ pkg, entry }) => `${pkg.path}@${pkg.version}: ${entry.advisory}`)).toEqual([]);
  });

  it('leaves wechaty and its puppets (and the advisories they bring) out of a production install', async () => {
    const names = productionPackages(await readLockfile()).map((p) => p.name);
    expect(names.filter((n) => /(^|\/)wechaty/.test(n))).toEqual([]);
    for (const name of ['request', 'tough-cookie', 'form-data']) expect(names).not.toContain(name);
  });

  it('finds a denied version among production packages, not among development-only ones', async () => {
    const lock: Lockfile = {
      packages: {
        '': {},
        'node_modules/request': { version: '2.88.2' },
        'node_modules/some-lib/node_modules/tough-cookie': { version: '2.5.0' },
        'node_modules/tough-cookie': { version: '4.1.4' },
        'node_modules/form-data': { version: '2.3.3', dev: true },
        'node_modules/debug': { version: '4.4.2' },
        'node_modules/debug-other': { version: '4.4.2' },
      },
    };
    const found = deniedPackages(productionPackages(lock), await readDenylist()).map(({ pkg }) => `${pkg.path}@${pkg.version}`);
    expect(found).toEqual(['node_modules/debug@4.4.2', 'node_modules/request@2.88.2', 'node_modules/some-lib/node_modules/tough-cookie@2.5.0']);
  });

  it('reads ranges as npm does for plain versions', () => {
    expect(satisfies('2.5.3', '<2.5.4 || >=3.0.0 <3.0.4 || >=4.0.0 <4.0.4')).toBe(true);
    expect(satisfies('3.0.4', '<2.5.4 || >=3.0.0 <3.0.4 || >=4.0.0 <4.0.4')).toBe(false);
    expect(satisfies('4.0.3', '<2.5.4 || >=3.0.0 <3.0.4 || >=4.0.0 <4.0.4')).toBe(true);
    expect(satisfies('4.0.4', '<2.5.4 || >=3.0.0 <3.0.4 || >=4.0.0 <4.0.4')).toBe(false);
    expect(satisfies('8.17.1-beta.1', '>=8.0.0 <8.17.1')).toBe(true);
    expect(satisfies('1.0.0', '*')).toBe(true);
    expect(satisfies('4.4.2', '=4.4.2')).toBe(true);
    expect(satisfies('4.4.3', '=4.4.2')).toBe(false);
  });

  it('runs as a script: lists the production packages and exits 0', async () => {
    const { stdout } = await promisify(execFile)(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/depsCheck.ts', '--list'], { cwd: root });
    expect(stdout).toMatch(/^fastify@5\./m);
    expect(stdout).toMatch(/\d+ production packages in package-lock\.json/);
    expect(stdout).toMatch(/None is on the denylist/);
  });
});
