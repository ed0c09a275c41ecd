import { afterAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { createLogger } from '../server/logging/index.js';
import type { ConversationRuntime } from '../server/runtime/index.js';
import { createEchoSpec, ECHO } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
const databases: TestDatabase[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.app.close()));
  await Promise.all(databases.map((d) => d.drop()));
});

// PostgreSQL: two servers (two runtimes, two pools, two in-process locks) on one database, held
// apart only by the advisory lock. PGlite serves one process, so there the two entry points are two
// callers of one server: the same assertions, the in-process lock.
const topology = testDatabaseKind() === 'postgres' ? 'two servers on one PostgreSQL database' : 'one server on embedded PGlite';

describe(`hammering one conversation: ${topology}`, () => {
  it('never interleaves two turns: every inbound message is followed by its own reply, no update is lost', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const boot = async () => {
      const server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, { spec: createEchoSpec({ lookupMs: 5 }) });
      servers.push(server);
      return server;
    };
    const a = await boot();
    const b = testDatabaseKind() === 'postgres' ? await boot() : a;
    const runtimes: ConversationRuntime[] = [a.conversations!.runtime, b.conversations!.runtime];

    await runtimes[0]!.receive({ channel: 'rest', userId: 'hammer', messageId: 'name', text: '锤子' });
    const perRuntime = 40;
    const results = await Promise.all(
      runtimes.flatMap((runtime, r) =>
        Array.from({ length: perRuntime }, (_, i) => runtime.receive({ channel: 'rest', userId: 'hammer', messageId: `r${r}-${i}`, text: `r${r}-${i}` })),
      ),
    );
    for (const result of results) expect(result.replies).toHaveLength(1);

    const conversation = await a.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'hammer' } });
    const messages = await a.db.prisma.message.findMany({ where: { conversationId: conversation.id }, orderBy: { seq: 'asc' } });
    const turns = 1 + 2 * perRuntime;
    expect(conversation.version).toBe(turns);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: messages.length }, (_, i) => i + 1));
    const inbound = messages.filter((m) => m.direction === 'inbound');
    expect(inbound).toHaveLength(turns);
    for (const m of inbound.slice(1)) {
      const reply = messages.find((x) => x.seq === m.seq + 1)!;
      expect(reply).toMatchObject({ direction: 'outbound', replyToId: m.id, text: ECHO.echo(m.text) });
    }
    // Each runtime's own messages keep their sending order.
    for (const r of [0, 1]) {
      const mine = inbound.filter((m) => m.text.startsWith(`r${r}-`)).map((m) => Number(m.text.split('-')[1]));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
  });
});
