import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../server/clock.js';
import { applyMigrations, openDatabase, type Database, type PrismaClient } from '../server/db/index.js';
import type { AudienceSpec, CampaignChannel, Recipient } from '../server/studio/contracts.js';
import { countAudience, resolveAudience } from '../server/studio/resolveAudience.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The campaign audience over real SQL: each criterion (tags, loan states, pre-credit whitelist,
 * branch, manager), one recipient per person on their most recently active chat, channel users
 * without a borrower only for an audience without criteria, and keyset paging through thousands.
 */
describe(`resolveAudience on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let db: Database;
  let prisma: PrismaClient;
  const clock = manualClock('2026-12-07T02:00:00Z'); // Beijing 2026-12-07 10:00
  const deps = () => ({ prisma, clock });
  const ids: Record<string, string> = {};
  const managerId = randomUUID();
  const batchId = randomUUID();

  const at = (iso: string) => new Date(iso);
  async function borrower(name: string, o: { tags?: string[]; branch?: string; manager?: string; phoneHash?: string } = {}) {
    const b = await prisma.borrower.create({ data: { name, tags: o.tags ?? [], attributedBranch: o.branch ?? null, attributedStaffId: o.manager ?? null, phoneHash: o.phoneHash ?? null } });
    ids[name] = b.id;
    return b.id;
  }
  async function chat(channel: 'web' | 'official_account' | 'wechat', user: string, borrowerId: string | null, lastInboundAt: string, chatId = '') {
    const c = await prisma.conversation.create({ data: { channel, externalUserId: user, externalChatId: chatId, borrowerId, machineId: 'lending', machineVersion: 1, lastInboundAt: at(lastInboundAt) } });
    return c.id;
  }
  async function line(borrowerId: string, status: 'active' | 'frozen' | 'closed', draws: { status: 'active' | 'settled' | 'failed'; due?: { date: string; status: 'scheduled' | 'overdue' | 'paid' } }[] = [], dpd = 0) {
    const l = await prisma.creditLine.create({
      data: { borrowerId, productId: 'p', limitFen: 1_000_000n, availableFen: 1_000_000n, ratePpm: 64_800, validFrom: at('2026-06-01'), validUntil: at('2027-06-01'), reviewAt: at('2027-06-01'), status, dpd },
    });
    for (const d of draws) {
      const dd = await prisma.drawdown.create({ data: { creditLineId: l.id, amountFen: 100_000n, termMonths: 3, method: 'equal_installment', ratePpm: 64_800, status: d.status, idempotencyKey: randomUUID(), startDate: at('2026-11-10') } });
      if (d.due) await prisma.installment.create({ data: { drawdownId: dd.id, period: 1, dueDate: at(d.due.date), principalFen: 30_000n, interestFen: 500n, status: d.due.status } });
    }
  }
  const all = async (spec: AudienceSpec, channels: CampaignChannel[] = ['web', 'official_account'], limit = 100): Promise<Recipient[]> => {
    const out: Recipient[] = [];
    for (let after: string | undefined; ; ) {
      const page = await resolveAudience(deps())(spec, { channels, after, limit });
      out.push(...page);
      if (page.length < limit) return out;
      after = page.at(-1)!.recipientKey;
    }
  };
  const names = async (spec: AudienceSpec, channels?: CampaignChannel[]) => {
    const byId = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
    return (await all(spec, channels)).map((r) => (r.borrowerId ? byId.get(r.borrowerId)! : r.recipientKey)).sort();
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase(database.target, { poolSize: 4 });
    await applyMigrations(db.adapterFactory);
    prisma = db.prisma;
    await prisma.staffUser.create({ data: { id: managerId, username: 'km9', displayName: '经理', roles: ['manager'], passwordHash: '' } });
    // 商户A: no line, two chats (the official account is newer), branch 0736, jingli's.
    const a = await borrower('A', { tags: ['商户'], branch: '0736', manager: managerId });
    ids.A_web = await chat('web', 'wa', a, '2026-12-01T02:00:00Z');
    ids.A_oa = await chat('official_account', 'oa-a', a, '2026-12-05T02:00:00Z');
    // 农户B: an active line never drawn.
    const b = await borrower('B', { tags: ['农户'], branch: '0731' });
    await chat('web', 'wb', b, '2026-12-02T02:00:00Z');
    await line(b, 'active');
    // C: an instalment due in 3 days.
    const c = await borrower('C', { tags: ['老客户'] });
    await chat('official_account', 'oa-c', c, '2026-12-02T02:00:00Z');
    await line(c, 'active', [{ status: 'active', due: { date: '2026-12-10', status: 'scheduled' } }]);
    // D: drew and repaid everything.
    const d = await borrower('D', { tags: ['商户', '老客户'], manager: managerId });
    await chat('web', 'wd', d, '2026-12-02T02:00:00Z');
    await line(d, 'active', [{ status: 'settled', due: { date: '2026-11-10', status: 'paid' } }, { status: 'failed' }]);
    // E: frozen 10 days overdue (due date passed: not "due soon"); opted out of marketing too.
    const e = await borrower('E');
    await chat('web', 'we', e, '2026-12-02T02:00:00Z');
    await line(e, 'frozen', [{ status: 'active', due: { date: '2026-11-27', status: 'overdue' } }], 10);
    await prisma.contactPreference.create({ data: { channel: 'web', externalUserId: 'we', borrowerId: null, marketingOptOut: true, optedOutAt: at('2026-12-03T02:00:00Z') } });
    // F: whitelisted in a pre-credit batch (matched by phone hash), a closed line only.
    const f = await borrower('F', { phoneHash: 'ph-f' });
    await chat('web', 'wf', f, '2026-12-02T02:00:00Z');
    await line(f, 'closed');
    await prisma.precreditBatch.create({ data: { id: batchId, fileSha256: 'x', fileName: 'c.csv', productId: 'p', expiresAt: at('2027-01-01') } });
    const entry = (rowNo: number, o: { phoneHash?: string; outcome?: string; activatedAt?: Date }) =>
      prisma.precreditEntry.create({ data: { batchId, rowNo, customerRef: `K${rowNo}`, phoneHash: o.phoneHash ?? null, outcome: o.outcome ?? 'whitelisted', activatedAt: o.activatedAt ?? null } });
    await entry(1, { phoneHash: 'ph-f' });
    await entry(2, { phoneHash: 'ph-nobody' }); // no borrower: cannot be reached on a chat
    await entry(3, { phoneHash: 'ph-a', outcome: 'excluded' });
    // G: a 商户 without any chat (unreachable); H: only in a WeChat group (groups are not personal channels).
    await borrower('G', { tags: ['商户'] });
    const h = await borrower('H', { tags: ['商户'] });
    await chat('wechat', 'wx-h', h, '2026-12-02T02:00:00Z', 'room-1');
    // Channel users not (yet) known as borrowers.
    await chat('web', 'anon-1', null, '2026-12-04T02:00:00Z');
    await chat('official_account', 'anon-oa', null, '2026-12-04T02:00:00Z');
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('without criteria: every person with a private chat on the channels, borrowers once on their latest chat, then channel users', async () => {
    const everyone = await all({}, ['web', 'official_account']);
    expect(everyone.map((r) => r.recipientKey)).toEqual([...everyone.map((r) => r.recipientKey)].sort());
    expect(await names({})).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'official_account:anon-oa', 'web:anon-1']);
    expect(everyone.find((r) => r.borrowerId === ids.A)).toEqual({ recipientKey: `borrower:${ids.A}`, channel: 'official_account', target: 'oa-a', borrowerId: ids.A, conversationId: ids.A_oa });
    // Only the web chat: A is reached there; C (official account only) and the official-account user drop out.
    expect(await names({}, ['web'])).toEqual(['A', 'B', 'D', 'E', 'F', 'web:anon-1']);
    expect((await all({}, ['web'])).find((r) => r.borrowerId === ids.A)?.conversationId).toBe(ids.A_web);
    expect(await all({}, ['wecom_robot', 'wechaty_room'])).toEqual([]);
  });

  it('selects by tags, branches and managers (ORed within a list, ANDed across)', async () => {
    expect(await names({ tags: ['商户'] })).toEqual(['A', 'D']);
    expect(await names({ tags: ['农户', '老客户'] })).toEqual(['B', 'C', 'D']);
    expect(await names({ branches: ['0736', '0731'] })).toEqual(['A', 'B']);
    expect(await names({ managerIds: [managerId] })).toEqual(['A', 'D']);
    expect(await names({ tags: ['商户'], managerIds: [managerId], branches: ['0736'] })).toEqual(['A']);
  });

  it('selects by loan state: no line, line never drawn, due within 7 days, paid off', async () => {
    expect(await names({ loanStates: ['no_line'] })).toEqual(['A', 'F']);
    expect(await names({ loanStates: ['line_unused'] })).toEqual(['B']);
    expect(await names({ loanStates: ['due_soon'] })).toEqual(['C']);
    expect(await names({ loanStates: ['paid_off'] })).toEqual(['D']);
    expect(await names({ loanStates: ['line_unused', 'paid_off'] })).toEqual(['B', 'D']);
    clock.set('2026-12-01T02:00:00Z'); // ten days before C's due date: not yet due soon
    expect(await names({ loanStates: ['due_soon'] })).toEqual([]);
    clock.set('2026-12-07T02:00:00Z');
  });

  it('selects a pre-credit whitelist matched to borrowers, and counts the entries no chat reaches', async () => {
    expect(await names({ precreditBatchId: batchId })).toEqual(['F']);
    expect(await countAudience(deps(), { precreditBatchId: batchId }, ['web'])).toEqual({ total: 1, optedOut: 0, overdue: 0, precreditUnreachable: 1 });
  });

  it('counts an audience with how many are opted out or overdue now', async () => {
    expect(await countAudience(deps(), {}, ['web', 'official_account', 'wecom_robot'])).toEqual({ total: 8, optedOut: 1, overdue: 1 });
    expect(await countAudience(deps(), { tags: ['商户'] }, ['web'])).toEqual({ total: 2, optedOut: 0, overdue: 0 });
    expect(await countAudience(deps(), {}, ['wechaty_room'])).toEqual({ total: 0, optedOut: 0, overdue: 0 });
  });

  it('pages through 3,000 recipients in recipientKey order, each once, whatever the page size', async () => {
    // Bulk seed: 2,000 borrowers tagged 批量 each with a web chat (half also on the official account), 1,000 channel users.
    await prisma.$executeRawUnsafe(`
      WITH b AS (INSERT INTO "Borrower" (id, tags, "updatedAt") SELECT gen_random_uuid(), ARRAY['批量'], now() FROM generate_series(1, 2000) RETURNING id)
      INSERT INTO "Conversation" (id, channel, "externalUserId", "borrowerId", "machineId", "machineVersion", "lastInboundAt", "updatedAt")
      SELECT gen_random_uuid(), 'web', 'bulk-' || b.id::text, b.id, 'lending', 1, now(), now() FROM b`);
    await prisma.$executeRawUnsafe(`
      INSERT INTO "Conversation" (id, channel, "externalUserId", "borrowerId", "machineId", "machineVersion", "lastInboundAt", "updatedAt")
      SELECT gen_random_uuid(), 'official_account', 'bulk-oa-' || c."borrowerId"::text, c."borrowerId", 'lending', 1, now() + interval '1 hour', now()
      FROM "Conversation" c WHERE c."externalUserId" LIKE 'bulk-%' AND c.channel = 'web' AND get_byte(uuid_send(c."borrowerId"), 15) % 2 = 0`);
    await prisma.$executeRawUnsafe(`
      INSERT INTO "Conversation" (id, channel, "externalUserId", "machineId", "machineVersion", "updatedAt")
      SELECT gen_random_uuid(), CASE WHEN n % 2 = 0 THEN 'web'::"Channel" ELSE 'official_account'::"Channel" END, 'u' || lpad(n::text, 5, '0') || CASE WHEN n % 3 = 0 THEN 'Z' ELSE 'a' END, 'lending', 1, now()
      FROM generate_series(1, 1000) n`);
    const tagged = await all({ tags: ['批量'] }, ['web', 'official_account'], 257);
    expect(tagged).toHaveLength(2000);
    expect(new Set(tagged.map((r) => r.recipientKey)).size).toBe(2000);
    expect(tagged.filter((r) => r.channel === 'official_account').length).toBeGreaterThan(800); // the newer chat wins
    for (const size of [1000, 333]) {
      const keys = (await all({}, ['web', 'official_account'], size)).map((r) => r.recipientKey);
      expect(keys).toHaveLength(2000 + 1000 + 8);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toEqual([...keys].sort());
    }
    expect((await countAudience(deps(), {}, ['web', 'official_account'])).total).toBe(3008);
    await expect(resolveAudience(deps())({}, { channels: ['web'], after: 'borrower:nope', limit: 10 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
