import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import type * as GlueModule from '@prisma/schema-engine-wasm/schema_engine_bg';

type Glue = typeof GlueModule;

let gluePromise: Promise<Glue> | undefined;

/**
 * Loads Prisma's schema engine compiled to WebAssembly, once per process. Node 20 cannot import a
 * .wasm file as a module, so we instantiate it with the generated glue ourselves. The engine's
 * timers are unref'd: otherwise every CLI run would wait ~10 s for an idle timer before exiting.
 */
function loadGlue(): Promise<Glue> {
  gluePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Glue & Record<string, unknown>;
    const bytes = await readFile(gluePath.replace(/\.js$/, '.wasm'));
    const imports: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(glue)) {
      if (!name.startsWith('__wbg_') && !name.startsWith('__wbindgen_')) continue;
      imports[name] = name.startsWith('__wbg_setTimeout')
        ? (cb: () => void, ms: number) => setTimeout(cb, ms >>> 0).unref()
        : fn;
    }
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': imports } as WebAssembly.Imports);
    (glue as unknown as { __wbg_set_wasm(x: unknown): void }).__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return glue;
  })();
  return gluePromise;
}

/** A schema engine bound to one database through a Prisma driver adapter factory. Free it after use. */
export async function openSchemaEngine(factory: SqlMigrationAwareDriverAdapterFactory): Promise<SchemaEngine> {
  const glue = await loadGlue();
  return glue.SchemaEngine.new({ datamodels: undefined }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));
}
