import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

const root = path.dirname(fileURLToPath(import.meta.url));

// The Prisma CLI downloads a native schema engine unless this names an existing file.
// We never use that engine (migrations run in-process on @prisma/schema-engine-wasm), so point
// it at a script that explains this and fails, instead of a download that would fail offline.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, 'scripts', 'no-native-engine.sh');

export default defineConfig({
  schema: path.join(root, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(root, 'prisma', 'migrations') },
});
