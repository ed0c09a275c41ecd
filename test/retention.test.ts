import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../server/config/index.js';
import { applyMigrations, openDatabase, type Database } from '../server/db/index.js';
import { createLogger } from '../server/logging/index.js';
import { readArchive, runRetention, type ArchivedRow, type RetentionSummary } from '../server/retention/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const DAY = 86_400_000;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY);
const yearsAgo = (y: number) => new Date(Date.UTC(now.getUTCFullYear() - y, now.getUTCMonth(), Math.min(now.getUTCDate(), 28)));

type Prisma = Database['prisma'];

/** A borrower with one line, one drawdown of one instalment paid by one repayment, their ledger postings and classification, all last touched at `at`. */
async function loanFile(prisma: Prisma, borrowerId: string, at: Date, open: boolean) {
  const application = await prisma.application.create({ data: { borrowerId, productId: 'demo', status: 'accepted', createdAt: at, updatedAt: at } });
  const decision = await prisma.decision.create({ data: { applicationId: application.id, outcome: 'approved', modelVersion: 't', createdAt: at } });
  const line = await prisma.creditLine.create({
    data: { borrowerId, productId: 'demo', decisionId: decision.id, limitFen: 1_000_000n, availableFen: open ? 500_000n : 1_000_000n, ratePpm: 64_800, validFrom: at, validUntil: at, reviewAt: at, status: open ? 'active' : 'closed', createdAt: at, updatedAt: at },
  });
  const drawdown = await prisma.drawdown.create({
    data: { creditLineId: line.id, amountFen: 500_000n, termMonths: 1, method: 'bullet', ratePpm: 64_800, status: open ? 'active' : 'settled', idempotencyKey: randomUUID(), startDate: at, createdAt: at, updatedAt: at },
  });
  const installment = await prisma.installment.create({ data: { drawdownId: drawdown.id, period: 1, dueDate: at, principalFen: 500_000n, interestFen: 2_700n, status: open ? 'scheduled' : 'paid' } });
  const repayment = await prisma.repayment.create({ data: { creditLineId: line.id, drawdownId: drawdown.id, amountFen: 502_700n, kind: 'payoff', idempotencyKey: randomUUID(), paidAt: at, createdAt: at } });
  await prisma.repaymentAllocation.create({ data: { repaymentId: repayment.id, installmentId: installment.id, drawdownId: drawdown.id, principalFen: 500_000n, interestFen: 2_700n } });
  const postingId = randomUUID();
  await prisma.ledgerEntry.createMany({
    data: [
      { postingId, account: 'loan_principal', debitFen: 500_000n, memo: 'disbursement', refType: 'disbursement', refId: drawdown.id, bookedOn: at, createdAt: at },
      { postingId, account: 'cash', creditFen: 500_000n, memo: 'disbursement', refType: 'disbursement', refId: drawdown.id, bookedOn: at, createdAt: at },
    ],
  });
  await prisma.loanClassification.create({ data: { drawdownId: drawdown.id, creditLineId: line.id, businessDate: at, dpd: 0, bucket: 'M0', loanClass: 'normal', createdAt: at } });
  return { applicationId: application.id, decisionId: decision.id, lineId: line.id, drawdownId: drawdown.id, repaymentId: repayment.id };
}

async function conversation(prisma: Prisma, borrowerId: string | null, at: Date) {
  const c = await prisma.conversation.create({ data: { channel: 'rest', externalUserId: randomUUID(), borrowerId, machineId: 'lending', machineVersion: 1, lastSeq: 2, createdAt: at, updatedAt: at } });
  await prisma.message.createMany({
    data: [
      { conversationId: c.id, seq: 1, direction: 'inbound', channel: 'rest', author: 'borrower', text: '你好', createdAt: at },
      { conversationId: c.id, seq: 2, direction: 'outbound', channel: 'rest', author: 'bot', text: '您好', deliveryStatus: 'delivered', createdAt: at },
    ],
  });
  await prisma.consoleConversation.create({ data: { conversationId: c.id, step: 'menu', lastMessageAt: at, version: 1 } });
  await prisma.conversationNote.create({ data: { conversationId: c.id, authorId: randomUUID(), text: 'note', createdAt: at } });
  return c.id;
}

const consent = (prisma: Prisma, borrowerId: string, grantedAt: Date, revokedAt: Date | null = null) =>
  prisma.consent.create({ data: { borrowerId, source: 'credit_bureau', textVersion: 'v1', textHash: 'h', channel: 'rest', grantedAt, revokedAt } }).then((c) => c.id);

const contactLog = (prisma: Prisma, borrowerId: string, at: Date) =>
  prisma.contactLog.create({ data: { key: randomUUID(), borrowerId, purpose: 'collection', template: 'overdue', status: 'sent', sentAt: at, createdAt: at, updatedAt: at } }).then((c) => c.id);

async function archived(summary: RetentionSummary): Promise<ArchivedRow[]> {
  const rows: ArchivedRow[] = [];
  for (const file of summary.files) rows.push(...readArchive(await readFile(file)));
  return rows;
}

interface Opened {
  readonly database: TestDatabase;
  readonly db: Database;
  readonly config: Config;
  readonly archiveDir: string;
  close(): Promise<void>;
}

async function open(): Promise<Opened> {
  const database = await createTestDatabase();
  const db = await openDatabase(database.target, { poolSize: 4 });
  await applyMigrations(db.adapterFactory);
  const archiveDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-archive-'));
  const config = testConfig(database, { RETENTION_ARCHIVE_DIR: archiveDir });
  return { database, db, config, archiveDir, close: async () => (await db.close(), await database.drop(), await rm(archiveDir, { recursive: true, force: true })) };
}

describe(`retention job on ${testDatabaseKind()}`, () => {
  let o: Opened;
  let prisma: Prisma;
  const ids: Record<string, string> = {};
  let first: RetentionSummary;
  let rows: ArchivedRow[];
  const run = (options = {}) => runRetention({ prisma, logger: createLogger('silent'), retention: o.config.retention }, now, options);

  beforeAll(async () => {
    o = await open();
    prisma = o.db.prisma;
    // settled4: the line was settled 4 years ago; its old conversation may go, its loan file and consent stay.
    const settled4 = (await prisma.borrower.create({ data: {} })).id;
    Object.assign(ids, Object.fromEntries(Object.entries(await loanFile(prisma, settled4, yearsAgo(4), false)).map(([k, v]) => [`settled4.${k}`, v])));
    ids.settled4Consent = await consent(prisma, settled4, yearsAgo(6), yearsAgo(5));
    ids.settled4Conversation = await conversation(prisma, settled4, daysAgo(1200));
    ids.settled4RecentContact = await contactLog(prisma, settled4, daysAgo(365));
    // settled6: settled 6 years ago: the loan file goes (archived); the consent now counts from today.
    ids.settled6 = (await prisma.borrower.create({ data: {} })).id;
    Object.assign(ids, Object.fromEntries(Object.entries(await loanFile(prisma, ids.settled6, yearsAgo(6), false)).map(([k, v]) => [`settled6.${k}`, v])));
    ids.settled6Consent = await consent(prisma, ids.settled6, yearsAgo(7));
    // active: an open line with an active drawdown: nothing of theirs goes, however old.
    const active = (await prisma.borrower.create({ data: {} })).id;
    Object.assign(ids, Object.fromEntries(Object.entries(await loanFile(prisma, active, yearsAgo(7), true)).map(([k, v]) => [`active.${k}`, v])));
    ids.activeConversation = await conversation(prisma, active, daysAgo(1500));
    ids.activeContact = await contactLog(prisma, active, daysAgo(1000));
    // complained: no loans, but an open complaint: kept.
    const complained = (await prisma.borrower.create({ data: {} })).id;
    ids.complainedConversation = await conversation(prisma, complained, daysAgo(1500));
    await prisma.workItem.create({ data: { kind: 'complaint', status: 'in_progress', borrowerId: complained, reason: 'complaint', dueAt: daysAgo(1) } });
    // idle: nothing held, records gone 4 years ago: old conversation and consent go, an old contact log goes.
    const idle = (await prisma.borrower.create({ data: {} })).id;
    ids.idleConversation = await conversation(prisma, idle, daysAgo(1200));
    ids.idleRecentConversation = await conversation(prisma, idle, daysAgo(100));
    ids.idleConsent = await consent(prisma, idle, yearsAgo(6), yearsAgo(5));
    await prisma.auditLog.create({ data: { at: yearsAgo(4), actorType: 'system', action: 'retention.records_gone', subjectType: 'Borrower', subjectId: idle } });
    ids.idleOldContact = await contactLog(prisma, idle, daysAgo(800));
    ids.anonymousConversation = await conversation(prisma, null, daysAgo(1100));
    // Technical and short-lived rows.
    ids.oldIdem = (await prisma.idempotencyRecord.create({ data: { scope: 's', key: 'old', result: { ok: true }, createdAt: daysAgo(10) } })).id;
    ids.recentIdem = (await prisma.idempotencyRecord.create({ data: { scope: 's', key: 'recent', result: { ok: true }, createdAt: daysAgo(2) } })).id;
    ids.doneJob = (await prisma.job.create({ data: { kind: 'k', key: 'done', dueAt: daysAgo(11), payload: {}, status: 'done', doneAt: daysAgo(10), createdAt: daysAgo(11) } })).id;
    ids.recentCancelledJob = (await prisma.job.create({ data: { kind: 'k', key: 'cancelled', dueAt: daysAgo(2), payload: {}, status: 'cancelled', createdAt: daysAgo(3) } })).id;
    ids.pendingJob = (await prisma.job.create({ data: { kind: 'k', key: 'pending', dueAt: daysAgo(30), payload: {}, status: 'pending', createdAt: daysAgo(30) } })).id;
    ids.oldOtp = (await prisma.otpChallenge.create({ data: { conversationId: 'c', mobileHash: 'm', codeHash: 'x', sentAt: daysAgo(10), expiresAt: daysAgo(10) } })).id;
    await prisma.callbackNonce.create({ data: { id: 'oa:1:old', expiresAt: daysAgo(10) } });
    await prisma.callbackNonce.create({ data: { id: 'oa:2:new', expiresAt: daysAgo(0) } });
    ids.oldAudit = (await prisma.auditLog.create({ data: { at: daysAgo(1900), actorType: 'staff', action: 'staff.login', subjectType: 'StaffUser' } })).id;
    ids.recentAudit = (await prisma.auditLog.create({ data: { at: daysAgo(200), actorType: 'staff', action: 'staff.login', subjectType: 'StaffUser' } })).id;

    first = await run({ batch: 2 });
    rows = await archived(first);
  });
  afterAll(async () => {
    await o?.close();
  });

  it('keeps what a rule keeps', async () => {
    // A loan settled 4 years ago, with its whole file and the consent that authorised it.
    expect(await prisma.creditLine.count({ where: { id: ids['settled4.lineId'] } })).toBe(1);
    expect(await prisma.ledgerEntry.count({ where: { refId: ids['settled4.drawdownId'] } })).toBe(2);
    expect(await prisma.consent.count({ where: { id: ids.settled4Consent } })).toBe(1);
    // A contact log a year old; everything of a borrower with an open line or an open complaint.
    expect(await prisma.contactLog.count({ where: { id: { in: [ids.settled4RecentContact!, ids.activeContact!] } } })).toBe(2);
    expect(await prisma.conversation.count({ where: { id: { in: [ids.activeConversation!, ids.complainedConversation!, ids.idleRecentConversation!] } } })).toBe(3);
    expect(await prisma.message.count({ where: { conversationId: ids.activeConversation } })).toBe(2);
    expect(await prisma.creditLine.count({ where: { id: ids['active.lineId'] } })).toBe(1);
    // The consent of the loan file just removed counts from today.
    expect(await prisma.consent.count({ where: { id: ids.settled6Consent } })).toBe(1);
    expect(await prisma.auditLog.findFirst({ where: { action: 'retention.records_gone', subjectId: ids.settled6 } })).toMatchObject({ at: now });
    // Recent idempotency records, unfinished or recent job rows, recent audit rows, unexpired nonces.
    expect(await prisma.idempotencyRecord.count({ where: { id: ids.recentIdem } })).toBe(1);
    expect(await prisma.job.count({ where: { id: { in: [ids.recentCancelledJob!, ids.pendingJob!] } } })).toBe(2);
    expect(await prisma.auditLog.count({ where: { id: ids.recentAudit } })).toBe(1);
    expect(await prisma.callbackNonce.count({ where: { id: 'oa:2:new' } })).toBe(1);
    expect(first.kinds.conversations.held).toBe(2);
  });

  it('removes what has passed its period', async () => {
    expect(await prisma.conversation.count({ where: { id: { in: [ids.settled4Conversation!, ids.idleConversation!, ids.anonymousConversation!] } } })).toBe(0);
    expect(await prisma.message.count({ where: { conversationId: ids.idleConversation } })).toBe(0);
    expect(await prisma.consoleConversation.count({ where: { conversationId: ids.idleConversation } })).toBe(0);
    expect(await prisma.conversationNote.count({ where: { conversationId: ids.idleConversation } })).toBe(0);
    for (const table of ['application', 'creditLine', 'drawdown', 'repayment'] as const) {
      expect(await (prisma[table] as unknown as { count(a: object): Promise<number> }).count({ where: { id: ids[`settled6.${table === 'creditLine' ? 'line' : table}Id`] } })).toBe(0);
    }
    expect(await prisma.decision.count({ where: { id: ids['settled6.decisionId'] } })).toBe(0);
    expect(await prisma.installment.count({ where: { drawdownId: ids['settled6.drawdownId'] } })).toBe(0);
    expect(await prisma.ledgerEntry.count({ where: { refId: ids['settled6.drawdownId'] } })).toBe(0);
    expect(await prisma.loanClassification.count({ where: { creditLineId: ids['settled6.lineId'] } })).toBe(0);
    expect(await prisma.consent.count({ where: { id: ids.idleConsent } })).toBe(0);
    expect(await prisma.contactLog.count({ where: { id: ids.idleOldContact } })).toBe(0);
    expect(await prisma.idempotencyRecord.count({ where: { id: ids.oldIdem } })).toBe(0);
    expect(await prisma.job.count({ where: { id: ids.doneJob } })).toBe(0);
    expect(await prisma.otpChallenge.count({ where: { id: ids.oldOtp } })).toBe(0);
    expect(await prisma.callbackNonce.count({ where: { id: 'oa:1:old' } })).toBe(0);
    expect(await prisma.auditLog.count({ where: { id: ids.oldAudit } })).toBe(0);
    expect(first.kinds).toMatchObject({
      conversations: { records: 3, rows: 3 * 5 },
      loanRecords: { records: 1, rows: 10 },
      consents: { records: 1 },
      contactLogs: { records: 1 },
      idempotency: { records: 1, archived: 0 },
      jobs: { records: 1, archived: 0 },
      technical: { records: 2 },
      audit: { records: 1 },
    });
  });

  it('archives the rows of archived kinds to gzip JSON Lines, parents first, and deletes the others without archive', async () => {
    expect(first.files.every((f) => f.startsWith(o.archiveDir) && f.endsWith('.jsonl.gz'))).toBe(true);
    const of = (table: string) => rows.filter((r) => r.table === table);
    expect(of('Conversation').map((r) => r.row.id).sort()).toEqual([ids.settled4Conversation, ids.idleConversation, ids.anonymousConversation].sort());
    expect(of('Message').filter((r) => r.row.conversationId === ids.idleConversation).map((r) => r.row.text)).toEqual(expect.arrayContaining(['你好', '您好']));
    expect(of('CreditLine').map((r) => r.row.id)).toEqual([ids['settled6.lineId']]);
    expect(of('LedgerEntry')).toHaveLength(2);
    expect(of('Drawdown')[0]!.row).toMatchObject({ id: ids['settled6.drawdownId'], status: 'settled', amountFen: 500000 });
    expect(of('Consent').map((r) => r.row.id)).toEqual([ids.idleConsent]);
    expect(of('AuditLog').map((r) => r.row.id)).toEqual([ids.oldAudit]);
    expect(of('IdempotencyRecord')).toHaveLength(0);
    expect(of('Job')).toHaveLength(0);
    const loanTables = rows.filter((r) => r.kind === 'loanRecords').map((r) => r.table);
    expect(loanTables.indexOf('Application')).toBeLessThan(loanTables.indexOf('CreditLine'));
    expect(loanTables.indexOf('CreditLine')).toBeLessThan(loanTables.indexOf('Drawdown'));
  });

  it('writes one audit row per run with the counts and files, and a second run removes nothing more', async () => {
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { action: 'retention.run' } });
    expect(audit.detail).toMatchObject({ files: first.files, kinds: { loanRecords: { records: 1 } } });
    const again = await run();
    expect(Object.values(again.kinds).every((k) => k.records === 0)).toBe(true);
    expect(again.files).toEqual([]);
  });
  it('judges sessions on their own clock while the demo clock runs 20 days ahead', async () => {
    const sessionNow = daysAgo(20);
    const at = (ms: number) => new Date(sessionNow.getTime() + ms);
    const session = (id: string, expiresAt: Date, revokedAt: Date | null = null) => prisma.staffSession.create({ data: { id, staffId: randomUUID(), createdAt: at(-3_600_000), lastSeenAt: at(-60_000), expiresAt, revokedAt } });
    await session('live', at(12 * 3_600_000));
    await session('expired', daysAgo(25));
    await session('revoked', at(12 * 3_600_000), at(-60_000));
    const summary = await run({ sessionNow });
    expect((await prisma.staffSession.findMany({ orderBy: { id: 'asc' } })).map((s) => s.id)).toEqual(['live']);
    expect(summary.kinds.technical).toMatchObject({ records: 2, held: 1 });
  });
});

describe(`retention job crash between archive and delete on ${testDatabaseKind()}`, () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open();
  });
  afterAll(async () => {
    await o?.close();
  });

  it('leaves the rows in the database and the file; the rerun archives them again and deletes them', async () => {
    const prisma = o.db.prisma;
    const idle = (await prisma.borrower.create({ data: {} })).id;
    const conversationId = await conversation(prisma, idle, daysAgo(1200));
    const deps = { prisma, logger: createLogger('silent'), retention: o.config.retention };
    let file = '';
    await expect(
      runRetention(deps, now, {
        afterArchive: (kind, f) => {
          file = f;
          if (kind === 'conversations') throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(await prisma.conversation.count({ where: { id: conversationId } })).toBe(1);
    expect(await prisma.message.count({ where: { conversationId } })).toBe(2);
    expect(readArchive(await readFile(file)).filter((r) => r.table === 'Message')).toHaveLength(2);
    const rerun = await runRetention(deps, now);
    expect(rerun.kinds.conversations).toMatchObject({ records: 1, archived: 5 });
    expect(await prisma.conversation.count({ where: { id: conversationId } })).toBe(0);
    expect(rerun.files).not.toContain(file);
    expect(readArchive(await readFile(rerun.files[0]!)).filter((r) => r.row.conversationId === conversationId || r.row.id === conversationId)).toHaveLength(5);

    // Restoring (docs/retention.md): the lines in file order, twice over (the crashed run's file and the rerun's), skipping what is back already.
    for (const f of [file, rerun.files[0]!]) {
      for (const { table, row } of readArchive(await readFile(f))) {
        await prisma.$executeRawUnsafe(`INSERT INTO "${table}" SELECT * FROM jsonb_populate_record(NULL::"${table}", $1::jsonb) ON CONFLICT DO NOTHING`, JSON.stringify(row));
      }
    }
    expect(await prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } })).toMatchObject({ borrowerId: idle, updatedAt: daysAgo(1200) });
    expect((await prisma.message.findMany({ where: { conversationId }, orderBy: { seq: 'asc' } })).map((m) => m.text)).toEqual(['你好', '您好']);
  });
});
