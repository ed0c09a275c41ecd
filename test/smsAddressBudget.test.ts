import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMobile, generateResidentId } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * SMS codes per client address, end to end over REST: the address of each request reaches the
 * code's budget (as a keyed tag), so one address cannot send codes to many phones by minting chat
 * users. Made-up people (valid synthetic ID numbers verify as typed in the sandbox).
 */
describe(`SMS codes per client address, over REST on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  const clock = manualClock('2026-11-22T02:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0', SMS_MAX_PER_ADDRESS_PER_HOUR: '2' }), createLogger('silent'), { clock, spec: createLendingConversation });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const say = async (userId: string, n: number, text: string, remoteAddress: string): Promise<string> => {
    clock.advance(1_000);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', remoteAddress, payload: { userId, messageId: `m${n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
  };
  const askCode = async (userId: string, person: { name: string; idNumber: string; mobile: string }, address: string): Promise<string> => {
    let n = 0;
    for (const text of ['你好', '申请额度', '1', person.name, person.idNumber]) await say(userId, ++n, text, address);
    return say(userId, ++n, person.mobile, address);
  };
  const people = ['李明', '王芳', '赵磊', '刘洋'].map((name, i) => ({
    name,
    idNumber: generateResidentId({ regionCode: '430702', birthDate: `1985-0${i + 1}-12`, sex: i % 2 ? 'female' : 'male', serial: 300 + i }),
    mobile: generateMobile(7_300_000 + i),
  }));

  it('sends two codes for one address, then refuses a third chat user there; another address is not affected', async () => {
    expect(await askCode('addr-u0', people[0]!, '203.0.113.7')).toContain('验证码已发送');
    expect(await askCode('addr-u1', people[1]!, '203.0.113.7')).toContain('验证码已发送');
    expect(await askCode('addr-u2', people[2]!, '203.0.113.7')).toContain('验证码发送太频繁');
    expect(await askCode('addr-u3', people[3]!, '198.51.100.9')).toContain('验证码已发送');
    const stored = await server.db.prisma.otpChallenge.findMany({ select: { origin: true } });
    expect(stored).toHaveLength(3);
    // The address is kept only as a keyed tag.
    for (const { origin } of stored) expect(origin).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.stringify(stored)).not.toContain('203.0.113.7');
  });
});
