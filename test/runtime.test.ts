import { createActor } from 'xstate';
import { afterAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../bots/index.js';
import { createFieldCipher, fieldContext } from '../server/security/fieldCipher.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { APOLOGY, MAX_EVENT_TEXT, type ChannelSender, type DeliveryTarget, type StoredReply } from '../server/runtime/index.js';
import { createEchoSpec, ECHO, newEchoEffects, NUDGE_AFTER_MS, type EchoOptions } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
const databases: TestDatabase[] = [];
const servers = new Set<Server>();
afterAll(async () => {
  await Promise.allSettled([...servers].map((s) => s.app.close()));
  await Promise.all(databases.map((d) => d.drop()));
});

const T0 = '2026-11-22T08:00:00.000Z';

async function boot(options: { database?: TestDatabase; echo?: EchoOptions; env?: Record<string, string>; senders?: ChannelSender[]; spec?: ReturnType<typeof createEchoSpec> } = {}) {
  const database = options.database ?? (await createTestDatabase());
  if (!options.database) databases.push(database);
  const clock = manualClock(T0);
  const spec = options.spec ?? createEchoSpec(options.echo);
  const server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', ...options.env }), logger, { clock, spec, senders: options.senders ?? [] });
  servers.add(server);
  const { runtime } = server.conversations!;
  let n = 0;
  const say = (text: string, extra: Partial<InboundMessage> = {}) => runtime.receive({ channel: 'rest', userId: 'u1', messageId: `m${++n}`, text, ...extra });
  return { server, database, clock, spec, runtime, say, db: server.db };
}

async function stop(server: Server) {
  servers.delete(server);
  await server.app.close();
}

const texts = (replies: readonly StoredReply[]) => replies.map((r) => r.text);

/** The stored conversation (snapshot decrypted: it is sealed at rest) and its messages. */
async function transcript(db: Server['db'], userId = 'u1') {
  const stored = await db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: userId } });
  const cipher = createFieldCipher(testConfig({ target: { kind: 'pglite', dataDir: 'memory://' }, url: 'pglite:memory', drop: async () => {} }).dataKey);
  // Bound to its row: it opens only as this conversation's snapshot.
  const snapshot: unknown = typeof stored.snapshot === 'string' ? JSON.parse(cipher.decrypt(stored.snapshot, fieldContext('Conversation', 'snapshot', stored.id))) : stored.snapshot;
  const messages = await db.prisma.message.findMany({ where: { conversationId: stored.id }, orderBy: { seq: 'asc' } });
  return { conversation: { ...stored, snapshot }, stored, messages };
}

describe(`conversation runtime on ${testDatabaseKind()}`, () => {
  it('greets, waits for a busy effect to settle before answering, and stores one row per message', async () => {
    const { say, spec, db } = await boot({ echo: { lookupMs: 80 } });
    const first = await say('张三');
    expect(texts(first.replies)).toEqual([ECHO.askName, ECHO.greeting('张三')]);
    expect(first.duplicate).toBe(false);
    expect(spec.effects.lookups).toHaveLength(1);
    expect(first.replies.map((r) => r.seq)).toEqual([2, 3]);

    const { conversation, stored, messages } = await transcript(db);
    // Sealed at rest: what the borrower typed never sits in the database in clear.
    expect(typeof stored.snapshot).toBe('string');
    expect(JSON.stringify(stored.snapshot)).not.toContain('张三');
    expect(messages.map((m) => [m.seq, m.direction, m.author, m.deliveryStatus])).toEqual([
      [1, 'inbound', 'borrower', 'none'],
      [2, 'outbound', 'bot', 'delivered'],
      [3, 'outbound', 'bot', 'delivered'],
    ]);
    expect(messages[1]!.replyToId).toBe(messages[0]!.id);
    expect(conversation).toMatchObject({ machineId: 'echo', machineVersion: 2, version: 1, lastSeq: 3, handoffStatus: 'bot' });
    expect(conversation.snapshot).toMatchObject({ value: { bot: 'chatting' } });
  });

  it('answers a message delivered three times once, also when the three arrive at the same time', async () => {
    const { runtime, spec, db } = await boot();
    const message: InboundMessage = { channel: 'rest', userId: 'u1', messageId: 'same', text: '李四' };
    const once = await runtime.receive(message);
    const again = await runtime.receive(message);
    const third = await runtime.receive(message);
    expect(again).toEqual({ ...once, duplicate: true });
    expect(third).toEqual({ ...once, duplicate: true });

    const concurrent = await Promise.all([1, 2, 3].map(() => runtime.receive({ ...message, messageId: 'burst', text: '你好' })));
    expect(concurrent.filter((r) => !r.duplicate)).toHaveLength(1);
    for (const r of concurrent) expect(texts(r.replies)).toEqual([ECHO.echo('你好')]);
    expect(new Set(concurrent.map((r) => r.replies[0]!.id)).size).toBe(1);

    expect(spec.effects.lookups).toHaveLength(1);
    const { messages, conversation } = await transcript(db);
    expect(messages.filter((m) => m.direction === 'inbound')).toHaveLength(2);
    expect(conversation.version).toBe(2);
  });

  it('processes concurrent messages of one conversation in the order they were sent, losing none', async () => {
    const { say, db } = await boot();
    await say('王五');
    const sent = Array.from({ length: 20 }, (_, i) => `第${i}条`);
    const results = await Promise.all(sent.map((text) => say(text)));
    results.forEach((r, i) => expect(texts(r.replies)).toEqual([ECHO.echo(sent[i]!)]));
    const { conversation, messages } = await transcript(db);
    expect(conversation.version).toBe(21);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 3 + 40 }, (_, i) => i + 1));
    expect(messages.filter((m) => m.direction === 'inbound').map((m) => m.text)).toEqual(['王五', ...sent]);
  });

  it('continues mid-flow after the server restarts on the same database', async () => {
    const database = await createTestDatabase({ persistent: true });
    databases.push(database);
    const first = await boot({ database });
    await first.say('赵六');
    expect(texts((await first.say('你好')).replies)).toEqual([ECHO.echo('你好')]);
    await stop(first.server);

    const second = await boot({ database });
    const next = await second.runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'after-restart', text: '还在吗' });
    expect(texts(next.replies)).toEqual([ECHO.echo('还在吗')]);
    expect(next.replies[0]!.seq).toBe(7);
    // A message delivered before the restart is still recognised as a duplicate after it.
    const redelivered = await second.runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'm2', text: '你好' });
    expect(redelivered.duplicate).toBe(true);
    expect(texts(redelivered.replies)).toEqual([ECHO.echo('你好')]);
  });

  it('never crashes on garbage: very long text, emoji, broken surrogates, control characters, media', async () => {
    const { say, db } = await boot();
    const long = await say('长'.repeat(5_000));
    expect(texts(long.replies)).toEqual([ECHO.askName, ECHO.tooLong]);
    const stored = (await transcript(db)).messages[0]!;
    expect([...stored.text]).toHaveLength(MAX_EVENT_TEXT);

    expect(texts((await say('😀👨‍👩‍👧‍👦')).replies)).toEqual([ECHO.greeting('😀👨‍👩‍👧‍👦')]);
    expect(texts((await say('a\u0000b\uD800c\u0007')).replies)).toEqual([ECHO.echo('ab\uFFFDc')]);
    expect(texts((await say('', { text: undefined, media: 'image' })).replies)).toEqual([ECHO.media]);
    expect(texts((await say('', { text: undefined })).replies)).toEqual([ECHO.media]);
    expect(texts((await say('🀄'.repeat(3_000))).replies)[0]).toMatch(/^你说：🀄+$/u);
    const { messages } = await transcript(db);
    expect(messages.filter((m) => m.direction === 'inbound').map((m) => m.text.slice(0, 8))).toContain('[image]');
  });

  it('keeps the state and apologises when the machine throws, and keeps serving', async () => {
    const { say, db } = await boot();
    await say('孙七');
    const before = (await transcript(db)).conversation;
    const boom = await say('boom');
    expect(texts(boom.replies)).toEqual([APOLOGY.text]);
    const after = await transcript(db);
    expect(after.conversation.snapshot).toEqual(before.snapshot);
    expect(after.conversation.version).toBe(before.version + 1);
    expect(after.messages.at(-2)).toMatchObject({ direction: 'inbound', text: 'boom' });
    expect(after.messages.at(-1)).toMatchObject({ direction: 'outbound', text: APOLOGY.text, replyToId: after.messages.at(-2)!.id });
    expect(texts((await say('还好吗')).replies)).toEqual([ECHO.echo('还好吗')]);
  });

  it('apologises and keeps the state when what the machine produced cannot be stored', async () => {
    const { say, db } = await boot();
    await say('林一');
    const before = (await transcript(db)).conversation;
    // A borrower id that is no borrower: the foreign key refuses it.
    const bad = await say('我是 00000000-0000-4000-8000-000000000000');
    expect(texts(bad.replies)).toEqual([APOLOGY.text]);
    const after = (await transcript(db)).conversation;
    expect(after.snapshot).toEqual(before.snapshot);
    expect(after.borrowerId).toBeNull();
    expect(texts((await say('继续')).replies)).toEqual([ECHO.echo('继续')]);
  });

  it('apologises and keeps the state when a busy state does not settle in time', async () => {
    const { say, db } = await boot({ echo: { lookupMs: 1_000 }, env: { TURN_SETTLE_TIMEOUT_MS: '150' } });
    const slow = await say('周八');
    expect(texts(slow.replies)).toEqual([APOLOGY.text]);
    const { conversation, messages } = await transcript(db);
    // The conversation exists (the message is kept) but no machine state was saved.
    expect(conversation.snapshot).toBeNull();
    expect(messages.map((m) => m.text)).toEqual(['周八', APOLOGY.text]);
  });

  it('a first message that blows up still stores the conversation, and the next one starts it', async () => {
    const { say } = await boot();
    expect(texts((await say('boom')).replies)).toEqual([APOLOGY.text]);
    expect(texts((await say('吴九')).replies)).toEqual([ECHO.askName, ECHO.greeting('吴九')]);
  });

  it('re-runs an effect in flight when its snapshot was saved, idempotently, before the new event', async () => {
    const effects = newEchoEffects();
    const { say, db, spec } = await boot({ echo: { effects, lookupMs: 30 } });
    await say('郑十');
    // A snapshot taken while the lookup was running (as an older runtime or a crash could leave it).
    const noop = () => {};
    const actor = createActor(spec.createMachine({ reply: noop, scheduleDeadline: noop, cancelDeadline: noop }), {
      snapshot: (await transcript(db)).conversation.snapshot as never,
    });
    actor.start();
    actor.send({ type: 'user.text', text: '再查一次', id: 'in-flight', at: Date.parse(T0) });
    expect(actor.getSnapshot().hasTag('busy')).toBe(true);
    const inFlight = actor.getPersistedSnapshot();
    actor.stop();
    await new Promise((r) => setTimeout(r, 60));
    await db.prisma.conversation.updateMany({ where: { externalUserId: 'u1' }, data: { snapshot: inFlight as never } });

    const next = await say('你好');
    expect(texts(next.replies)).toEqual([ECHO.greeting('郑十·再查'), ECHO.echo('你好')]);
    const key = effects.lookups.at(-1)!;
    expect(effects.lookups.filter((k) => k === key)).toHaveLength(2);
    expect([...effects.performed.keys()].filter((k) => k === key)).toHaveLength(1);
  });

  it('restarts a conversation of an older machine version with the notice, and an unrestorable snapshot too', async () => {
    const database = await createTestDatabase({ persistent: true });
    databases.push(database);
    const v1 = await boot({ database, echo: { version: 1 } });
    await v1.say('钱一');
    await stop(v1.server);

    const v2 = await boot({ database, echo: { version: 2 } });
    const upgraded = await v2.runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'v2-1', text: '钱一' });
    expect(texts(upgraded.replies)).toEqual([ECHO.upgraded, ECHO.askName, ECHO.greeting('钱一')]);
    expect((await transcript(v2.db)).conversation.machineVersion).toBe(2);

    await v2.db.prisma.conversation.updateMany({ where: { externalUserId: 'u1' }, data: { snapshot: { status: 'active', value: { nowhere: 'x' } } } });
    const broken = await v2.runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'v2-2', text: '钱二' });
    expect(texts(broken.replies)).toEqual([ECHO.upgraded, ECHO.askName, ECHO.greeting('钱二')]);
  });

  it('hands over to staff and back through dispatch; push-channel replies go out through the outbox', async () => {
    const sent: { target: DeliveryTarget; reply: StoredReply }[] = [];
    const wechat: ChannelSender = { channel: 'wechat', send: async (target, reply) => void sent.push({ target, reply }) };
    const { runtime, db, server } = await boot({ senders: [wechat] });
    const hello = await runtime.receive({ channel: 'wechat', userId: 'wx-openid-1', messageId: 'wx1', text: '冯二' });
    const conversationId = hello.conversationId!;
    await server.conversations!.outbox.idle();
    expect(sent.map((s) => s.reply.text)).toEqual([ECHO.askName, ECHO.greeting('冯二')]);
    expect(sent[0]!.target).toEqual({ conversationId, channel: 'wechat', userId: 'wx-openid-1', chatId: '' });

    await runtime.dispatch(conversationId, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: Date.parse(T0) });
    expect((await db.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } })).handoffStatus).toBe('staff');
    const whileStaff = await runtime.receive({ channel: 'wechat', userId: 'wx-openid-1', messageId: 'wx2', text: '人呢' });
    expect(whileStaff.replies).toEqual([]);
    await runtime.dispatch(conversationId, { type: 'staff.message', staffId: 's1', text: '您好，我是小陈', at: Date.parse(T0) });
    await runtime.dispatch(conversationId, { type: 'staff.handback', staffId: 's1', at: Date.parse(T0) });
    await server.conversations!.outbox.idle();

    expect(sent.map((s) => s.reply.text)).toEqual([ECHO.askName, ECHO.greeting('冯二'), ECHO.takeover('小陈'), '您好，我是小陈', ECHO.handback]);
    const messages = await db.prisma.message.findMany({ where: { conversationId }, orderBy: { seq: 'asc' } });
    expect(messages.filter((m) => m.direction === 'outbound').every((m) => m.deliveryStatus === 'delivered')).toBe(true);
    expect(messages.find((m) => m.author === 'staff:s1')).toMatchObject({ direction: 'inbound', text: '您好，我是小陈' });
    expect((await db.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } })).handoffStatus).toBe('bot');
    expect(texts((await runtime.receive({ channel: 'wechat', userId: 'wx-openid-1', messageId: 'wx3', text: '继续' })).replies)).toEqual([ECHO.echo('继续')]);
  });

  it('refuses a channel message id that belongs to another conversation, and ignores unaddressed group chatter', async () => {
    const { runtime, db } = await boot();
    await runtime.receive({ channel: 'wechat', userId: 'a', messageId: 'shared', text: 'A' });
    await expect(runtime.receive({ channel: 'wechat', userId: 'b', messageId: 'shared', text: 'B' })).rejects.toMatchObject({ code: 'CONFLICT' });

    const chatter = await runtime.receive({ channel: 'wechat', userId: 'a', chatId: 'room1', messageId: 'g1', text: '大家好' });
    expect(chatter).toEqual({ conversationId: null, replies: [], duplicate: false });
    const addressed = await runtime.receive({ channel: 'wechat', userId: 'a', chatId: 'room1', messageId: 'g2', text: '@快贷助手 你好', addressed: true });
    expect(texts(addressed.replies)[0]).toBe(ECHO.askName);
    expect(await db.prisma.conversation.count({ where: { externalChatId: 'room1' } })).toBe(1);
  });

  it('schedules, reschedules and cancels deadline jobs with the turn', async () => {
    const { say, db, clock } = await boot();
    await say('陈三');
    const job = await db.prisma.job.findFirstOrThrow();
    expect(job).toMatchObject({ kind: 'conversation.deadline', status: 'pending' });
    expect(job.key).toMatch(/^deadline:[0-9a-f-]{36}:nudge$/);
    expect(job.dueAt.getTime()).toBe(Date.parse(T0) + NUDGE_AFTER_MS);
    clock.advance(5_000);
    await say('再说一句');
    expect((await db.prisma.job.findFirstOrThrow()).dueAt.getTime()).toBe(Date.parse(T0) + 5_000 + NUDGE_AFTER_MS);
    await say('取消提醒');
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ status: 'cancelled' });
    expect(await db.prisma.job.count()).toBe(1);
  });
});
