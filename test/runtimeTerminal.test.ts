import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runTerminalChat } from '../bots/terminal/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec, ECHO } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
const databases: TestDatabase[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.app.close()));
  await Promise.all(databases.map((d) => d.drop()));
});

async function listening(env: Record<string, string> = {}) {
  const database = await createTestDatabase();
  databases.push(database);
  const server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', ...env }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
  servers.push(server);
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, url };
}

function terminal(url: string, extra: { token?: string } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d: Buffer) => (screen += d.toString()));
  const done = runTerminalChat({ url, userId: 'tty', input, output, pollMs: 50, ...extra });
  return { type: (line: string) => input.write(`${line}\n`), end: () => input.end(), screen: () => screen, done };
}

describe(`npm run chat against a running server on ${testDatabaseKind()}`, () => {
  it('sends what is typed, prints replies as text, picks up later messages, and exits cleanly', async () => {
    const { server, url } = await listening();
    const t = terminal(url);
    t.type('张三');
    await expect.poll(t.screen).toContain(ECHO.greeting('张三'));
    t.type('菜单');
    await expect.poll(t.screen).toContain('1. 申请贷款\n      2. 查询额度');
    t.type('1');
    await expect.poll(t.screen).toContain(ECHO.echo('1'));

    // A staff member writes in: the client's poll prints it once.
    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'tty', channel: 'terminal' } });
    await server.conversations!.runtime.dispatch(conversation.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: Date.now() });
    await expect.poll(t.screen).toContain(ECHO.takeover('小陈'));
    await new Promise((r) => setTimeout(r, 200));
    expect(t.screen().split(ECHO.takeover('小陈')).length).toBe(2);

    t.end();
    await t.done;
    expect(t.screen().trimEnd().endsWith('再见！')).toBe(true);
    expect(t.screen().split(ECHO.greeting('张三')).length).toBe(2);
  });

  it('explains a missing token and an unreachable server', async () => {
    const { url } = await listening({ CHAT_API_TOKEN: 'terminal-test-token-0123' });
    const t = terminal(url);
    t.type('你好');
    await expect.poll(t.screen).toContain('--token');
    t.end();
    await t.done;

    const withToken = terminal(url, { token: 'terminal-test-token-0123' });
    withToken.type('李四');
    await expect.poll(withToken.screen).toContain(ECHO.greeting('李四'));
    withToken.end();
    await withToken.done;

    const nowhere = terminal('http://127.0.0.1:1');
    await expect.poll(nowhere.screen).toContain('无法连接');
    nowhere.end();
    await nowhere.done;
  });
});
