import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from '../test/support/testDatabase.js';
import { bootServer } from './boot.js';
import { createLogger } from './logging/index.js';

const logger = createLogger('silent');
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

describe(`server boot on ${testDatabaseKind()}`, () => {
  it('creates the schema in an empty database, answers /healthz and /readyz', async () => {
    const database = await createTestDatabase({ empty: true });
    databases.push(database);
    const { app, appliedMigrations } = await bootServer(testConfig(database), logger);
    try {
      expect(appliedMigrations.length).toBeGreaterThan(0);
      expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
      const ready = await app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ready', database: testDatabaseKind(), migrations: appliedMigrations.length });
    } finally {
      await app.close();
    }
  });

  it('keeps data across a restart and applies nothing the second time', async () => {
    const database = await createTestDatabase({ persistent: true });
    databases.push(database);
    const config = testConfig(database);

    const first = await bootServer(config, logger);
    const sealed = first.app.cipher.encrypt('11010519900307123X');
    const created = await first.db.prisma.borrower.create({
      data: { name: '张三', idNumberEnc: sealed, idNumberHash: first.app.cipher.lookupHash('11010519900307123X'), idNumberMasked: '110105********123X' },
    });
    await first.app.close();

    const second = await bootServer(config, logger);
    try {
      expect(second.appliedMigrations).toEqual([]);
      const found = await second.db.prisma.borrower.findUniqueOrThrow({ where: { idNumberHash: second.app.cipher.lookupHash('11010519900307123x') } });
      expect(found.id).toBe(created.id);
      expect(second.app.cipher.decrypt(found.idNumberEnc!)).toBe('11010519900307123X');
      expect((await second.app.inject('/readyz')).statusCode).toBe(200);
    } finally {
      await second.app.close();
    }
  });

  it('holds no migration lock once started, so another server can start beside it', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { app, db } = await bootServer(testConfig(database), logger);
    try {
      // The schema engine's session-level advisory lock: it must end with the migration's own connection.
      // This test's database only: servers of other test files migrate their own databases meanwhile.
      const held = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objid = 72707369 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      expect(held[0]!.n).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('enforces one row per channel message id, so a redelivered message is stored once', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { app, db } = await bootServer(testConfig(database), logger);
    try {
      const conversation = await db.prisma.conversation.create({ data: { channel: 'rest', externalUserId: 'u1', machineId: 'session', machineVersion: 1 } });
      const message = { conversationId: conversation.id, direction: 'inbound' as const, channel: 'rest' as const, channelMessageId: 'm1', author: 'borrower', text: 'hi' };
      await db.prisma.message.create({ data: { ...message, seq: 1 } });
      await expect(db.prisma.message.create({ data: { ...message, seq: 2 } })).rejects.toMatchObject({ code: 'P2002' });
    } finally {
      await app.close();
    }
  });
});
