import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { seedFunnelScenario } from './support/studioFunnelSeed.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const zeros = { sent: 0, delivered: 0, clicked: 0, applied: 0, authorised: 0, approved: 0, drawn: 0 };
const totals = (report: { stages: { stage: string; count: number }[] }) => Object.fromEntries(report.stages.map((s) => [s.stage, s.count]));
const day = (report: { series: { date: string }[] }, date: string) => report.series.find((d) => d.date === date);

/**
 * Funnels (per campaign, manager, branch) and the dashboards' API over HTTP on seeded data: counts
 * per stage and per Beijing date, the default period, CSV for Excel, who may see what.
 */
describe(`studio funnels and dashboards on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  const clock = manualClock('2026-12-07T02:00:00Z');
  const s: Record<string, ConsoleSession> = {};
  let seed: Awaited<ReturnType<typeof seedFunnelScenario>>;
  const week = 'from=2026-12-01&to=2026-12-07';
  const get = (url: string, as: string) => consoleCall(server.app, 'GET', url, s[as]!);

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '100000', RATE_LIMIT_PER_IP: '100000' }), createLogger('silent'), { clock });
    for (const u of ['jingli', 'zhuguan', 'admin', 'kefu', 'shenpi']) s[u] = await consoleLogin(server.app, u);
    seed = await seedFunnelScenario(server.db.prisma, { managerId: s.jingli!.staffId });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('counts a campaign’s stages on the Beijing date each was reached: group taps by visitor, a personal recipient once, consent in the application’s conversation', async () => {
    const res = await get(`/api/v1/staff/studio/funnel?campaignId=${seed.springId}&${week}`, 'zhuguan');
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ from: '2026-12-01', to: '2026-12-07', scope: { kind: 'campaign', campaignId: seed.springId } });
    expect(totals(r)).toEqual({ sent: 4, delivered: 3, clicked: 5, applied: 2, authorised: 1, approved: 1, drawn: 1 });
    expect(r.series.map((d: { date: string }) => d.date)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07']);
    expect(day(r, '2026-12-01')).toEqual({ date: '2026-12-01', ...zeros });
    expect(day(r, '2026-12-02')).toEqual({ date: '2026-12-02', ...zeros, sent: 3, delivered: 3, clicked: 1 });
    // Sent at 17:00 UTC on the 2nd is 01:00 on the 3rd in Beijing.
    expect(day(r, '2026-12-03')).toEqual({ date: '2026-12-03', ...zeros, sent: 1, clicked: 2, applied: 1, authorised: 1, approved: 1 });
    expect(day(r, '2026-12-04')).toEqual({ date: '2026-12-04', ...zeros, clicked: 2, applied: 1 });
    expect(day(r, '2026-12-05')).toEqual({ date: '2026-12-05', ...zeros, drawn: 1 });
    // The stages are in the funnel's order.
    expect(r.stages.map((x: { stage: string }) => x.stage)).toEqual(['sent', 'delivered', 'clicked', 'applied', 'authorised', 'approved', 'drawn']);
  });

  it('a manager’s funnel adds their own link (one per visitor) and applications attributed to them; a branch’s adds its link; another manager’s campaign stays out', async () => {
    const mine = (await get(`/api/v1/staff/studio/funnel?managerId=${seed.managerId}&${week}`, 'jingli')).json();
    expect(totals(mine)).toEqual({ sent: 4, delivered: 3, clicked: 6, applied: 3, authorised: 2, approved: 1, drawn: 1 });
    expect(day(mine, '2026-12-05')).toEqual({ date: '2026-12-05', ...zeros, clicked: 1, applied: 1, authorised: 1, drawn: 1 });
    expect(day(mine, '2026-12-06')).toEqual({ date: '2026-12-06', ...zeros });
    const branch = (await get(`/api/v1/staff/studio/funnel?branch=0736&${week}`, 'admin')).json();
    expect(totals(branch)).toEqual({ sent: 4, delivered: 3, clicked: 7, applied: 3, authorised: 2, approved: 1, drawn: 1 });
    const other = (await get(`/api/v1/staff/studio/funnel?branch=0731&${week}`, 'admin')).json();
    expect(totals(other)).toEqual({ ...zeros, sent: 1, applied: 1 });
  });

  it('defaults to the last 30 Beijing dates (a November send counts), and refuses a reversed, over-long or malformed period and a scope not named once', async () => {
    const r = (await get(`/api/v1/staff/studio/funnel?campaignId=${seed.springId}`, 'zhuguan')).json();
    expect(r.from).toBe('2026-11-08');
    expect(r.to).toBe('2026-12-07');
    expect(r.series).toHaveLength(30);
    expect(totals(r)).toMatchObject({ sent: 5, delivered: 4 });
    const bad = async (q: string, field: string) => expect((await get(`/api/v1/staff/studio/funnel?${q}`, 'zhuguan')).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field } });
    await bad(`campaignId=${seed.springId}&from=2026-12-08&to=2026-12-01`, 'from');
    await bad(`campaignId=${seed.springId}&from=2025-01-01&to=2026-12-01`, 'from');
    await bad(`campaignId=${seed.springId}&to=2026-13-01`, 'to');
    await bad(`campaignId=${seed.springId}&managerId=${seed.managerId}`, 'scope');
    await bad('', 'scope');
    await bad('campaignId=00000000-0000-4000-8000-000000000000', 'campaignId');
  });

  it('exports CSV for Excel: BOM, Chinese headers first, one Beijing date per row', async () => {
    const res = await get(`/api/v1/staff/studio/funnel?campaignId=${seed.springId}&${week}&format=csv`, 'zhuguan');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="funnel-campaign-[0-9a-f]{8}-2026-12-01-2026-12-07\.csv"/);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('日期 Date,发送 Sent,送达 Delivered,打开或点击 Opened or clicked,申请 Applied,授权 Authorised,批准 Approved,用信 Drawn');
    expect(lines).toHaveLength(8);
    expect(lines[2]).toBe('2026-12-02,3,3,1,0,0,0,0');
    expect(lines[3]).toBe('2026-12-03,1,0,2,1,1,1,0');
  });

  it('a manager sees their own funnel and their campaigns’, not another manager’s, a branch’s or anyone else’s; agents and reviewers have no funnels; no session is refused', async () => {
    expect((await get(`/api/v1/staff/studio/funnel?campaignId=${seed.springId}`, 'jingli')).statusCode).toBe(200);
    expect((await get(`/api/v1/staff/studio/funnel?campaignId=${seed.farmId}`, 'jingli')).json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await get(`/api/v1/staff/studio/funnel?managerId=${seed.otherId}`, 'jingli')).statusCode).toBe(403);
    expect((await get('/api/v1/staff/studio/funnel?branch=0736', 'jingli')).statusCode).toBe(403);
    expect((await get(`/api/v1/staff/studio/funnel?managerId=${seed.otherId}`, 'zhuguan')).statusCode).toBe(200);
    for (const u of ['kefu', 'shenpi']) expect((await get(`/api/v1/staff/studio/funnel?campaignId=${seed.springId}`, u)).statusCode).toBe(403);
    expect((await consoleCall(server.app, 'GET', `/api/v1/staff/studio/funnel?campaignId=${seed.springId}`, null)).statusCode).toBe(401);
  });

  it('dashboards: application cohorts by day, channel, product and manager; a manager sees only theirs', async () => {
    const res = await get(`/api/v1/staff/studio/dashboard/applications?${week}`, 'shenpi');
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d.day).toHaveLength(7);
    expect(d.day.find((x: { key: string }) => x.key === '2026-12-03')).toMatchObject({ applied: 1, authorised: 1, approved: 1, drawn: 1 });
    expect(d.day.find((x: { key: string }) => x.key === '2026-12-05')).toMatchObject({ applied: 1, authorised: 1, approved: 0, drawn: 0 });
    expect(d.channel).toEqual([
      { key: 'unknown', label: 'unknown', applied: 2, authorised: 1, approved: 0, drawn: 0 },
      { key: 'web', label: 'web', applied: 1, authorised: 1, approved: 1, drawn: 1 },
      { key: 'wechat', label: 'wechat', applied: 1, authorised: 0, approved: 0, drawn: 0 },
    ]);
    expect(d.product).toEqual([{ key: 'changde-kuaidai-personal', label: 'changde-kuaidai-personal', applied: 4, authorised: 2, approved: 1, drawn: 1 }]);
    expect(d.manager).toEqual([
      { key: seed.managerId, label: '张伟', applied: 3, authorised: 2, approved: 1, drawn: 1 },
      { key: seed.otherId, label: '陈经理', applied: 1, authorised: 0, approved: 0, drawn: 0 },
    ]);
    const mine = (await get(`/api/v1/staff/studio/dashboard/applications?${week}`, 'jingli')).json();
    expect(mine.slice).toBe('manager');
    expect(mine.product[0].applied).toBe(3);
    const csv = await get(`/api/v1/staff/studio/dashboard/applications?${week}&table=channel&format=csv`, 'zhuguan');
    expect(csv.body.replace(/^\uFEFF/, '').split('\r\n').slice(0, 2)).toEqual(['渠道 Channel,申请 Applied,授权 Authorised,批准 Approved,用信 Drawn,批准率 Approval rate', 'unknown,2,1,0,0,0.00%']);
    expect((await get('/api/v1/staff/studio/dashboard/applications?table=weekday', 'zhuguan')).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'table' } });
    expect((await get('/api/v1/staff/studio/dashboard/applications', 'kefu')).statusCode).toBe(403);
  });

  it('dashboards: the portfolio from the daily snapshots, warnings by level, the collection queue; managers and agents are refused', async () => {
    const p = (await get(`/api/v1/staff/studio/dashboard/portfolio?${week}`, 'zhuguan')).json();
    expect(p.points.map((x: { businessDate: string }) => x.businessDate)).toEqual(['2026-12-05', '2026-12-06']);
    expect(p.points[1].figures).toMatchObject({ outstandingFen: 13_000_000_000, nplFen: 100_000_000, byBucket: { 'M3+': { count: 10 } } });
    const pcsv = (await get(`/api/v1/staff/studio/dashboard/portfolio?${week}&format=csv`, 'zhuguan')).body.replace(/^\uFEFF/, '').split('\r\n');
    expect(pcsv[0]).toContain('贷款余额(元) Outstanding (yuan)');
    expect(pcsv[0]).toContain('次级(元) Substandard (yuan)');
    expect(pcsv[2]).toMatch(/^2026-12-06,300000000\.00,130000000\.00,43\.33%,12000,15600,/);
    const risk = (await get('/api/v1/staff/studio/dashboard/risk', 'shenpi')).json();
    expect(risk.byLevel).toEqual([
      { level: 'red', open: 1, confirmed: 0, cleared: 0 },
      { level: 'orange', open: 0, confirmed: 1, cleared: 0 },
      { level: 'yellow', open: 1, confirmed: 0, cleared: 0 },
    ]);
    expect(risk.openByDate).toEqual([{ businessDate: '2026-12-04', red: 0, orange: 0, yellow: 1 }, { businessDate: '2026-12-06', red: 1, orange: 0, yellow: 0 }]);
    const c = (await get('/api/v1/staff/studio/dashboard/collection', 'admin')).json();
    expect(c.workOrders).toEqual({ open: 1, assigned: 0, inProgress: 1, overdue: 1, resolvedInPeriod: 1 });
    expect(c.buckets[0]).toEqual({ bucket: 'M0', lines: 1, outstandingFen: 3_000_000 });
    expect((await get('/api/v1/staff/studio/dashboard/collection?format=csv', 'admin')).body).toContain('M0,1,30000.00');
    for (const path of ['portfolio', 'risk', 'collection']) for (const u of ['jingli', 'kefu']) expect((await get(`/api/v1/staff/studio/dashboard/${path}`, u)).statusCode).toBe(403);
  });

  it('dashboards: campaign performance with conversion rates; a manager sees their campaigns only', async () => {
    const all = (await get(`/api/v1/staff/studio/dashboard/campaigns?${week}`, 'zhuguan')).json();
    expect(all.campaigns.map((x: { code: string }) => x.code)).toEqual(['HN2026', 'CG2026']);
    expect(all.campaigns[1]).toMatchObject({ name: '春耕贷', status: 'running', sent: 4, delivered: 3, clicked: 5, applied: 2, approved: 1, drawn: 1, deliveryRate: 0.75, clickRate: 1.6667, applyRate: 0.4, approvalRate: 0.5, drawRate: 1 });
    const mine = (await get(`/api/v1/staff/studio/dashboard/campaigns?${week}`, 'jingli')).json();
    expect(mine.campaigns.map((x: { code: string }) => x.code)).toEqual(['CG2026']);
    const csv = (await get(`/api/v1/staff/studio/dashboard/campaigns?${week}&format=csv`, 'zhuguan')).body.replace(/^\uFEFF/, '').split('\r\n');
    expect(csv[0]).toMatch(/^活动编码 Code,活动名称 Name,状态 Status,发送 Sent/);
    expect(csv[2]).toBe('CG2026,春耕贷,running,4,3,5,2,1,1,75.00%,166.67%,40.00%,50.00%,100.00%');
  });
});
