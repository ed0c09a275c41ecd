import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aesKeyOf, decryptMessage, encryptMessage, parseWechatXml, wechatSignature, xmlFields } from '../bots/officialAccount/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { createCallbackReplayGuard, officialAccountRoutes, type PassiveReplies } from '../server/channels/officialAccount/index.js';
import { manualClock } from '../server/clock.js';
import type { Config } from '../server/config/index.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec, ECHO } from './support/echoConversation.js';
import { startFakeWechatApi, type FakeWechatApi } from './support/fakeWechatApi.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
const APP_ID = 'wx1234567890abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
const TOKEN = 'kuaidaiTestToken';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const ACCOUNT = 'gh_0123456789ab';
const T0 = '2026-03-02T02:00:00.000Z';
/** The echo machine looks a name up for this long: a new person's first turn takes at least this. */
const LOOKUP_MS = 300;

let database: TestDatabase;
let fake: FakeWechatApi;
let server: Server;
let config: Config;
const clock = manualClock(T0);

beforeAll(async () => {
  fake = await startFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET });
  database = await createTestDatabase();
  config = testConfig(database, {
    JOBS_POLL_MS: '0',
    PUBLIC_BASE_URL: 'https://loans.example-bank.cn',
    WECHAT_OA_APP_ID: APP_ID,
    WECHAT_OA_APP_SECRET: APP_SECRET,
    WECHAT_OA_TOKEN: TOKEN,
    WECHAT_OA_AES_KEY: AES_KEY,
    WECHAT_OA_MODE: 'compatible',
    WECHAT_OA_REPLY_BUDGET_MS: '3000',
    WECHAT_API_BASE_URL: fake.url,
  });
  server = await bootServer(config, logger, { spec: createEchoSpec({ lookupMs: LOOKUP_MS }), clock });
  // As server/app.ts wires it, plus two more routes on the same runtime for the tests: one with a
  // budget the echo machine cannot meet, one that answers only the first reply passively.
  const { passive } = server.app.officialAccount!;
  extraRoute(passive, '/wechat/slow', { replyBudgetMs: 100 });
  extraRoute(passive, '/wechat/split', { coalesce: false });
  await server.app.ready();
});

afterAll(async () => {
  await server?.app.close();
  await fake?.close();
  await database?.drop();
});

function extraRoute(passive: PassiveReplies, path: string, o: { replyBudgetMs?: number; coalesce?: boolean }) {
  officialAccountRoutes(server.app, {
    settings: { ...config.officialAccount!, path, ...(o.replyBudgetMs === undefined ? {} : { replyBudgetMs: o.replyBudgetMs }) },
    runtime: server.conversations!.runtime,
    passive,
    clock,
    replay: server.app.officialAccount!.replay,
    ...(o.coalesce === undefined ? {} : { coalesce: o.coalesce }),
  });
}

let seq = 0;
const nextMsgId = () => String(7_000_000_000_000_000 + ++seq);
const nonce = () => `n${Math.random().toString(36).slice(2, 10)}`;
const now = () => String(Math.floor(clock.now().getTime() / 1000));

const textXml = (openid: string, content: string, msgId = nextMsgId()) =>
  `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${now()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
const eventXml = (openid: string, event: string, key = '', createTime = now()) =>
  `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event><EventKey><![CDATA[${key}]]></EventKey></xml>`;

function signed(extra: Record<string, string> = {}): Record<string, string> {
  const timestamp = now();
  const n = nonce();
  return { timestamp, nonce: n, signature: wechatSignature(TOKEN, timestamp, n), openid: 'ignored', ...extra };
}

const post = (body: string, query: Record<string, string> = signed(), path = '/wechat/official-account', contentType = 'text/xml') =>
  server.app.inject({ method: 'POST', url: `${path}?${new URLSearchParams(query)}`, payload: body, headers: { 'content-type': contentType } });

/** A safe-mode callback as WeChat sends it: the body encrypted, msg_signature over it, timestamp and nonce. */
function encryptedRequest(xml: string, timestamp = now()) {
  const n = nonce();
  const encrypt = encryptMessage(xml, aesKeyOf(AES_KEY), APP_ID);
  const query = { timestamp, nonce: n, encrypt_type: 'aes', msg_signature: wechatSignature(TOKEN, timestamp, n, encrypt), signature: wechatSignature(TOKEN, timestamp, n) };
  return { query, body: `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` };
}

function postEncrypted(xml: string, path = '/wechat/official-account') {
  const { query, body } = encryptedRequest(xml);
  return post(body, query, path);
}

function fieldsOf(xml: string): Record<string, string> {
  const parsed = parseWechatXml(xml);
  if (!parsed.ok) throw new Error(`not XML: ${parsed.reason}: ${xml.slice(0, 100)}`);
  return { ...xmlFields(parsed.root) };
}

const conversationOf = (openid: string) => server.db.prisma.conversation.findUnique({ where: { channel_externalUserId_externalChatId: { channel: 'official_account', externalUserId: openid, externalChatId: '' } } });
const outboundOf = async (openid: string) => {
  const c = await conversationOf(openid);
  return c ? server.db.prisma.message.findMany({ where: { conversationId: c.id, direction: 'outbound' }, orderBy: { seq: 'asc' } }) : [];
};
const sentTo = (openid: string) => fake.sent.filter((m) => m.touser === openid).map((m) => (m.body.text as { content: string } | undefined)?.content ?? m.msgtype);
const idle = () => server.conversations!.outbox.idle();

describe(`WeChat official account on ${testDatabaseKind()}`, () => {
  it("answers WeChat's server-address check only when signed", async () => {
    const ok = await server.app.inject({ url: `/wechat/official-account?${new URLSearchParams(signed({ echostr: '5837146502948576' }))}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('5837146502948576');
    const bad = await server.app.inject({ url: `/wechat/official-account?${new URLSearchParams({ ...signed({ echostr: '5837146502948576' }), signature: 'a'.repeat(40) })}` });
    expect(bad.statusCode).toBe(401);
    expect(bad.body).not.toContain('5837146502948576');
  });

  it('answers a plaintext message passively, with the turn’s text replies in one message, and sends nothing else', async () => {
    const res = await post(textXml('oPlain', '张三'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/xml/);
    const f = fieldsOf(res.body);
    expect(f).toMatchObject({ ToUserName: 'oPlain', FromUserName: ACCOUNT, MsgType: 'text', Content: `${ECHO.askName}\n\n${ECHO.greeting('张三')}`, CreateTime: now() });
    await idle();
    expect(sentTo('oPlain')).toEqual([]);
    expect((await outboundOf('oPlain')).map((m) => m.deliveryStatus)).toEqual(['delivered', 'delivered']);
  });

  it('answers an encrypted message with an encrypted, signed passive reply', async () => {
    const res = await postEncrypted(textXml('oSafe', '李四'));
    expect(res.statusCode).toBe(200);
    const envelope = fieldsOf(res.body);
    expect(envelope.MsgSignature).toBe(wechatSignature(TOKEN, envelope.TimeStamp!, envelope.Nonce!, envelope.Encrypt!));
    const inner = decryptMessage(envelope.Encrypt!, aesKeyOf(AES_KEY), APP_ID);
    expect(inner.ok).toBe(true);
    expect(inner.ok && fieldsOf(inner.message)).toMatchObject({ ToUserName: 'oSafe', MsgType: 'text', Content: `${ECHO.askName}\n\n${ECHO.greeting('李四')}` });
  });

  it('sends the first reply passively and the rest by customer-service message, after the response', async () => {
    const res = await post(textXml('oSplit', '王五'), signed(), '/wechat/split');
    expect(fieldsOf(res.body).Content).toBe(ECHO.askName);
    await vi.waitFor(() => expect(sentTo('oSplit')).toEqual([ECHO.greeting('王五')]));
    await idle();
    expect((await outboundOf('oSplit')).map((m) => m.deliveryStatus)).toEqual(['delivered', 'delivered']);
  });

  it('answers `success` at once when the turn outlasts the budget, then delivers every reply by customer-service message', async () => {
    // The echo machine needs LOOKUP_MS for a new person's name; this route waits 100 ms.
    const res = await post(textXml('oSlow', '赵六'), signed(), '/wechat/slow');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('success');
    await vi.waitFor(() => expect(sentTo('oSlow')).toEqual([ECHO.askName, ECHO.greeting('赵六')]), { timeout: 5_000 });
    await idle();
    expect((await outboundOf('oSlow')).map((m) => m.deliveryStatus)).toEqual(['delivered', 'delivered']);
  });

  it('refuses a wrong or missing signature with 401 and never calls the runtime', async () => {
    const receive = vi.spyOn(server.conversations!.runtime, 'receive');
    try {
      const forged = await post(textXml('oForged', '我要借款'), { ...signed(), signature: wechatSignature('wrongToken', now(), 'x') });
      expect(forged.statusCode).toBe(401);
      expect(forged.json().error.code).toBe('WECHAT_SIGNATURE_INVALID');
      expect((await post(textXml('oForged', '我要借款'), { timestamp: now(), nonce: 'n1' })).statusCode).toBe(401);
      const q = signed();
      const badMsgSignature = await post(`<xml><Encrypt><![CDATA[${encryptMessage(textXml('oForged', 'x'), aesKeyOf(AES_KEY), APP_ID)}]]></Encrypt></xml>`, { ...q, encrypt_type: 'aes', msg_signature: q.signature! });
      expect(badMsgSignature.statusCode).toBe(401);
      expect(receive).not.toHaveBeenCalled();
      expect(await conversationOf('oForged')).toBeNull();
    } finally {
      receive.mockRestore();
    }
  });

  it('refuses XML bombs, DOCTYPEs, malformed XML and oversized bodies with 4xx, and keeps serving', async () => {
    const receive = vi.spyOn(server.conversations!.runtime, 'receive');
    try {
      const lol = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>';
      const bomb = await post(`${lol}${textXml('oBomb', '&lol2;')}`);
      expect(bomb.statusCode).toBe(400);
      expect(bomb.json().error.code).toBe('WECHAT_MESSAGE_INVALID');
      const xxe = await post(`<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><FromUserName>&xxe;</FromUserName></xml>`);
      expect(xxe.statusCode).toBe(400);
      expect((await post('<xml><ToUserName>gh</ToUserName><FromUserName>o1')).statusCode).toBe(400);
      expect((await post('not xml at all')).statusCode).toBe(400);
      expect((await post('')).statusCode).toBe(400);
      expect((await post(textXml('oBomb', '\u0001'))).statusCode).toBe(400);
      const big = await post(textXml('oBomb', '借'.repeat(6_000)));
      expect(big.statusCode).toBe(413);
      const encryptedBomb = await postEncrypted(`${lol}<xml><A>&lol2;</A></xml>`);
      expect(encryptedBomb.statusCode).toBe(400);
      expect(receive).not.toHaveBeenCalled();
    } finally {
      receive.mockRestore();
    }
    // The next valid request is served as usual, with any content type.
    const after = await post(textXml('oBomb', '孙七'), signed(), '/wechat/official-account', 'application/xml');
    expect(after.statusCode).toBe(200);
    expect(fieldsOf(after.body).Content).toContain(ECHO.greeting('孙七'));
  });

  it('processes a redelivered message once (dedupe by MsgId) and answers the repeat with `success`', async () => {
    const msgId = nextMsgId();
    const first = await post(textXml('oDup', '周八', msgId));
    expect(fieldsOf(first.body).Content).toContain(ECHO.greeting('周八'));
    const again = await post(textXml('oDup', '周八', msgId));
    expect(again.body).toBe('success');
    const c = await conversationOf('oDup');
    const inbound = await server.db.prisma.message.findMany({ where: { conversationId: c!.id, direction: 'inbound' } });
    expect(inbound.map((m) => m.channelMessageId)).toEqual([`msg:${msgId}`]);
    // An event redelivered (same openid and CreateTime) is deduplicated the same way.
    const at = now();
    await post(eventXml('oDup', 'CLICK', 'HELP', at));
    expect((await post(eventXml('oDup', 'CLICK', 'HELP', at))).body).toBe('success');
    expect(await server.db.prisma.message.count({ where: { conversationId: c!.id, direction: 'inbound' } })).toBe(2);
  });

  it('keeps the QR scene as the conversation’s referral and attributes a known borrower to the manager', async () => {
    const sub = await post(eventXml('oNewcomer', 'subscribe', 'qrscene_mgr_ZS001'));
    expect(fieldsOf(sub.body).Content).toContain(ECHO.askName);
    expect((await conversationOf('oNewcomer'))?.referral).toBe('mgr_ZS001');

    const staff = await server.db.prisma.staffUser.create({ data: { username: `zs-${randomUUID()}`, displayName: '张经理', roles: ['manager'], passwordHash: 'x', referralCode: 'ZS001' } });
    const campaign = await server.db.prisma.campaign.create({ data: { code: 'spring', name: '春季快贷', content: {} } });
    const borrower = await server.db.prisma.borrower.create({ data: { name: '钱九' } });
    await post(textXml('oKnown', '钱九'));
    await post(textXml('oKnown', `我是 ${borrower.id}`));
    expect((await conversationOf('oKnown'))?.borrowerId).toBe(borrower.id);

    const scan = await post(eventXml('oKnown', 'SCAN', 'mgr_ZS001'));
    expect(scan.statusCode).toBe(200);
    const attributed = await server.db.prisma.borrower.findUniqueOrThrow({ where: { id: borrower.id } });
    expect(attributed).toMatchObject({ attributedStaffId: staff.id, attributedCampaignId: null, firstTouch: 'mgr_ZS001' });
    expect((await conversationOf('oKnown'))?.referral).toBe('mgr_ZS001');
    const audit = await server.db.prisma.auditLog.findFirst({ where: { action: 'borrower.attributed', subjectId: borrower.id } });
    expect(audit?.detail).toMatchObject({ channel: 'official_account', scene: 'mgr_ZS001', attributedStaffId: staff.id });
    // First touch wins: a later campaign scan leaves the borrower with the manager.
    await post(eventXml('oKnown', 'SCAN', `cmp_${campaign.code}`));
    expect(await server.db.prisma.borrower.findUniqueOrThrow({ where: { id: borrower.id } })).toMatchObject({ attributedStaffId: staff.id, attributedCampaignId: null });
  });

  it('answers menu clicks with the words they stand for, and unsubscribes without a turn', async () => {
    await post(textXml('oMenu', '吴十'));
    const click = await post(eventXml('oMenu', 'CLICK', 'APPLY'));
    expect(fieldsOf(click.body).Content).toBe(ECHO.echo('申请'));
    const receive = vi.spyOn(server.conversations!.runtime, 'receive');
    try {
      const unsub = await post(eventXml('oMenu', 'unsubscribe'));
      expect(unsub.body).toBe('success');
      expect(receive).not.toHaveBeenCalled();
    } finally {
      receive.mockRestore();
    }
  });

  it('caches the access token and fetches a new one once when WeChat says 40001', async () => {
    const c = await conversationOf('oPlain');
    const issued = fake.tokensIssued;
    const tokenCalls = () => fake.callsTo('/cgi-bin/stable_token').length;
    const before = tokenCalls();
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: clock.now().getTime() });
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.message', staffId: 's1', text: '您好，我是客服小陈', at: clock.now().getTime() });
    await idle();
    expect(sentTo('oPlain')).toEqual([ECHO.takeover('小陈'), '您好，我是客服小陈']);
    expect(tokenCalls()).toBe(before);

    fake.revokeTokens();
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.message', staffId: 's1', text: '请问还在吗？', at: clock.now().getTime() });
    await idle();
    expect(sentTo('oPlain').at(-1)).toBe('请问还在吗？');
    expect(tokenCalls()).toBe(before + 1);
    expect(fake.tokensIssued).toBe(issued + 1);
    const refused = fake.callsTo('/cgi-bin/message/custom/send').filter((call) => call.body && (call.body as { text?: { content?: string } }).text?.content === '请问还在吗？');
    expect(refused).toHaveLength(2);
  });

  it('marks a message undeliverable at once when WeChat says the person cannot be reached, and retries a transient failure', async () => {
    const c = await conversationOf('oSplit');
    fake.failNext('/cgi-bin/message/custom/send', 45015);
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: clock.now().getTime() });
    await idle();
    const [gone] = (await outboundOf('oSplit')).slice(-1);
    expect(gone).toMatchObject({ deliveryStatus: 'failed', nextAttemptAt: null, deliveryError: expect.stringMatching(/^undeliverable: outside the customer-service window/) });

    fake.failNext('/cgi-bin/message/custom/send', -1);
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.message', staffId: 's1', text: '稍等', at: clock.now().getTime() });
    await idle();
    const [retrying] = (await outboundOf('oSplit')).slice(-1);
    expect(retrying).toMatchObject({ deliveryStatus: 'pending', deliveryAttempts: 1, deliveryError: expect.stringMatching(/errcode -1/) });
    clock.advance(5_000);
    await server.conversations!.outbox.runDue();
    await idle();
    expect(sentTo('oSplit').at(-1)).toBe('稍等');
  });

  it('sends a long reply as several text messages and resumes where it stopped after a failure', async () => {
    await post(textXml('oLong', '冯十二'));
    const c = await conversationOf('oLong');
    const rows = Array.from({ length: 100 }, (_, i) => `第${i + 1}期 2026-${String((i % 12) + 1).padStart(2, '0')}-15 应还 8,628.72 元`);
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: clock.now().getTime() });
    await idle();
    // The second piece is refused (system busy): the first is sent once, and the retry continues with the second.
    fake.failNext('/cgi-bin/message/custom/send', -1, 1, 1);
    const before = fake.sent.length;
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.message', staffId: 's1', text: rows.join('\n'), at: clock.now().getTime() });
    await idle();
    expect(fake.sent.length).toBe(before + 1);
    clock.advance(5_000);
    await server.conversations!.outbox.runDue();
    await idle();
    const pieces = fake.sent.slice(before).map((m) => (m.body.text as { content: string }).content);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(2048);
    expect(pieces.join('\n')).toBe(rows.join('\n'));
    expect((await outboundOf('oLong')).at(-1)).toMatchObject({ deliveryStatus: 'delivered', deliveryAttempts: 2 });
  });

  it('sends customer-service messages only within 48 hours of the person’s last message', async () => {
    await post(textXml('oWindow', '郑十一'));
    const c = await conversationOf('oWindow');
    const calls = () => fake.callsTo('/cgi-bin/message/custom/send').filter((call) => (call.body as { touser?: string }).touser === 'oWindow').length;
    clock.advance(47 * 3_600_000);
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: clock.now().getTime() });
    await idle();
    expect(sentTo('oWindow')).toEqual([ECHO.takeover('小陈')]);

    clock.advance(2 * 3_600_000);
    const before = calls();
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.message', staffId: 's1', text: '您的申请已通过', at: clock.now().getTime() });
    await idle();
    expect(calls()).toBe(before);
    const [late] = (await outboundOf('oWindow')).slice(-1);
    expect(late).toMatchObject({ text: '您的申请已通过', deliveryStatus: 'failed', deliveryError: expect.stringMatching(/48-hour customer-service window/) });
    // The person writes again: the window opens again.
    await post(textXml('oWindow', '在吗'));
    await server.conversations!.runtime.dispatch(c!.id, { type: 'staff.message', staffId: 's1', text: '在的', at: clock.now().getTime() });
    await idle();
    expect(sentTo('oWindow').at(-1)).toBe('在的');
  });

  it('refuses a signed callback sent again (same timestamp and nonce) and never hands it to the runtime twice', async () => {
    const { query, body } = encryptedRequest(textXml('oReplay', '褚十三'));
    const first = await post(body, query);
    expect(first.statusCode).toBe(200);
    const receive = vi.spyOn(server.conversations!.runtime, 'receive');
    try {
      const again = await post(body, query);
      expect(again.statusCode).toBe(401);
      expect(again.json().error).toMatchObject({ code: 'WECHAT_CALLBACK_REPLAYED', message: expect.stringMatching(/nonce already used/) });
      // Even on another route of the same account (another instance shares the memory through the database).
      expect((await post(body, query, '/wechat/split')).statusCode).toBe(401);
      expect(receive).not.toHaveBeenCalled();
    } finally {
      receive.mockRestore();
    }
    // A plaintext callback (compatible mode in this test; production accepts safe mode only) the same.
    const q = signed();
    expect((await post(textXml('oReplay', '在吗'), q)).statusCode).toBe(200);
    const replayed = await post(textXml('oReplay', '我要借款'), q);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().error.code).toBe('WECHAT_CALLBACK_REPLAYED');
  });

  it('refuses a callback signed more than 300 s from now, however well signed: a URL from 2001 gets nothing back', async () => {
    const receive = vi.spyOn(server.conversations!.runtime, 'receive');
    const at = (offsetS: number) => String(Math.floor(clock.now().getTime() / 1000) + offsetS);
    try {
      for (const timestamp of [at(-301), at(301), '1000000000']) {
        const { query, body } = encryptedRequest(textXml('oStale', '卫十四'), timestamp);
        const res = await post(body, query);
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toMatchObject({ code: 'WECHAT_CALLBACK_REPLAYED', message: expect.stringMatching(/more than 300 s from now/) });
        // The plaintext form of the 2001 attack: a signed URL reused with another body and another openid.
        const n = nonce();
        const stale = await post(textXml('oVictim', '我要借款'), { timestamp, nonce: n, signature: wechatSignature(TOKEN, timestamp, n) });
        expect(stale.statusCode).toBe(401);
      }
      expect(receive).not.toHaveBeenCalled();
    } finally {
      receive.mockRestore();
    }
    // Within the window either way, it is served.
    for (const offset of [-299, 299]) {
      const { query, body } = encryptedRequest(textXml('oStale', '卫十四'), at(offset));
      expect((await post(body, query)).statusCode).toBe(200);
    }
  });

  it("refuses a replayed or stale server-address check, echoing nothing", async () => {
    const query = signed({ echostr: '5837146502948576' });
    expect((await server.app.inject({ url: `/wechat/official-account?${new URLSearchParams(query)}` })).body).toBe('5837146502948576');
    const again = await server.app.inject({ url: `/wechat/official-account?${new URLSearchParams(query)}` });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('WECHAT_CALLBACK_REPLAYED');
    expect(again.body).not.toContain('5837146502948576');
    const timestamp = String(Math.floor(clock.now().getTime() / 1000) - 3_600);
    const n = nonce();
    const old = await server.app.inject({ url: `/wechat/official-account?${new URLSearchParams({ timestamp, nonce: n, signature: wechatSignature(TOKEN, timestamp, n), echostr: '42' })}` });
    expect(old.statusCode).toBe(401);
    expect(old.body).not.toContain('"42"');
  });

  it('remembers nonces in the database, so a second instance refuses what the first admitted, and forgets them after the window', async () => {
    const first = createCallbackReplayGuard({ prisma: server.db.prisma, clock, appId: 'wxSharedTest0000000' });
    const second = createCallbackReplayGuard({ prisma: server.db.prisma, clock, appId: 'wxSharedTest0000000' });
    const ts = now();
    expect(await first.admit('message', ts, 'n-shared')).toEqual({ ok: true });
    expect(await second.admit('message', ts, 'n-shared')).toEqual({ ok: false, reason: 'nonce already used' });
    // The GET check and another account keep nonces of their own.
    expect(await second.admit('verify', ts, 'n-shared')).toEqual({ ok: true });
    expect(await createCallbackReplayGuard({ prisma: server.db.prisma, clock, appId: 'wxOtherAccount00000' }).admit('message', ts, 'n-shared')).toEqual({ ok: true });
    const kept = () => server.db.prisma.callbackNonce.count({ where: { id: { startsWith: 'wxSharedTest0000000:' } } });
    expect(await kept()).toBe(2);
    // Past the window the timestamp alone refuses it, and the next admission sweeps the old rows away.
    clock.advance(301_000);
    expect(await second.admit('message', ts, 'n-shared')).toMatchObject({ ok: false, reason: expect.stringMatching(/from now/) });
    expect(await second.admit('message', now(), 'n-later')).toEqual({ ok: true });
    expect(await kept()).toBe(1);
  });
});
