import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { renderForOfficialAccount } from '../bots/officialAccount/index.js';
import { runTerminalChat } from '../bots/terminal/index.js';
import { renderForWechat } from '../bots/wechaty/index.js';
import type { Reply } from '../flows/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * A staff member's words are a person's on every channel: stored as theirs (`staff:<id>`, with
 * their name), fetched over REST with `sender`, printed by the terminal under their name, and sent
 * to WeChat with their name in front — never as the assistant's.
 */
const logger = createLogger('silent');
let database: TestDatabase | undefined;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

describe(`a staff member speaks as a person on ${testDatabaseKind()}`, () => {
  it('is stored as staff, fetched with its sender, labelled by the terminal, and named on WeChat', async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' }), logger, { spec: (ctx) => createLendingConversation(ctx) });
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });

    const input = new PassThrough();
    const output = new PassThrough();
    let screen = '';
    output.on('data', (d: Buffer) => (screen += d.toString()));
    const done = runTerminalChat({ url, userId: 'tty-staff', input, output, pollMs: 50 });
    input.write('转人工\n');
    await expect.poll(() => screen, { timeout: 10_000 }).toContain('正在为您转接人工客服');

    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'tty-staff', channel: 'terminal' } });
    const staff = (path: string, payload: object) => server!.app.inject({ method: 'POST', url: `/api/v1/staff/conversations/${conversation.id}${path}`, headers: staffAuthHeaders, payload });
    expect((await staff('/takeover', { staffName: '小王' })).statusCode).toBe(200);
    const said = await staff('/messages', { staffName: '小王', text: '您好，我是客服小王，请问遇到了什么问题？' });
    expect(said.json()).toMatchObject({ replies: [{ text: '您好，我是客服小王，请问遇到了什么问题？', sender: { kind: 'staff', name: '小王' } }] });

    // The terminal prints it under the staff member's name, not the assistant's.
    await expect.poll(() => screen, { timeout: 10_000 }).toContain('客服 小王> 您好，我是客服小王，请问遇到了什么问题？');
    expect(screen).not.toContain('助手> 您好，我是客服小王');
    expect(screen).toContain('助手> 人工客服 小王 为您服务。');

    // Stored as the staff member's: the outbound row's author, and the payload's sender.
    const row = await server.db.prisma.message.findFirstOrThrow({ where: { conversationId: conversation.id, direction: 'outbound', text: { contains: '请问遇到了什么问题' } } });
    // The service account the bank's system acts as (STAFF_API_TOKEN), by its id; the name is the one it gave.
    expect(row.author).toBe(`staff:${(await server.db.prisma.staffUser.findUniqueOrThrow({ where: { username: 'api-service' } })).id}`);
    expect(row.payload).toMatchObject({ sender: { kind: 'staff', name: '小王' } });
    const transcript = (await server.app.inject({ method: 'GET', url: `/api/v1/staff/conversations/${conversation.id}/messages`, headers: staffAuthHeaders })).json() as { messages: { direction: string; author: string; text: string }[] };
    expect(transcript.messages.filter((m) => m.direction === 'outbound' && m.author === 'bot' && m.text.includes('请问遇到了什么问题'))).toEqual([]);

    // A staff member who writes without taking over first is named by the message itself.
    await staff('/handback', {});
    await staff('/messages', { staffName: '李经理', text: '我是您的客户经理，有需要随时找我。' });
    await expect.poll(() => screen, { timeout: 10_000 }).toContain('客服 李经理> 我是您的客户经理，有需要随时找我。');

    // Fetched over REST, with who wrote it; WeChat (personal and official account) puts the name in front.
    const later = (await server.app.inject({ method: 'GET', url: '/api/v1/chat/messages?userId=tty-staff&channel=terminal&afterSeq=0&limit=200' })).json() as { messages: Reply[] };
    const fromStaff = later.messages.filter((m) => m.sender?.kind === 'staff');
    expect(fromStaff.map((m) => [m.sender!.name, m.text])).toEqual([
      ['小王', '您好，我是客服小王，请问遇到了什么问题？'],
      ['李经理', '我是您的客户经理，有需要随时找我。'],
    ]);
    expect(renderForWechat(fromStaff[0]!, { group: false, baseUrl: 'https://bank.example.cn/' }).text).toBe('客服 小王：您好，我是客服小王，请问遇到了什么问题？');
    expect(renderForOfficialAccount(fromStaff[1]!)).toEqual([{ type: 'text', content: '客服 李经理：我是您的客户经理，有需要随时找我。' }]);

    input.end();
    await done;
  });
});
