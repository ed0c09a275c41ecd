import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { seedSignal, seedWatchedLine } from './support/riskSeed.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The risk view's API (风险预警) over HTTP: who may read and judge, the list with its counts and
 * filters, a signal's detail with the borrower masked, confirm and clear audited, and what clearing
 * a red signal does to the line's freeze.
 */
describe(`risk-signal routes on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  const clock = manualClock('2026-12-07T02:00:00Z');
  const s: Record<string, ConsoleSession> = {};
  let warned: { borrowerId: string; lineId: string };
  let overdue: { borrowerId: string; lineId: string };
  const ids: Record<string, string> = {};
  const NONE = '00000000-0000-4000-8000-000000000000';

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '100000', RATE_LIMIT_PER_IP: '100000' }), createLogger('silent'), { clock });
    for (const u of ['shenpi', 'zhuguan', 'admin', 'kefu', 'jingli']) s[u] = await consoleLogin(server.app, u);
    const prisma = server.db.prisma;
    const manager = s.jingli!.staffId;
    await prisma.staffUser.update({ where: { id: manager }, data: { branch: '0736' } });
    warned = await seedWatchedLine(prisma, { name: '孙立强', phoneMasked: '135****0005', frozenFor: 'warning', managerId: manager });
    overdue = await seedWatchedLine(prisma, { name: '赵建国', phoneMasked: '158****0003', frozenFor: 'overdue', dpd: 40 });
    const quiet = await seedWatchedLine(prisma, { name: '李晓薇', phoneMasked: '139****0002' });
    ids.redEarlier = (await seedSignal(prisma, warned, { level: 'red', businessDate: '2026-12-01', branch: '0736', managerId: manager })).id;
    ids.red = (await seedSignal(prisma, warned, { level: 'red', businessDate: '2026-12-02', branch: '0736', managerId: manager })).id;
    ids.redOverdue = (await seedSignal(prisma, overdue, { level: 'red', businessDate: '2026-12-02', branch: '0731' })).id;
    ids.orange = (await seedSignal(prisma, quiet, { level: 'orange', businessDate: '2026-12-01', branch: '0731' })).id;
    ids.yellow = (await seedSignal(prisma, quiet, { level: 'yellow', businessDate: '2026-12-02', branch: '0731' })).id;
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('reviewers, supervisors and admins read; reviewers and supervisors judge; agents, managers, no session and no CSRF token are refused', async () => {
    for (const u of ['shenpi', 'zhuguan', 'admin']) expect((await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals', s[u]!)).statusCode).toBe(200);
    for (const u of ['kefu', 'jingli']) {
      expect((await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals', s[u]!)).json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      expect((await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.orange}/confirm`, s[u]!, { payload: { note: 'x' } })).statusCode).toBe(403);
    }
    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals', null)).statusCode).toBe(401);
    expect((await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.orange}/confirm`, s.admin!, { payload: { note: 'x' } })).statusCode).toBe(403);
    expect((await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.orange}/confirm`, s.shenpi!, { csrf: false, payload: { note: 'x' } })).json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    expect(await server.db.prisma.riskSignal.findUniqueOrThrow({ where: { id: ids.orange } })).toMatchObject({ status: 'open' });
  });

  it('lists by level first with counts per level, and filters by level, status, branch and manager', async () => {
    const all = (await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals', s.shenpi!)).json();
    expect(all.counts).toEqual({ red: 3, orange: 1, yellow: 1 });
    expect(all.signals.map((x: { level: string }) => x.level)).toEqual(['red', 'red', 'red', 'orange', 'yellow']);
    expect(all.branches).toEqual(['0731', '0736']);
    expect(all.managers).toEqual([{ id: s.jingli!.staffId, name: '张伟' }]);
    const red = (await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals?level=red', s.shenpi!)).json();
    expect(red.signals).toHaveLength(3);
    expect(red.counts).toEqual({ red: 3, orange: 1, yellow: 1 });
    const branch = (await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals?branch=0736', s.shenpi!)).json();
    expect(branch.counts).toEqual({ red: 2, orange: 0, yellow: 0 });
    const mine = (await consoleCall(server.app, 'GET', `/api/v1/staff/risk-signals?managerId=${s.jingli!.staffId}`, s.shenpi!)).json();
    expect(mine.signals.map((x: { id: string }) => x.id).sort()).toEqual([ids.red, ids.redEarlier].sort());
    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals?level=purple', s.shenpi!)).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'level' } });
  });

  it('shows a signal with the borrower masked, the reasons in Chinese and English, the score and the line’s days past due and class', async () => {
    const res = await consoleCall(server.app, 'GET', `/api/v1/staff/risk-signals/${ids.redOverdue}`, s.shenpi!);
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ level: 'red', status: 'open', behaviourScore: 495, borrower: { name: '赵**', phone: '158****0003' }, line: { dpd: 40, bucket: 'M2', loanClass: 'special_mention', status: 'frozen', freezeReason: 'overdue' } });
    expect(d.reasons[0]).toEqual({ code: 'EW_BEHAVIOUR_SCORE_LOW', level: 'red', zh: '行为评分偏低', en: 'Behaviour score below the warning threshold', detail: 'behaviour score 495' });
    expect(res.body).not.toContain('赵建国');
    expect((await consoleCall(server.app, 'GET', `/api/v1/staff/risk-signals/${NONE}`, s.shenpi!)).json()).toMatchObject({ error: { code: 'RISK_SIGNAL_NOT_FOUND' } });
  });

  it('confirm is audited and final for confirming; a note is required', async () => {
    expect((await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.orange}/confirm`, s.shenpi!, { payload: { note: ' ' } })).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'note' } });
    const res = await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.orange}/confirm`, s.shenpi!, { payload: { note: '经营流水下降，已电话核实' } });
    expect(res.json()).toMatchObject({ id: ids.orange, status: 'confirmed' });
    expect(await server.db.prisma.riskSignal.findUniqueOrThrow({ where: { id: ids.orange } })).toMatchObject({ status: 'confirmed', reviewedById: s.shenpi!.staffId, reviewNote: '经营流水下降，已电话核实' });
    expect(await server.db.prisma.auditLog.findFirst({ where: { action: 'risk_signal.confirmed', subjectId: ids.orange } })).toMatchObject({ actorType: 'staff', actorId: s.shenpi!.staffId, detail: expect.objectContaining({ note: '经营流水下降，已电话核实', username: 'shenpi' }) });
    expect((await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.orange}/confirm`, s.zhuguan!, { payload: { note: 'again' } })).json()).toMatchObject({ error: { code: 'RISK_SIGNAL_REVIEWED' } });
  });

  it('clearing a red signal lifts the early warning’s freeze (and judges the line’s earlier open signal with it), audited', async () => {
    const res = await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.red}/clear`, s.zhuguan!, { payload: { note: '企业已恢复正常经营，误报' } });
    expect(res.json()).toEqual({ id: ids.red, status: 'cleared', alsoReviewed: [ids.redEarlier], line: { status: 'active', freezeReason: null, unfrozen: true } });
    const line = await server.db.prisma.creditLine.findUniqueOrThrow({ where: { id: warned.lineId } });
    expect(line).toMatchObject({ status: 'active', freezeReason: null, frozenAt: null });
    expect((line.state as { status: string }).status).toBe('active');
    expect(await server.db.prisma.riskSignal.findUniqueOrThrow({ where: { id: ids.redEarlier } })).toMatchObject({ status: 'cleared' });
    expect(await server.db.prisma.auditLog.findFirst({ where: { action: 'risk_signal.cleared', subjectId: ids.red } })).toMatchObject({ actorId: s.zhuguan!.staffId, detail: expect.objectContaining({ unfrozen: true, alsoReviewed: [ids.redEarlier] }) });
    expect((await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.red}/clear`, s.zhuguan!, { payload: { note: 'again' } })).json()).toMatchObject({ error: { code: 'RISK_SIGNAL_REVIEWED' } });
  });

  it('clearing a red signal leaves a line frozen for being overdue frozen, and says why', async () => {
    const res = await consoleCall(server.app, 'POST', `/api/v1/staff/risk-signals/${ids.redOverdue}/clear`, s.shenpi!, { payload: { note: '经营正常' } });
    expect(res.json()).toMatchObject({ status: 'cleared', line: { status: 'frozen', freezeReason: 'overdue', unfrozen: false, keptFrozenBecause: 'frozen_for_another_reason' } });
    expect(await server.db.prisma.creditLine.findUniqueOrThrow({ where: { id: overdue.lineId } })).toMatchObject({ status: 'frozen', freezeReason: 'overdue' });
  });
});
