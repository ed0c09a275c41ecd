import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { CampaignService, type CampaignInput } from '../server/studio/campaignService.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const BASE = '/api/v1/staff/studio/campaigns';

/**
 * Campaign authoring and approval over HTTP: managers write drafts and submit them, a supervisor or
 * admin other than the creator approves or returns them (four eyes), schedules; stale versions are
 * refused; every act leaves an audit row; bad input is named field by field; the preview, the test
 * send to one's own notices and the audience count.
 */
describe(`campaign routes on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  const clock = manualClock('2026-12-07T02:00:00Z');
  const s: Record<string, ConsoleSession> = {};
  const draft = {
    name: '春耕贷款推广',
    content: { text: '春耕备耕，快贷助手最高可借 20 万元，年化利率 4.35% 起。', card: { title: '立即申请', description: '线上申请，最快当天到账' }, withQr: true },
    channels: ['web', 'wecom_robot'],
    groupTargets: [{ kind: 'wecom_robot', robot: 'branch_a' }],
    audience: { tags: ['农户'] },
  };
  // Each act a second later, so the audit rows' order is their time order on both databases.
  const put = (url: string, as: ConsoleSession, payload: object) => {
    clock.advance(1000);
    return server.app.inject({ method: 'PUT', url, headers: { cookie: as.cookie, 'x-csrf-token': as.csrf }, payload });
  };
  const act = (id: string, action: string, as: ConsoleSession, payload: object) => {
    clock.advance(1000);
    return consoleCall(server.app, 'POST', `${BASE}/${id}/${action}`, as, { payload });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(
      testConfig(database, { JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '100000', RATE_LIMIT_PER_IP: '100000', WECOM_ROBOTS: 'branch_a=693a91f6-0000-4000-8000-00000000000a', BANK_NAME: '常德农商银行' }),
      createLogger('silent'),
      { clock },
    );
    for (const u of ['jingli', 'zhuguan', 'admin', 'kefu', 'shenpi']) s[u] = await consoleLogin(server.app, u);
    await server.db.prisma.staffUser.update({ where: { id: s.jingli!.staffId }, data: { branch: '0736' } });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('a manager creates a draft with a generated code and their branch; bad input is named field by field', async () => {
    const res = await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload: draft });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({ code: 'C2026120701', status: 'draft', branch: '0736', version: 0, createdBy: { id: s.jingli!.staffId, name: '张伟' }, actions: ['edit', 'submit', 'cancel'], deliveries: {} });
    expect(c.content).toEqual(draft.content);
    expect((await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload: draft })).json().code).toBe('C2026120702');
    const bad = async (payload: object) => (await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload })).json().error;
    expect(await bad({ ...draft, name: ' ' })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'name', message: 'name: is required' });
    expect(await bad({ ...draft, content: { text: '' } })).toMatchObject({ field: 'content.text' });
    expect(await bad({ ...draft, channels: ['sms'] })).toMatchObject({ field: 'channels.0' });
    expect(await bad({ ...draft, channels: [] })).toMatchObject({ field: 'channels', message: 'channels: choose at least one channel' });
    expect(await bad({ ...draft, groupTargets: [{ kind: 'wecom_robot', robot: 'branch_z' }] })).toMatchObject({ field: 'groupTargets.0.robot', message: 'groupTargets.0.robot: unknown WeCom robot "branch_z": configured robots are branch_a' });
    expect(await bad({ ...draft, groupTargets: [] })).toMatchObject({ field: 'groupTargets', message: 'groupTargets: the wecom_robot channel needs at least one group' });
    expect(await bad({ ...draft, groupTargets: [...draft.groupTargets, { kind: 'wechaty_room', roomId: 'r1' }] })).toMatchObject({ field: 'groupTargets.1' });
    expect(await bad({ ...draft, audience: { loanStates: ['rich'] } })).toMatchObject({ field: 'audience.loanStates.0' });
    expect(await bad({ ...draft, channels: ['wecom_robot'] })).toMatchObject({ field: 'audience', message: 'audience: an audience needs a personal channel (web or official_account)' });
    expect(await bad({ ...draft, code: 'has space' })).toMatchObject({ field: 'code' });
    expect((await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload: { ...draft, code: 'C2026120701' } })).json().error).toMatchObject({ code: 'CAMPAIGN_CODE_TAKEN' });
    expect((await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload: { ...draft, code: 'spring-2027' } })).json()).toMatchObject({ code: 'spring-2027' });
    // Only managers and admins write campaigns.
    for (const u of ['zhuguan', 'kefu']) expect((await consoleCall(server.app, 'POST', BASE, s[u]!, { payload: draft })).statusCode).toBe(403);
    expect((await consoleCall(server.app, 'GET', BASE, s.kefu!)).statusCode).toBe(403);
    expect((await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload: draft, csrf: false })).json().error.code).toBe('CSRF_FAILED');
  });

  it('draft → submitted → approved by another (four eyes) → scheduled; a stale version is refused; every act audited', async () => {
    const c = (await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload: draft })).json();
    // Edit in draft with the loaded version; the second edit with the same version is stale.
    const edited = await put(`${BASE}/${c.id}`, s.jingli!, { ...draft, name: '春耕贷款推广（修订）', version: 0 });
    expect(edited.json()).toMatchObject({ name: '春耕贷款推广（修订）', version: 1 });
    expect((await put(`${BASE}/${c.id}`, s.jingli!, { ...draft, version: 0 })).json().error).toMatchObject({ code: 'CAMPAIGN_CHANGED' });
    expect((await put(`${BASE}/${c.id}`, s.jingli!, { ...draft })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'version' });
    // Not yet submitted: a supervisor cannot approve; the manager cannot approve at all.
    expect((await act(c.id, 'approve', s.zhuguan!, { version: 1 })).json().error).toMatchObject({ code: 'CAMPAIGN_TRANSITION_REFUSED', message: `Campaign ${c.code} is draft: cannot approve it` });
    expect((await act(c.id, 'submit', s.jingli!, { version: 1 })).json()).toMatchObject({ status: 'submitted', version: 2, actions: ['cancel'] });
    expect((await act(c.id, 'approve', s.jingli!, { version: 2 })).json().error).toMatchObject({ code: 'FORBIDDEN' });
    expect((await put(`${BASE}/${c.id}`, s.jingli!, { ...draft, version: 2 })).json().error).toMatchObject({ code: 'CAMPAIGN_TRANSITION_REFUSED' });
    // Returned with a note, edited, submitted again.
    expect((await act(c.id, 'return', s.zhuguan!, { version: 2 })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'note' });
    expect((await act(c.id, 'return', s.zhuguan!, { version: 2, note: '利率需写明年化' })).json()).toMatchObject({ status: 'draft', statusNote: '利率需写明年化', version: 3 });
    expect((await act(c.id, 'submit', s.jingli!, { version: 3 })).json()).toMatchObject({ status: 'submitted', statusNote: null, version: 4 });
    const viewed = (await consoleCall(server.app, 'GET', `${BASE}/${c.id}`, s.zhuguan!)).json();
    expect(viewed.actions).toEqual(['approve', 'return', 'cancel']);
    expect((await act(c.id, 'approve', s.zhuguan!, { version: 3 })).json().error).toMatchObject({ code: 'CAMPAIGN_CHANGED' });
    expect((await act(c.id, 'approve', s.zhuguan!, { version: 4 })).json()).toMatchObject({ status: 'approved', approvedBy: { id: s.zhuguan!.staffId, name: '李娜' } });
    // Scheduled for a Beijing time; a past time is refused; rescheduled to "now".
    expect((await act(c.id, 'schedule', s.zhuguan!, { version: 5, scheduledAt: '2026-12-01T10:00:00+08:00' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'scheduledAt' });
    expect((await act(c.id, 'schedule', s.zhuguan!, { version: 5, scheduledAt: 'tomorrow' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'scheduledAt' });
    expect((await act(c.id, 'schedule', s.zhuguan!, { version: 5, scheduledAt: '2026-12-08T10:00:00+08:00' })).json()).toMatchObject({ status: 'scheduled', scheduledAt: '2026-12-08T02:00:00.000Z', version: 6 });
    expect((await act(c.id, 'schedule', s.jingli!, { version: 6, now: true })).json()).toMatchObject({ status: 'scheduled', scheduledAt: clock.now().toISOString(), version: 7 });
    // The sender moves it on; staff pause, resume, cancel; nothing after done... cancel ends it.
    const service = new CampaignService({ prisma: server.db.prisma, clock, robots: [] });
    expect(await service.markDone(c.id)).toBe(false);
    clock.advance(1000);
    expect(await service.markRunning(c.id)).toBe(true);
    expect(await service.markRunning(c.id)).toBe(false);
    expect((await act(c.id, 'pause', s.jingli!, { version: 8 })).json()).toMatchObject({ status: 'paused' });
    expect(await service.markDone(c.id)).toBe(false);
    expect((await act(c.id, 'resume', s.zhuguan!, { version: 9 })).json()).toMatchObject({ status: 'running' });
    clock.advance(1000);
    expect(await service.markDone(c.id)).toBe(true);
    expect((await act(c.id, 'cancel', s.admin!, { version: 11 })).json().error).toMatchObject({ code: 'CAMPAIGN_TRANSITION_REFUSED' });
    const audit = await server.db.prisma.auditLog.findMany({ where: { subjectType: 'campaign', subjectId: c.id }, orderBy: { at: 'asc' } });
    expect(audit.map((a) => `${a.action}:${a.actorType}`)).toEqual([
      'campaign.created:staff', 'campaign.updated:staff', 'campaign.submitted:staff', 'campaign.returned:staff', 'campaign.submitted:staff', 'campaign.approved:staff',
      'campaign.scheduled:staff', 'campaign.scheduled:staff', 'campaign.started:system', 'campaign.paused:staff', 'campaign.resumed:staff', 'campaign.finished:system',
    ]);
    expect(audit.find((a) => a.action === 'campaign.returned')).toMatchObject({ actorId: s.zhuguan!.staffId, detail: { code: c.code, from: 'submitted', to: 'draft', note: '利率需写明年化' } });
  });

  it('four eyes: an admin who wrote a campaign can neither approve nor return it; a supervisor cancels with a note from any state before done', async () => {
    const c = (await consoleCall(server.app, 'POST', BASE, s.admin!, { payload: draft })).json();
    await act(c.id, 'submit', s.admin!, { version: 0 });
    expect((await act(c.id, 'approve', s.admin!, { version: 1 })).json().error).toMatchObject({ code: 'CAMPAIGN_FOUR_EYES' });
    expect((await act(c.id, 'return', s.admin!, { version: 1, note: 'x' })).statusCode).toBe(403);
    expect((await act(c.id, 'cancel', s.zhuguan!, { version: 1, note: '活动取消' })).json()).toMatchObject({ status: 'cancelled', statusNote: '活动取消', actions: [] });
    expect((await act(c.id, 'resume', s.zhuguan!, { version: 2 })).json().error).toMatchObject({ code: 'CAMPAIGN_TRANSITION_REFUSED' });
    expect((await act(c.id, 'launch', s.zhuguan!, { version: 2 })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'action' });
  });

  it('managers see their own campaigns; supervisors and admins see all, filtered by status and mine', async () => {
    const other = await server.db.prisma.staffUser.create({ data: { username: 'km2', displayName: '王芳', roles: ['manager'], passwordHash: '' } });
    const theirs = await new CampaignService({ prisma: server.db.prisma, clock, robots: ['branch_a'] }).create(draft as CampaignInput, { staffId: other.id, username: 'km2', roles: ['manager'] });
    const mine = (await consoleCall(server.app, 'GET', BASE, s.jingli!)).json();
    expect(mine.campaigns.every((c: { createdBy: { id: string } }) => c.createdBy.id === s.jingli!.staffId)).toBe(true);
    expect(mine.robots).toEqual(['branch_a']);
    expect((await consoleCall(server.app, 'GET', `${BASE}/${theirs.id}`, s.jingli!)).json().error).toMatchObject({ code: 'FORBIDDEN' });
    const all = (await consoleCall(server.app, 'GET', BASE, s.zhuguan!)).json().campaigns;
    expect(all.map((c: { id: string }) => c.id)).toContain(theirs.id);
    const drafts = (await consoleCall(server.app, 'GET', `${BASE}?status=draft`, s.admin!)).json().campaigns;
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts.every((c: { status: string }) => c.status === 'draft')).toBe(true);
    expect((await consoleCall(server.app, 'GET', `${BASE}?mine=true`, s.admin!)).json().campaigns.every((c: { createdBy: { id: string } }) => c.createdBy.id === s.admin!.staffId)).toBe(true);
    expect((await consoleCall(server.app, 'GET', `${BASE}?status=sent`, s.admin!)).json().error).toMatchObject({ field: 'status' });
    expect((await consoleCall(server.app, 'GET', `${BASE}/nope`, s.admin!)).json().error).toMatchObject({ field: 'id' });
    expect((await consoleCall(server.app, 'GET', `${BASE}/00000000-0000-4000-8000-000000000000`, s.admin!)).json().error).toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
  });

  it('previews each channel with the bank’s name and how to unsubscribe; a test send goes to one’s own notices marked 测试, audited', async () => {
    const c = (await consoleCall(server.app, 'POST', BASE, s.jingli!, { payload: draft })).json();
    const preview = (await consoleCall(server.app, 'POST', `${BASE}/${c.id}/preview`, s.jingli!)).json();
    expect(preview.messages.map((m: { channel: string }) => m.channel)).toEqual(['web', 'wecom_robot']);
    expect(preview.messages[0].text).toMatch(/^【常德农商银行】春耕备耕/);
    expect(preview.messages[0].text).toContain('退订');
    expect(preview.messages[0].card).toMatchObject({ title: '立即申请', url: expect.stringMatching(/\/r\/preview$/), qrPngUrl: expect.stringMatching(/qr\.png$/) });
    expect((await consoleCall(server.app, 'POST', `${BASE}/${c.id}/test-send`, s.jingli!)).json()).toEqual({ notices: 2 });
    const notices = await server.db.prisma.staffNotice.findMany({ where: { staffId: s.jingli!.staffId } });
    expect(notices).toHaveLength(2);
    expect(notices.every((n) => n.textZh.startsWith('【测试】') && n.textEn.startsWith('[TEST]') && n.link === `/console/campaigns/${c.id}`)).toBe(true);
    expect(await server.db.prisma.staffNotice.count({ where: { staffId: { not: s.jingli!.staffId } } })).toBe(0);
    expect(await server.db.prisma.auditLog.count({ where: { action: 'campaign.test_sent', subjectId: c.id, actorId: s.jingli!.staffId } })).toBe(1);
  });

  it('counts an audience for the editor', async () => {
    const b = await server.db.prisma.borrower.create({ data: { tags: ['农户'] } });
    await server.db.prisma.conversation.create({ data: { channel: 'web', externalUserId: 'w-count', borrowerId: b.id, machineId: 'lending', machineVersion: 1 } });
    const q = encodeURIComponent(JSON.stringify({ tags: ['农户'] }));
    expect((await consoleCall(server.app, 'GET', `${BASE}/audience-count?channels=web,wecom_robot&audience=${q}`, s.jingli!)).json()).toEqual({ total: 1, optedOut: 0, overdue: 0 });
    expect((await consoleCall(server.app, 'GET', `${BASE}/audience-count?channels=sms`, s.jingli!)).json().error).toMatchObject({ field: 'channels.0' });
    expect((await consoleCall(server.app, 'GET', `${BASE}/audience-count?channels=web&audience={`, s.jingli!)).json().error).toMatchObject({ field: 'audience', message: 'audience: must be JSON' });
    expect((await consoleCall(server.app, 'GET', `${BASE}/audience-count?channels=web&audience=${encodeURIComponent('{"loanStates":["x"]}')}`, s.jingli!)).json().error).toMatchObject({ field: 'audience.loanStates.0' });
  });
});
