import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { drain } from './support/campaignRig.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

let database: TestDatabase;
let server: Server;
/** Inside the marketing window (10:00 Beijing). */
const clock = manualClock('2026-03-02T10:00:00+08:00');
beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database, { PUBLIC_BASE_URL: 'https://loans.example.cn' }), createLogger('silent'), { spec: createEchoSpec({ lookupMs: 1 }), clock });
  await server.app.ready();
}, 180_000);
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

describe(`campaign tracked links on ${testDatabaseKind()}`, () => {
  it('marks the delivery opened and clicked once, logs every tap with the visitor cookie, redirects with cmp_<code>, draws its QR', async () => {
    const prisma = server.db.prisma;
    const now = clock.now();
    await prisma.conversation.create({ data: { channel: 'web', externalUserId: 'visitor-1', machineId: 'echo', machineVersion: 1, version: 1 } });
    const campaign = await prisma.campaign.create({ data: { code: 'SPRING', name: '春耕', status: 'scheduled', scheduledAt: now, channels: ['web'], content: { text: '春耕贷款', card: { title: '春耕贷' }, withQr: true } } });
    // The server's own sender, as its job runs it.
    await server.campaigns.startDue();
    await drain(server.campaigns, clock, campaign.id, new Date(now.getTime() + 60_000));
    const delivery = await prisma.campaignDelivery.findFirstOrThrow({ where: { campaignId: campaign.id } });
    expect(delivery.status).toBe('sent');

    const first = await server.app.inject({ method: 'GET', url: `/r/${delivery.token}` });
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe('/?ref=cmp_SPRING');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toMatch(/^kd_vid=/);
    const clicked = await prisma.campaignDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(clicked.clickedAt).not.toBeNull();
    expect(clicked.openedAt).not.toBeNull();

    const again = await server.app.inject({ method: 'GET', url: `/r/${delivery.token}`, headers: { cookie } });
    expect(again.statusCode).toBe(302);
    expect((await prisma.campaignDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).clickedAt).toEqual(clicked.clickedAt);
    const clicks = await prisma.linkClick.findMany({ where: { deliveryId: delivery.id } });
    expect(clicks).toHaveLength(2);
    expect(clicks.every((c) => c.code === 'cmp_SPRING' && c.campaignId === campaign.id && c.visitorId === cookie.slice('kd_vid='.length))).toBe(true);

    const qr = await server.app.inject({ method: 'GET', url: `/r/${delivery.token}/qr.png` });
    expect(qr.statusCode).toBe(200);
    expect(qr.headers['content-type']).toBe('image/png');
    expect(qr.rawPayload.subarray(1, 4).toString()).toBe('PNG');
  }, 180_000);

  it('answers an unknown or malformed token with a short page in both languages, not an error', async () => {
    for (const token of ['0'.repeat(32), 'not-a-token', '%27%3B--']) {
      const res = await server.app.inject({ method: 'GET', url: `/r/${token}` });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('链接无效');
      expect(res.body).toContain('not valid');
    }
    expect((await server.app.inject({ method: 'GET', url: `/r/${'0'.repeat(32)}/qr.png` })).statusCode).toBe(404);
  }, 180_000);
});
