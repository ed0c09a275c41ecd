// Writes the migrated template test/support/pgliteTemplate.ts names: an in-memory embedded database
// opened as the server opens it, every migration applied, dumped, renamed into place when complete.
import { rename, writeFile } from 'node:fs/promises';
import { applyMigrations, openDatabase } from '../../server/db/index.js';

const file = process.argv[2]!;
const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
try {
  await applyMigrations(db.adapterFactory);
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, await db.embedded!.dump());
  await rename(partial, file);
} finally {
  await db.close();
}
