import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createEchoSpec } from './support/echoConversation.js';
import { startFakeWechatApi, type FakeWechatApi } from './support/fakeWechatApi.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const APP_ID = 'wx1234567890abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
const BASE = 'https://loans.example-bank.cn';
const PRODUCT = 'changde-kuaidai-personal-demo';

/** A well-formed SVG document: one svg root with the SVG namespace, every element closed. */
function assertSvg(text: string): void {
  expect(text.trim()).toMatch(/^(<\?xml[^>]*\?>\s*)?<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>[\s\S]*<\/svg>$/);
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
  expect(text).toMatch(/<path[^>]+d="M/);
}

/**
 * Managers and their codes over HTTP: branches and manager assignment (admins; supervisors read),
 * audited; codes with their links, QR codes (PNG, SVG) and official-account QR codes (created once
 * through a fake WeChat); who may fetch which code; `/s/<ref>` logging a LinkClick and redirecting;
 * a manager's book, masked.
 */
describe(`managers, branches and codes on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let fake: FakeWechatApi;
  const s: Record<string, ConsoleSession> = {};
  const clock = manualClock('2026-12-07T02:00:00Z');
  let newStaffId: string;

  beforeAll(async () => {
    fake = await startFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET });
    database = await createTestDatabase();
    const config = testConfig(database, {
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_PER_IP: '100000',
      PUBLIC_BASE_URL: BASE,
      WECHAT_OA_APP_ID: APP_ID,
      WECHAT_OA_APP_SECRET: APP_SECRET,
      WECHAT_OA_TOKEN: 'kuaidaiTestToken',
      WECHAT_API_BASE_URL: fake.url,
    });
    server = await bootServer(config, createLogger(process.env.STUDIO_LOG ? 'error' : 'silent'), { spec: createEchoSpec(), clock });
    for (const u of ['admin', 'zhuguan', 'jingli', 'kefu']) s[u] = await consoleLogin(server.app, u);
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
    await fake?.close();
  });

  const call = (method: 'GET' | 'POST', url: string, as: string | null, payload?: object) => consoleCall(server.app, method, url, as ? s[as]! : null, payload ? { payload } : {});

  it('seeds the demo branch 0101 城关支行 with jingli (KM001) as its manager', async () => {
    const res = await call('GET', '/api/v1/staff/studio/branches', 'zhuguan');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().branches).toEqual([expect.objectContaining({ code: '0101', name: '城关支行', active: true, managers: [expect.objectContaining({ id: s.jingli!.staffId, referralCode: 'KM001', employeeNo: 'KM001' })] })]);
  });

  it('lets admins create, edit and deactivate branches (audited); supervisors read; others are refused', async () => {
    for (const u of ['jingli', 'kefu']) expect((await call('GET', '/api/v1/staff/studio/branches', u)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/staff/studio/branches', null)).statusCode).toBe(401);
    expect((await call('POST', '/api/v1/staff/studio/branches', 'zhuguan', { code: '0202', name: '河洑支行' })).statusCode).toBe(403);
    expect((await consoleCall(server.app, 'POST', '/api/v1/staff/studio/branches', s.admin!, { csrf: false, payload: { code: '0202', name: '河洑支行' } })).json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });

    const created = await call('POST', '/api/v1/staff/studio/branches', 'admin', { code: '0202', name: '河洑支行', parentCode: '0101' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().branch).toMatchObject({ code: '0202', name: '河洑支行', parentCode: '0101', active: true });
    expect((await call('POST', '/api/v1/staff/studio/branches', 'admin', { code: '0202', name: '重复' })).json()).toMatchObject({ error: { code: 'BRANCH_EXISTS' } });
    expect((await call('POST', '/api/v1/staff/studio/branches', 'admin', { code: 'bad code!', name: 'x' })).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'code' } });
    expect((await call('POST', '/api/v1/staff/studio/branches', 'admin', { code: '0303', name: 'x', parentCode: '9999' })).json()).toMatchObject({ error: { code: 'BRANCH_NOT_FOUND' } });

    expect((await call('POST', '/api/v1/staff/studio/branches/0202', 'admin', { name: '河洑分理处' })).json().branch).toMatchObject({ name: '河洑分理处' });
    await call('POST', '/api/v1/staff/studio/branches', 'admin', { code: '0909', name: '临时网点' });
    expect((await call('POST', '/api/v1/staff/studio/branches/0909', 'admin', { active: false })).json().branch).toMatchObject({ active: false });
    expect((await call('POST', '/api/v1/staff/studio/branches/0808', 'admin', { active: false })).statusCode).toBe(404);

    const audits = await server.db.prisma.auditLog.findMany({ where: { action: { startsWith: 'studio.branch_' } }, orderBy: { at: 'asc' } });
    expect(audits.map((a) => a.action)).toEqual(['studio.branch_created', 'studio.branch_changed', 'studio.branch_created', 'studio.branch_deactivated']);
    expect(audits.every((a) => a.actorId === s.admin!.staffId)).toBe(true);
  });

  it('makes a staff account a manager of a branch: role added, referral code from their 工号, audited; refuses a deactivated branch and a taken code', async () => {
    const account = await call('POST', '/api/v1/staff/accounts', 'admin', { username: 'liqiang', displayName: '李强', roles: ['agent'], employeeNo: 'KM009' });
    expect(account.statusCode, account.body).toBe(201);
    newStaffId = account.json().account.id;
    expect((await call('POST', '/api/v1/staff/studio/managers', 'zhuguan', { staffId: newStaffId, branch: '0202' })).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/staff/studio/managers', 'admin', { staffId: newStaffId, branch: '0909' })).json()).toMatchObject({ error: { code: 'BRANCH_NOT_FOUND' } });
    expect((await call('POST', '/api/v1/staff/studio/managers', 'admin', { staffId: newStaffId, branch: '0202', referralCode: 'KM001' })).json()).toMatchObject({ error: { code: 'REFERRAL_CODE_TAKEN' } });
    expect((await call('POST', '/api/v1/staff/studio/managers', 'admin', { staffId: '00000000-0000-4000-8000-000000000000', branch: '0202' })).json()).toMatchObject({ error: { code: 'STAFF_ACCOUNT_NOT_FOUND' } });

    const assigned = await call('POST', '/api/v1/staff/studio/managers', 'admin', { staffId: newStaffId, branch: '0202' });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().manager).toMatchObject({ id: newStaffId, branch: '0202', referralCode: 'KM009', roles: ['agent', 'manager'] });
    const audit = await server.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'studio.manager_assigned', subjectId: newStaffId } });
    expect(audit).toMatchObject({ actorId: s.admin!.staffId, detail: expect.objectContaining({ branch: '0202', referralCode: 'KM009', roleAdded: true }) });
    // Moved to another branch: the code stays.
    await call('POST', '/api/v1/staff/studio/branches', 'admin', { code: '0303', name: '德山支行' });
    expect((await call('POST', '/api/v1/staff/studio/managers', 'admin', { staffId: newStaffId, branch: '0303' })).json().manager).toMatchObject({ branch: '0303', referralCode: 'KM009' });
    expect((await call('POST', '/api/v1/staff/studio/managers', 'admin', { staffId: newStaffId, branch: '0202' })).json().manager).toMatchObject({ branch: '0202' });
  });

  it('gives a manager their codes, their branch’s, products’ and campaigns’, and refuses others’; unknown codes are a clear 404', async () => {
    const mine = await call('GET', '/api/v1/staff/studio/codes/manager/KM001', 'jingli');
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json()).toMatchObject({
      kind: 'manager',
      code: 'KM001',
      ref: 'mgr_KM001',
      label: '张伟 (KM001)',
      branch: '0101',
      link: `${BASE}/s/mgr_KM001`,
      qrLink: `${BASE}/s/mgr_KM001?src=qr`,
      qrPng: '/api/v1/staff/studio/codes/manager/KM001/qr.png',
      qrSvg: '/api/v1/staff/studio/codes/manager/KM001/qr.svg',
    });
    expect((await call('GET', '/api/v1/staff/studio/codes/branch/0101', 'jingli')).json()).toMatchObject({ ref: 'br_0101', label: '城关支行' });
    expect((await call('GET', `/api/v1/staff/studio/codes/product/${PRODUCT}`, 'jingli')).json()).toMatchObject({ ref: `prd_${PRODUCT}` });
    await server.db.prisma.campaign.create({ data: { code: 'spring', name: '春季快贷', content: {}, branch: '0202' } });
    expect((await call('GET', '/api/v1/staff/studio/codes/campaign/spring', 'jingli')).json()).toMatchObject({ ref: 'cmp_spring', branch: '0202' });

    expect((await call('GET', '/api/v1/staff/studio/codes/manager/KM009', 'jingli')).json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await call('GET', '/api/v1/staff/studio/codes/branch/0202', 'jingli')).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/staff/studio/codes/manager/KM009/qr.png', 'jingli')).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/staff/studio/codes/manager/KM009', 'zhuguan')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/staff/studio/codes/branch/0202', 'admin')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/staff/studio/codes/manager/KM001', 'kefu')).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/staff/studio/codes/manager/KM001', null)).statusCode).toBe(401);

    const unknown = await call('GET', '/api/v1/staff/studio/codes/manager/NOPE', 'zhuguan');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'STUDIO_CODE_NOT_FOUND', message: 'No manager code NOPE: no active manager has this referral code' });
    expect((await call('GET', '/api/v1/staff/studio/codes/branch/0909', 'admin')).json().error.message).toContain('no active branch');
    expect((await call('GET', '/api/v1/staff/studio/codes/product/none', 'admin')).json().error.code).toBe('STUDIO_CODE_NOT_FOUND');
    expect((await call('GET', '/api/v1/staff/studio/codes/teller/X1', 'admin')).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'kind' } });
  });

  it('draws the QR code locally as PNG and SVG, as a download when asked', async () => {
    const png = await call('GET', '/api/v1/staff/studio/codes/manager/KM001/qr.png', 'jingli');
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: a square image.
    expect(png.rawPayload.readUInt32BE(16)).toBe(png.rawPayload.readUInt32BE(20));
    const svg = await call('GET', '/api/v1/staff/studio/codes/manager/KM001/qr.svg?download=1', 'jingli');
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.headers['content-disposition']).toBe('attachment; filename="mgr_KM001.svg"');
    assertSvg(svg.body);
    // Another link, another picture.
    const other = await call('GET', '/api/v1/staff/studio/codes/branch/0101/qr.svg', 'jingli');
    assertSvg(other.body);
    expect(other.body).not.toBe(svg.body);
  });

  it('creates the official-account QR code through WeChat once per code, with scene mgr_/cmp_/br_/prd_', async () => {
    const before = fake.qrCodes.length;
    const first = (await call('GET', '/api/v1/staff/studio/codes/manager/KM001', 'jingli')).json().officialAccount;
    const again = (await call('GET', '/api/v1/staff/studio/codes/manager/KM001', 'zhuguan')).json().officialAccount;
    expect(first).toMatchObject({ status: 'ready', imageUrl: expect.stringMatching(/^https:\/\/mp\.weixin\.qq\.com\/cgi-bin\/showqrcode\?ticket=gQ-fake-ticket-\d+%3D%3D$/) });
    expect(again).toEqual(first);
    for (const [kind, code] of [['campaign', 'spring'], ['branch', '0101'], ['product', PRODUCT]]) {
      expect((await call('GET', `/api/v1/staff/studio/codes/${kind}/${code}`, 'admin')).json().officialAccount.status).toBe('ready');
    }
    // mgr_KM001 may have been created by an earlier test's GET: each scene appears once all the same.
    const scenes = fake.qrCodes.slice(0);
    expect(new Set(scenes).size).toBe(scenes.length);
    expect(scenes).toEqual(expect.arrayContaining(['mgr_KM001', 'cmp_spring', 'br_0101', `prd_${PRODUCT}`]));
    expect(fake.qrCodes.length - before).toBeLessThanOrEqual(4);

    // WeChat refusing is a reason, not an error, and is tried again next time.
    fake.failNext('/cgi-bin/qrcode/create', 48001);
    expect((await call('GET', '/api/v1/staff/studio/codes/branch/0303', 'admin')).json().officialAccount).toMatchObject({ status: 'failed', reason: expect.stringContaining('48001') });
    expect((await call('GET', '/api/v1/staff/studio/codes/branch/0303', 'admin')).json().officialAccount.status).toBe('ready');
  });

  it('logs a tap on /s/<ref> as a LinkClick with who it attributes to and a long-lived visitor cookie, and redirects to the chat', async () => {
    const tap = await server.app.inject({ method: 'GET', url: '/s/mgr_KM001' });
    expect(tap.statusCode).toBe(302);
    expect(tap.headers.location).toBe('/?ref=mgr_KM001');
    const cookie = String(tap.headers['set-cookie']);
    expect(cookie).toMatch(/^kd_vid=[A-Za-z0-9_-]{16,64}; Path=\/; Max-Age=\d{8}; HttpOnly; SameSite=Lax/);
    const visitor = cookie.split(';')[0]!;
    const scan = await server.app.inject({ method: 'GET', url: '/s/mgr_KM001?src=qr', headers: { cookie: visitor } });
    expect(scan.statusCode).toBe(302);
    const campaignTap = await server.app.inject({ method: 'GET', url: '/s/cmp_spring' });
    expect(campaignTap.headers.location).toBe('/?ref=cmp_spring');
    // A bare (legacy) code is a manager's.
    expect((await server.app.inject({ method: 'GET', url: '/s/KM009' })).headers.location).toBe('/?ref=mgr_KM009');
    const clicks = await server.db.prisma.linkClick.findMany({ orderBy: { at: 'asc' } });
    expect(clicks.map((c) => ({ code: c.code, staffId: c.staffId, campaignId: c.campaignId !== null, branch: c.branch, source: c.source }))).toEqual([
      { code: 'mgr_KM001', staffId: s.jingli!.staffId, campaignId: false, branch: '0101', source: 'link' },
      { code: 'mgr_KM001', staffId: s.jingli!.staffId, campaignId: false, branch: '0101', source: 'qr' },
      { code: 'cmp_spring', staffId: null, campaignId: true, branch: '0202', source: 'link' },
      { code: 'mgr_KM009', staffId: newStaffId, campaignId: false, branch: '0202', source: 'link' },
    ]);
    expect(clicks[0]!.visitorId).toBe(visitor.split('=')[1]);
    expect(clicks[1]!.visitorId).toBe(clicks[0]!.visitorId);
    expect(clicks[2]!.visitorId).not.toBe(clicks[0]!.visitorId);

    const unknown = await server.app.inject({ method: 'GET', url: '/s/mgr_NOPE' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('链接无效');
    expect(await server.db.prisma.linkClick.count()).toBe(4);
  });

  it('shows a manager their own borrowers masked with their stage; supervisors pick any manager; a manager cannot look at another’s', async () => {
    const prisma = server.db.prisma;
    await prisma.borrower.create({ data: { name: '陈思远', phoneMasked: '138****0001', idNumberMasked: '430702********0230', attributedStaffId: s.jingli!.staffId, firstTouch: 'mgr_KM001', firstTouchAt: new Date('2026-12-06T02:00:00Z') } });
    const other = await prisma.borrower.create({ data: { name: '李晓薇', phoneMasked: '139****0002', attributedStaffId: newStaffId, firstTouch: 'mgr_KM009' } });
    const withApp = await prisma.borrower.create({ data: { name: '孙立强', phoneMasked: '135****0005', attributedStaffId: s.jingli!.staffId, firstTouch: 'mgr_KM001', firstTouchAt: new Date('2026-12-07T01:00:00Z') } });
    await prisma.application.create({ data: { borrowerId: withApp.id, productId: PRODUCT, purpose: 'business', referral: 'mgr_KM001' } });

    const mine = await call('GET', '/api/v1/staff/studio/my-borrowers', 'jingli');
    expect(mine.statusCode, mine.body).toBe(200);
    const book = mine.json();
    expect(book.manager).toMatchObject({ id: s.jingli!.staffId, referralCode: 'KM001', branch: '0101' });
    expect(book.managers).toEqual([]);
    expect(book.borrowers.map((b: { name: string; phone: string; stage: string }) => [b.name, b.phone, b.stage])).toEqual([
      ['孙**', '135****0005', 'applied'],
      ['陈**', '138****0001', 'brought'],
    ]);
    expect(mine.body).not.toContain('陈思远');
    expect(mine.body).not.toContain('430702');
    expect((await call('GET', `/api/v1/staff/studio/my-borrowers?managerId=${newStaffId}`, 'jingli')).statusCode).toBe(403);
    const picked = (await call('GET', `/api/v1/staff/studio/my-borrowers?managerId=${newStaffId}`, 'zhuguan')).json();
    expect(picked.borrowers.map((b: { borrowerId: string }) => b.borrowerId)).toEqual([other.id]);
    expect(picked.managers.map((m: { id: string }) => m.id).sort()).toEqual([s.jingli!.staffId, newStaffId].sort());
    expect((await call('GET', '/api/v1/staff/studio/my-borrowers', 'kefu')).statusCode).toBe(403);
  });
});
