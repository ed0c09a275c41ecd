import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Which top-level folders each layer may import from (dependencies point inward). */
const allowed: Record<string, string[]> = {
  core: ['core'],
  flows: ['flows', 'core'],
  bots: ['bots', 'flows', 'core'],
  server: ['server', 'bots', 'flows', 'core'],
};
/** Packages a layer must never import (server/ assembles everything and may import any). */
const forbiddenPackages: Record<string, RegExp | undefined> = {
  core: /^(node:|fastify|@fastify\/|@prisma\/|prisma$|pg$|pglite|@electric-sql\/|ioredis|wechaty|pino|xstate)/,
  flows: /^(fastify|@fastify\/|@prisma\/|prisma$|pg$|pglite|@electric-sql\/|ioredis|wechaty|pino)/,
  bots: /^(@prisma\/|prisma$|pg$|pglite|@electric-sql\/)/,
  server: undefined,
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .filter((f) => !f.includes(`${path.sep}generated${path.sep}`));
}

const importsOf = (source: string): string[] =>
  [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!);

describe('architecture', () => {
  it.each(Object.keys(allowed))('%s/ only imports inward', async (layer) => {
    const violations: string[] = [];
    for (const file of await sourceFiles(layer)) {
      const source = await readFile(path.join(root, file), 'utf8');
      if (layer === 'core' || layer === 'flows' || layer === 'bots') {
        if (/process\.env/.test(source)) violations.push(`${file}: reads process.env`);
        if (layer === 'core' && /\bDate\.now\(\)|new Date\(\)|Math\.random\(\)/.test(source)) violations.push(`${file}: reads the clock or randomness`);
      }
      for (const spec of importsOf(source)) {
        if (spec.startsWith('.')) {
          const target = path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec)).split(path.sep)[0]!;
          if (!allowed[layer]!.includes(target)) violations.push(`${file}: imports ${spec}`);
        } else if (forbiddenPackages[layer]?.test(spec)) {
          violations.push(`${file}: imports package ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('the lint rules reject a wrong-way import as well', async () => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText("import { buildApp } from '../server/app.js';\nimport Fastify from 'fastify';\nexport const x = [buildApp, Fastify, process.env.X];\n", {
      filePath: path.join(root, 'core', 'wrongWay.ts'),
    });
    const rules = result!.messages.map((m) => m.ruleId);
    expect(rules.filter((r) => r === 'no-restricted-imports')).toHaveLength(2);
    expect(rules).toContain('no-restricted-properties');
  });
});
