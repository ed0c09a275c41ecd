import { afterAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { openDatabase } from '../server/db/index.js';
import { checkBooks } from '../server/services/index.js';
import { startServerProcess, type ServerProcess } from './support/serverProcess.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The server killed between a payout and its record (crash point `disburse.after_payout`, a real
 * SIGKILL), then started again: the same message redelivered finishes the drawdown by its key, and
 * one nobody redelivers is finished by the payment recovery job at start-up. Either way one payout,
 * one active drawdown, the borrower gets the receipt, and the books balance.
 */
const person = demoPersona('excellent').profile.person;
const USER = 'payout-crash';

interface ReplyBody {
  text: string;
  options?: { label: string; value: string }[];
  card?: Record<string, unknown> & { type: string };
}

let database: TestDatabase;
let server: ServerProcess | undefined;
afterAll(async () => {
  server?.child.kill('SIGKILL');
  await database?.drop();
});

describe(`a crash between the payout and its record, on ${testDatabaseKind()}`, () => {
  it('the redelivered message finishes the drawdown by its key; one nobody redelivers is finished by the recovery job at start-up', async () => {
    database = await createTestDatabase({ persistent: true });
    const env = { DATABASE_URL: database.url, RECOVERY_AFTER_MS: '600000' };
    let n = 0;
    const start = async (extra: Record<string, string> = {}) => {
      if (server) {
        server.child.kill('SIGTERM');
        await server.exit;
      }
      server = await startServerProcess({ SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '100', ...env, ...extra });
    };
    const post = (messageId: string, text: string) =>
      fetch(`${server!.url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: USER, messageId, text }), signal: AbortSignal.timeout(30_000) });
    const say = async (text: string, messageId = `m${++n}`): Promise<ReplyBody[]> => {
      const res = await post(messageId, text);
      const body = await res.text();
      expect(res.status, body).toBe(200);
      return (JSON.parse(body) as { replies: ReplyBody[] }).replies;
    };
    const texts = (rs: ReplyBody[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');
    const receiptOf = (rs: ReplyBody[]) => rs.find((r) => r.card?.type === 'receipt')?.card;
    /** Sends 确认借款, then its step-up code to a server armed to die right after the payout: the request dies with it. */
    const confirmAndCrash = async (): Promise<string> => {
      expect(texts(await say('确认借款'))).toContain('需要短信确认');
      await start({ KUAIDAI_CRASH_AT: 'disburse.after_payout' });
      const messageId = `m${++n}`;
      await expect(post(messageId, '123456')).rejects.toThrow();
      expect(await server!.exit).toEqual({ code: null, signal: 'SIGKILL' });
      server = undefined;
      return messageId;
    };

    await start();
    for (const text of ['你好', '申请额度', '1', person.name, person.idNumber, person.mobile, '123456', '家庭装修', '20万', '确认提交', '同意全部授权', '接受额度']) await say(text);
    expect(texts(await say('我已阅读并同意'))).toContain('额度已开通');
    for (const text of ['借款', '3万', '12']) await say(text);
    expect(texts(await say('等额本息'))).toContain('确认');

    // 1. Killed after the payout; started again; the channel sends the same message again.
    const first = await confirmAndCrash();
    await start();
    const receipt = await say('123456', first);
    expect(receiptOf(receipt)).toMatchObject({ kind: 'drawdown', amount: '30,000.00' });
    expect(receiptOf(await say('123456', first))).toMatchObject({ kind: 'drawdown', amount: '30,000.00' }); // once more: the same receipt

    // 2. Killed after the payout again; nobody redelivers. A server started with a short recovery
    // delay finishes it from the gateway's record at start-up; a late redelivery gets the receipt.
    for (const text of ['借款', '3万', '12', '等额本息']) await say(text);
    const second = await confirmAndCrash();
    await new Promise((r) => setTimeout(r, 1_100));
    await start({ RECOVERY_AFTER_MS: '1000' });
    const deadline = Date.now() + 20_000;
    while (!server!.stdout().includes('payment recovery settled payments left half-done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(server!.stdout()).toContain('payment recovery: disbursement completed');
    expect(receiptOf(await say('123456', second))).toMatchObject({ kind: 'drawdown', amount: '30,000.00' });
    server!.child.kill('SIGTERM');
    await server!.exit;
    server = undefined;

    const db = await openDatabase(testConfig(database).database);
    try {
      const drawdowns = await db.prisma.drawdown.findMany();
      expect(drawdowns.map((d) => [d.status, Number(d.amountFen)])).toEqual([['active', 3_000_000], ['active', 3_000_000]]);
      expect(new Set(drawdowns.map((d) => d.idempotencyKey)).size).toBe(2);
      expect(await db.prisma.sandboxPayment.count({ where: { kind: 'disburse' } })).toBe(2);
      expect(await db.prisma.idempotencyRecord.count({ where: { scope: 'disburse.pending' } })).toBe(0);
      expect(await db.prisma.auditLog.count({ where: { action: 'drawdown.disbursed', detail: { path: ['recovered'], equals: true } } })).toBe(1);
      const line = await db.prisma.creditLine.findFirstOrThrow();
      expect(Number(line.limitFen) - Number(line.availableFen)).toBe(6_000_000);
      expect(await checkBooks(db.prisma)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 240_000);
});
