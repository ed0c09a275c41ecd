import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { DEMO_STAFF } from '../server/staff/demoStaff.js';
import { seedExportBorrower, type SeededBorrower } from './support/borrowerExportSeed.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

type Row = Record<string, string | number | boolean | null>;
interface ExportDocument {
  generatedAt: string;
  borrowerId: string;
  sections: { name: string; title: { zh: string; en: string }; rows: Row[] }[];
}

/** RFC 4180 as the export writes it (BOM, CRLF, quoted cells), read back. */
function parseCsv(text: string): string[][] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted) cell += c;
    else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

/**
 * A borrower's data export (PIPL art. 45): supervisors and admins get the file with every section and
 * the identifiers opened; everyone else is refused; the export is audited without the data; unknown
 * borrowers and bad input are answered with their codes; CSV cells cannot run as formulas.
 */
describe(`borrower data export on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let seeded: SeededBorrower;
  const as: Record<string, ConsoleSession> = {};
  const clock = manualClock('2026-12-07T02:00:00Z');
  const url = (id: string) => `/api/v1/staff/borrowers/${id}/export`;
  const post = (who: string | null, id: string, payload: object) => consoleCall(server.app, 'POST', url(id), who ? as[who]! : null, { payload });

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '10000' }), createLogger('silent'), { clock });
    for (const s of DEMO_STAFF) as[s.username] = await consoleLogin(server.app, s.username);
    seeded = await seedExportBorrower(server.db.prisma, server.app.cipher);
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('lets supervisors and admins export, and refuses every other role and no session', async () => {
    expect((await post(null, seeded.borrowerId, { format: 'json', requestRef: 'R-1' })).statusCode).toBe(401);
    for (const s of DEMO_STAFF) {
      const res = await post(s.username, seeded.borrowerId, { format: 'json', requestRef: `R-${s.username}` });
      const allowed = s.roles.includes('supervisor') || s.roles.includes('admin');
      expect(res.statusCode, `${s.username}: ${res.body.slice(0, 300)}`).toBe(allowed ? 200 : 403);
      if (!allowed) expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    // The cookie without the session's CSRF token is refused.
    const noToken = await consoleCall(server.app, 'POST', url(seeded.borrowerId), as.zhuguan!, { csrf: false, payload: { format: 'json', requestRef: 'R-x' } });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
  });

  it('answers JSON as an attachment with every section of this borrower, identifiers opened, money in fen and yuan', async () => {
    const res = await post('zhuguan', seeded.borrowerId, { format: 'json', requestRef: 'PIPL-2026-0042' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="kuaidai-borrower-${seeded.borrowerId}-2026-12-07.json"; filename*=UTF-8''kuaidai-borrower-${seeded.borrowerId}-2026-12-07.json`);
    expect(res.headers['cache-control']).toBe('no-store');
    const doc = res.json() as ExportDocument;
    expect(doc.borrowerId).toBe(seeded.borrowerId);
    expect(doc.generatedAt).toBe('2026-12-07T02:00:00.000Z');
    const section = (name: string) => doc.sections.find((s) => s.name === name)!.rows;
    expect(doc.sections.map((s) => s.name)).toEqual(['profile', 'contactPreferences', 'consents', 'applications', 'decisions', 'creditLines', 'drawdowns', 'installments', 'repayments', 'ledgerEntries', 'contactLogs', 'conversations', 'messages', 'workOrders']);
    expect(section('profile')).toEqual([expect.objectContaining({ borrowerId: seeded.borrowerId, name: seeded.name, idNumber: seeded.idNumber, phone: seeded.phone, tags: '老客户' })]);
    expect(section('consents')).toEqual([expect.objectContaining({ source: 'credit_bureau', textVersion: 'credit-auth-2026-01', textHash: 'a'.repeat(64), grantedAt: '2026-11-02T02:00:00.000Z', revokedAt: null })]);
    expect(section('applications')).toEqual([expect.objectContaining({ requestedAmountFen: 5_000_000, requestedAmountYuan: '50000.00', requestedTermMonths: 12, purposeDetail: seeded.formulaLike })]);
    const [decision] = section('decisions');
    expect(decision).toMatchObject({ outcome: 'approved', reasonCodes: 'AGE_BELOW_MIN', limitFen: 3_000_000, limitYuan: '30000.00' });
    expect(decision!.reasons).toContain('Applicant below the minimum age');
    // The staff-only explanation of a decision is not the borrower's to receive.
    expect(JSON.stringify(doc)).not.toContain('never exported');
    expect(section('creditLines')).toEqual([expect.objectContaining({ limitFen: 3_000_000, availableFen: 2_000_000, availableYuan: '20000.00', validUntil: '2027-11-02' })]);
    expect(section('drawdowns')).toEqual([expect.objectContaining({ amountFen: 1_000_000, amountYuan: '10000.00', termMonths: 3, status: 'active' })]);
    expect(section('installments').map((i) => [i.period, i.principalFen, i.status])).toEqual([
      [1, 331_674, 'paid'],
      [2, 333_664, 'scheduled'],
      [3, 334_662, 'scheduled'],
    ]);
    expect(section('repayments')).toEqual([expect.objectContaining({ amountFen: 337_674, amountYuan: '3376.74', kind: 'due_installment' })]);
    // One posting, balanced (its entries share a moment, so their order among themselves is not fixed).
    expect(section('ledgerEntries').map((e) => [e.account, e.debitFen, e.creditFen]).sort()).toEqual([
      ['cash', 337_674, 0],
      ['interest_receivable', 0, 6_000],
      ['loan_principal', 0, 331_674],
    ]);
    expect(section('contactLogs')).toEqual([expect.objectContaining({ purpose: 'reminder', template: 'reminder.due', params: '{"period":1}', status: 'sent' })]);
    expect(section('conversations')).toEqual([expect.objectContaining({ conversationId: seeded.conversationId, channel: 'web' })]);
    expect(section('messages').map((m) => [m.seq, m.author, m.text])).toEqual([
      [1, 'borrower', '我要借款'],
      [2, 'bot', '好的，请先阅读授权书。'],
      [3, 'borrower', seeded.awkwardText],
    ]);
    expect(section('workOrders')).toEqual([expect.objectContaining({ number: seeded.workOrderNumber, kind: 'complaint', reason: '客户投诉还款提醒过多' })]);
    // Nothing of the other borrower.
    expect(JSON.stringify(doc)).not.toContain('别人');
    expect(JSON.stringify(doc)).not.toContain(seeded.otherBorrowerId);
  });

  it('writes borrower.data_exported with who, the format, the request reference and the section counts, never the data', async () => {
    const before = await server.db.prisma.auditLog.count({ where: { action: 'borrower.data_exported' } });
    expect((await post('admin', seeded.borrowerId, { format: 'csv', requestRef: '  客户申请-0099  ' })).statusCode).toBe(200);
    const rows = await server.db.prisma.auditLog.findMany({ where: { action: 'borrower.data_exported' }, orderBy: { at: 'asc' } });
    expect(rows.length).toBe(before + 1);
    const row = rows.at(-1)!;
    expect(row).toMatchObject({ actorType: 'staff', actorId: as.admin!.staffId, subjectType: 'Borrower', subjectId: seeded.borrowerId });
    expect(row.detail).toMatchObject({
      username: 'admin',
      format: 'csv',
      requestRef: '客户申请-0099',
      sections: { profile: 1, contactPreferences: 0, consents: 1, applications: 1, decisions: 1, creditLines: 1, drawdowns: 1, installments: 3, repayments: 1, ledgerEntries: 3, contactLogs: 1, conversations: 1, messages: 3, workOrders: 1 },
    });
    const detail = JSON.stringify(row.detail);
    for (const secret of [seeded.name, seeded.idNumber, seeded.phone, '我要借款']) expect(detail).not.toContain(secret);
    // A refused export leaves no such row.
    expect((await post('kefu', seeded.borrowerId, { format: 'json', requestRef: 'R-refused' })).statusCode).toBe(403);
    expect(await server.db.prisma.auditLog.count({ where: { action: 'borrower.data_exported' } })).toBe(before + 1);
  });

  it('answers CSV in long form, quoted, with a formula-like value neutralised', async () => {
    const res = await post('zhuguan', seeded.borrowerId, { format: 'csv', requestRef: 'R-csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain(`filename="kuaidai-borrower-${seeded.borrowerId}-2026-12-07.csv"`);
    // The formula is written with a leading apostrophe and quoted (it holds a comma and quotes).
    expect(res.body).toContain(`applications,1,purposeDetail,"'=HYPERLINK(""http://evil.example"",""点我"")"`);
    const rows = parseCsv(res.body);
    expect(rows[0]).toEqual(['section', 'row', 'field', 'value']);
    expect(rows.every((r) => r.length === 4)).toBe(true);
    const value = (section: string, row: string, field: string) => rows.find((r) => r[0] === section && r[1] === row && r[2] === field)?.[3];
    expect(value('meta', '0', 'borrowerId')).toBe(seeded.borrowerId);
    expect(value('profile', '1', 'idNumber')).toBe(seeded.idNumber);
    expect(value('applications', '1', 'purposeDetail')).toBe(`'${seeded.formulaLike}`);
    expect(value('messages', '3', 'text')).toBe(seeded.awkwardText);
    expect(value('installments', '2', 'principalFen')).toBe('333664');
    expect(value('drawdowns', '1', 'amountYuan')).toBe('10000.00');
    // An empty section still has its line.
    expect(rows.find((r) => r[0] === 'contactPreferences')).toEqual(['contactPreferences', '0', '', '']);
    // No cell outside a quote starts a formula.
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+@]/);
  });

  it('answers 404 for an unknown borrower and 400 for bad input, each with its code', async () => {
    const unknown = await post('zhuguan', '00000000-0000-4000-8000-000000000000', { format: 'json', requestRef: 'R-1' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'BORROWER_NOT_FOUND' } });
    const noRef = await post('zhuguan', seeded.borrowerId, { format: 'json' });
    expect(noRef.statusCode).toBe(400);
    expect(noRef.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'requestRef' } });
    expect(noRef.json().error.message).toContain('reference of the borrower');
    const blankRef = await post('zhuguan', seeded.borrowerId, { format: 'json', requestRef: '   ' });
    expect(blankRef.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'requestRef' } });
    const longRef = await post('zhuguan', seeded.borrowerId, { format: 'json', requestRef: 'x'.repeat(65) });
    expect(longRef.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'requestRef' } });
    const badFormat = await post('zhuguan', seeded.borrowerId, { format: 'xlsx', requestRef: 'R-1' });
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'format' } });
    const badId = await post('zhuguan', 'not-a-uuid', { format: 'json', requestRef: 'R-1' });
    expect(badId.statusCode).toBe(400);
    expect(badId.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'borrowerId' } });
  });
});
