import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWecomRobot } from '../server/channels/wecom/index.js';
import { drain, openCampaignRig, type CampaignRig } from './support/campaignRig.js';
import { startFakeWechatApi, type FakeWechatApi } from './support/fakeWechatApi.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const KEY = '693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa';
let fake: FakeWechatApi;
let database: TestDatabase;
let rig: CampaignRig;

beforeAll(async () => {
  fake = await startFakeWechatApi({ appId: 'wx1234567890abcdef', appSecret: '0'.repeat(32), robotKeys: [KEY] });
});
afterAll(() => fake?.close());
beforeEach(async () => {
  database = await createTestDatabase();
  rig = await openCampaignRig(database.target);
}, 180_000);
afterEach(async () => {
  await rig.close();
  await database.drop();
});

const deliveryOf = (campaignId: string) => rig.db.prisma.campaignDelivery.findFirstOrThrow({ where: { campaignId } });
/** The robot client as the server builds it for campaigns: it refuses at once instead of waiting for a slot. */
const robotClient = () => createWecomRobot({ webhookBaseUrl: fake.url, robots: { branch: KEY }, clock: rig.clock, maxWaitMs: 0 });
const posted = () => fake.robotMessages.filter((m) => m.key === KEY).length;

describe('campaign sender on group channels', () => {
  it('holds a WeCom robot to 20 messages a minute: the 21st to 25th wait for the next minute, none is dropped', async () => {
    const sender = rig.sender({ channels: { robot: robotClient() } });
    const before = posted();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(await rig.campaign({ code: `R${i}`, channels: ['wecom_robot'], groupTargets: [{ kind: 'wecom_robot', robot: 'branch' }] }));
    await sender.startDue();
    for (const id of ids) await sender.sendBatch(id);
    expect(posted() - before).toBe(20);
    const waiting = await rig.db.prisma.campaignDelivery.findMany({ where: { campaignId: { in: ids }, status: 'deferred' } });
    expect(waiting).toHaveLength(5);
    expect(waiting.every((d) => d.reason === 'rate_limited' && d.attempts === 0)).toBe(true);
    rig.clock.advance(30_000);
    for (const id of ids) await sender.sendBatch(id);
    expect(posted() - before).toBe(20);
    rig.clock.advance(30_001);
    for (const id of ids) await sender.sendBatch(id);
    expect(posted() - before).toBe(25);
    const campaigns = await rig.db.prisma.campaign.findMany({ where: { id: { in: ids } } });
    expect(campaigns.every((c) => c.status === 'done')).toBe(true);
    const first = await deliveryOf(ids[0]!);
    const body = fake.robotMessages.filter((m) => m.key === KEY).at(-25)!.body as { news: { articles: { url: string; description: string }[] } };
    expect(body.news.articles[0]!.url).toBe(`https://loans.example.cn/r/${first.token}`);
    expect(body.news.articles[0]!.description).toContain('【快贷助手示范银行】');
  }, 180_000);

  it('backs off for 10 minutes when WeCom answers 130101, sending nothing to that robot meanwhile', async () => {
    const sender = rig.sender({ channels: { robot: robotClient() } });
    const a = await rig.campaign({ code: 'BLOCKED_A', channels: ['wecom_robot'], groupTargets: [{ kind: 'wecom_robot', robot: 'branch' }] });
    const b = await rig.campaign({ code: 'BLOCKED_B', channels: ['wecom_robot'], groupTargets: [{ kind: 'wecom_robot', robot: 'branch' }] });
    await sender.startDue();
    fake.failNext('/cgi-bin/webhook/send', 130101);
    const calls = () => fake.callsTo('/cgi-bin/webhook/send').length;
    const callsBefore = calls();
    const first = await sender.sendBatch(a);
    expect(await deliveryOf(a)).toMatchObject({ status: 'deferred', reason: 'rate_limited' });
    expect(first.nextAt!.getTime() - rig.clock.now().getTime()).toBe(600_000);
    await sender.sendBatch(b);
    expect(await deliveryOf(b)).toMatchObject({ status: 'deferred', reason: 'rate_limited' });
    expect(calls() - callsBefore).toBe(1); // B never reached WeCom during the block
    rig.clock.advance(9 * 60_000);
    await sender.sendBatch(a);
    expect(calls() - callsBefore).toBe(1);
    rig.clock.advance(60_000);
    await sender.sendBatch(a);
    await sender.sendBatch(b);
    expect(await deliveryOf(a)).toMatchObject({ status: 'sent' });
    expect(await deliveryOf(b)).toMatchObject({ status: 'sent' });
  }, 180_000);

  it('says the message in a wechaty room; a channel that is not configured fails the delivery as channel_unavailable', async () => {
    const said: { roomId: string; text: string }[] = [];
    const sender = rig.sender({ channels: { rooms: async (roomId, text) => void said.push({ roomId, text }) } });
    const room = await rig.campaign({ code: 'ROOM', channels: ['wechaty_room', 'wecom_robot'], groupTargets: [{ kind: 'wechaty_room', roomId: 'room-1@chatroom' }, { kind: 'wecom_robot', robot: 'branch' }] });
    await sender.startDue();
    await drain(sender, rig.clock, room);
    expect(said).toHaveLength(1);
    const delivery = await rig.db.prisma.campaignDelivery.findUniqueOrThrow({ where: { campaignId_recipientKey: { campaignId: room, recipientKey: 'room:room-1@chatroom' } } });
    expect(delivery).toMatchObject({ status: 'sent', target: 'room-1@chatroom' });
    expect(said[0]!.text).toContain(`https://loans.example.cn/r/${delivery.token}`);
    expect(said[0]!.text.split('\n').at(-1)).toBe('回复"退订"不再接收');
    const robot = await rig.db.prisma.campaignDelivery.findUniqueOrThrow({ where: { campaignId_recipientKey: { campaignId: room, recipientKey: 'robot:branch' } } });
    expect(robot).toMatchObject({ status: 'failed', reason: 'channel_unavailable' });
    expect((await rig.db.prisma.campaign.findUniqueOrThrow({ where: { id: room } })).status).toBe('done');
  }, 180_000);

  it('never sends an external delivery twice: one found sending after its lease is failed as interrupted', async () => {
    const said: string[] = [];
    const sender = rig.sender({ channels: { rooms: async (roomId) => void said.push(roomId) }, leaseMs: 60_000 });
    const id = await rig.campaign({ code: 'CRASHED', channels: ['wechaty_room'], groupTargets: [{ kind: 'wechaty_room', roomId: 'room-2@chatroom' }] });
    await sender.startDue();
    await sender.materialise(id);
    // A process claimed it and died before marking it sent (it may have gone out).
    await rig.db.prisma.campaignDelivery.updateMany({ where: { campaignId: id }, data: { status: 'sending', attempts: 1, notBefore: new Date(rig.clock.now().getTime() + 60_000) } });
    await sender.sendBatch(id);
    expect(said).toEqual([]);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sending' });
    rig.clock.advance(60_001);
    await sender.sendBatch(id);
    expect(said).toEqual([]);
    expect(await deliveryOf(id)).toMatchObject({ status: 'failed', reason: 'interrupted' });
    expect((await rig.db.prisma.campaign.findUniqueOrThrow({ where: { id } })).status).toBe('done');
  }, 180_000);
});

describe('pause, resume and cancel', () => {
  it('a paused campaign sends nothing (the rest stay pending), resumed it continues, cancelled its rest is suppressed', async () => {
    await rig.seedWebUsers(12);
    const sender = rig.sender({ batchSize: 4 });
    const id = await rig.campaign({ code: 'PAUSE' });
    await sender.startDue();
    await sender.sendBatch(id);
    const count = (status: string) => rig.db.prisma.campaignDelivery.count({ where: { campaignId: id, status } });
    expect(await count('sent')).toBe(4);
    await rig.db.prisma.campaign.update({ where: { id }, data: { status: 'paused' } });
    const paused = await sender.sendBatch(id);
    expect(paused.nextAt).toBeUndefined();
    expect(await count('sent')).toBe(4);
    expect(await count('pending')).toBe(8);
    await rig.db.prisma.campaign.update({ where: { id }, data: { status: 'running' } });
    await sender.sendBatch(id);
    expect(await count('sent')).toBe(8);
    await rig.db.prisma.campaign.update({ where: { id }, data: { status: 'cancelled' } });
    expect(await sender.active()).toEqual([id]);
    await sender.sendBatch(id);
    expect(await count('sent')).toBe(8);
    expect(await rig.db.prisma.campaignDelivery.count({ where: { campaignId: id, status: 'suppressed', reason: 'cancelled' } })).toBe(4);
    expect(await sender.active()).toEqual([]);
    expect(await rig.db.prisma.message.count({ where: { author: 'campaign:PAUSE' } })).toBe(8);
  }, 180_000);
});
