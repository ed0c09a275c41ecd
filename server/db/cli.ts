// npm run db:migrate | db:status | db:new -- <name>: Prisma's migrate commands, in-process on the
// WebAssembly schema engine, so no native engine is ever downloaded.
import { ConfigError, loadConfig } from '../config/index.js';
import { isAppError } from '../errors.js';
import { applyMigrations, createMigration, migrationStatus } from './migrations.js';
import { openDatabase } from './openDatabase.js';

const [command, ...args] = process.argv.slice(2);

async function main(): Promise<number> {
  if (command === 'new') {
    const name = args[0];
    if (!name) {
      console.error('usage: npm run db:new -- <name>   (lower_snake_case, e.g. add_work_items)');
      return 2;
    }
    const created = await createMigration(name, new Date());
    if (!created) {
      console.log('prisma/schema.prisma matches the migration history: nothing to create.');
      return 0;
    }
    console.log(`Created ${created.dir}/migration.sql:\n\n${created.sql}`);
    return 0;
  }
  if (command !== 'migrate' && command !== 'status') {
    console.error('usage: db:migrate | db:status | db:new -- <name>');
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    if (command === 'migrate') {
      const applied = await applyMigrations(db.adapterFactory);
      console.log(applied.length ? `Applied to ${db.where}:\n${applied.map((n) => `  ${n}`).join('\n')}` : `${db.where} is up to date.`);
      return 0;
    }
    const s = await migrationStatus(db.adapterFactory);
    console.log(`${db.where}: ${s.migrations.length} migrations in prisma/migrations`);
    for (const [label, list] of [['pending', s.pending], ['failed', s.failed], ['edited after applying', s.edited], ['applied but not in prisma/migrations', s.unknown]] as const) {
      if (list.length) console.log(`${label}:\n${list.map((n) => `  ${n}`).join('\n')}`);
    }
    const clean = !s.pending.length && !s.failed.length && !s.edited.length && !s.unknown.length;
    if (clean) console.log('Database schema is up to date.');
    return clean ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) console.error(`kuaidai: configuration error: ${e.message}`);
    else if (isAppError(e)) console.error(`kuaidai: ${e.code}: ${e.message}`);
    else console.error(e);
    process.exit(1);
  },
);
