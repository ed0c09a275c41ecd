// `node pgliteInitdb.js <dir>`: creates an embedded database in <dir> and exits (see createPgliteDirectory).
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: pgliteInitdb <data directory>');
  process.exit(2);
}
const pglite = await PGlite.create(dir);
await pglite.close();
