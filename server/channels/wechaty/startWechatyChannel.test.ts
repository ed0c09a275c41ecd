import type { EventEmitter } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { mock, PuppetMock } from 'wechaty-puppet-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../../bots/index.js';
import type { WechatyConfig } from '../../config/index.js';
import { createLogger } from '../../logging/index.js';
import { APOLOGY, type ChannelSender, type ReceiveResult } from '../../runtime/index.js';
import { requireWechatyInstalled, startWechatyChannel, WechatyStartError, type HandledReport, type WechatyChannel } from './startWechatyChannel.js';

const settings: WechatyConfig = { puppet: 'wechaty-puppet-mock', token: undefined, endpoint: undefined, name: undefined, sessionFile: undefined, botNames: ['快贷助手'], acceptFriendships: true };
const events = (x: unknown) => x as EventEmitter;

/** A runtime that records what it receives; `receive` runs `behaviour` (answer, block or throw). */
function fakeServices(behaviour: (m: InboundMessage) => Promise<ReceiveResult> = async () => ({ conversationId: 'c1', replies: [], duplicate: false })) {
  const received: InboundMessage[] = [];
  const registered: ChannelSender[] = [];
  let idleCalls = 0;
  return {
    received,
    registered,
    idleCalls: () => idleCalls,
    runtime: { receive: (m: InboundMessage) => (received.push(m), behaviour(m)) },
    outbox: { register: (s: ChannelSender) => (registered.push(s), undefined as never), idle: async () => void idleCalls++ },
  };
}

/** Starts the channel with wechaty-puppet-mock loaded by name, as WECHATY_PUPPET=wechaty-puppet-mock would. */
async function start(services: ReturnType<typeof fakeServices>, extra: Partial<WechatyConfig> = {}) {
  const reports: HandledReport[] = [];
  const waiting = new Map<string, (r: HandledReport) => void>();
  const channel = await startWechatyChannel({
    settings: { ...settings, ...extra },
    runtime: services.runtime,
    outbox: services.outbox,
    logger: createLogger('silent'),
    publicBaseUrl: 'https://kd.example.cn',
    onHandled: (r) => {
      reports.push(r);
      waiting.get(r.messageId)?.(r);
    },
  });
  channels.push(channel);
  const mocker = (channel.bot.puppet as unknown as PuppetMock).mocker;
  const self = mocker.createContact({ name: '快贷助手' });
  /** `from` says `text` to the bot; resolves with the channel's report. */
  const say = (from: mock.ContactMock, text: string, to: mock.ContactMock | mock.RoomMock = self) => {
    let id = '';
    const capture = (m: { id: string }) => (id ||= m.id);
    events(from).on('message', capture);
    from.say(text).to(to);
    events(from).off('message', capture);
    return new Promise<HandledReport>((resolve) => waiting.set(id, resolve));
  };
  return { channel, mocker, self, say, reports };
}

const channels: WechatyChannel[] = [];
afterEach(async () => {
  await Promise.all(channels.splice(0).map((c) => c.stop()));
});

describe('startWechatyChannel', () => {
  it('stops with one clear line when wechaty or the puppet is not installed (production installs leave them out)', async () => {
    const services = fakeServices();
    const start = startWechatyChannel({ settings: { ...settings, puppet: 'wechaty-puppet-not-installed' }, runtime: services.runtime, outbox: services.outbox, logger: createLogger('silent'), publicBaseUrl: 'https://kd.example.cn' });
    await expect(start).rejects.toThrow(WechatyStartError);
    await expect(start).rejects.toThrow(/wechaty-puppet-not-installed is not installed .*`npm install --no-save wechaty@1\.20\.2 wechaty-puppet-not-installed`/);
    expect(() => requireWechatyInstalled('wechaty-puppet-service', () => false)).toThrow(/wechaty and wechaty-puppet-service are not installed/);
    expect(() => requireWechatyInstalled('wechaty-puppet-mock')).not.toThrow();
  });

  it('loads the puppet by name, registers the sender at login, and hands private messages to the runtime', async () => {
    const services = fakeServices();
    const { channel, mocker, self, say } = await start(services);
    expect(services.registered).toEqual([]);
    mocker.login(self);
    await channel.loggedIn;
    expect(services.registered).toEqual([channel.sender]);
    expect(channel.sender.channel).toBe('wechat');

    const customer = mocker.createContact({ name: '张三' });
    const report = await say(customer, '你好');
    expect(report).toMatchObject({ outcome: 'received', conversationId: 'c1', replies: 0 });
    expect(services.received).toEqual([{ channel: 'wechat', userId: customer.id, messageId: report.messageId, text: '你好' }]);
  });

  it('apologises in a private chat when the runtime fails, but stays silent on group chatter', async () => {
    const services = fakeServices(async () => {
      throw new Error('database unreachable');
    });
    const { channel, mocker, self, say } = await start(services);
    mocker.login(self);
    await channel.loggedIn;
    const customer = mocker.createContact({ name: '李四' });
    const inbox: string[] = [];
    events(customer).on('message', (m: { talker(): { id: string }; text(): string }) => m.talker().id === self.id && inbox.push(m.text()));
    expect(await say(customer, '你好')).toMatchObject({ outcome: 'failed' });
    expect(inbox).toEqual([APOLOGY.text]);

    const room = mocker.createRoom({ topic: '群', memberIdList: [self.id, customer.id] });
    const roomInbox: string[] = [];
    events(room).on('message', (m: { talker(): { id: string }; text(): string }) => m.talker().id === self.id && roomInbox.push(m.text()));
    expect(await say(customer, '大家好', room)).toMatchObject({ outcome: 'failed' });
    expect(await say(customer, '快贷助手 你好', room)).toMatchObject({ outcome: 'failed' });
    expect(roomInbox).toEqual([APOLOGY.text]);
    expect(services.received.map((m) => m.addressed)).toEqual([undefined, false, true]);
  });

  it('accepts friend requests when configured', async () => {
    const services = fakeServices();
    const { channel, mocker, self } = await start(services);
    mocker.login(self);
    await channel.loggedIn;
    const puppet = channel.bot.puppet as unknown as PuppetMock;
    const stranger = mocker.createContact({ name: '王五', friend: false });
    puppet.friendshipRawPayload = async (id: string) => ({ id, contactId: stranger.id, hello: '我是王五 13807360001', type: 2, timestamp: Date.now() });
    const accepted = new Promise<string>((resolve) => {
      puppet.friendshipAccept = async (id: string) => resolve(id);
    });
    puppet.emit('friendship', { friendshipId: 'f1' });
    expect(await accepted).toBe('f1');

    const off = await start(fakeServices(), { acceptFriendships: false });
    expect(events(off.channel.bot).listenerCount('friendship')).toBe(0);
  });

  it('stops taking messages, waits for the ones under way and their deliveries, then stops the bot', async () => {
    let release!: () => void;
    let reached!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const inRuntime = new Promise<void>((resolve) => (reached = resolve));
    const services = fakeServices(async () => {
      reached();
      await blocked;
      return { conversationId: 'c1', replies: [], duplicate: false };
    });
    const { channel, mocker, self, say } = await start(services);
    mocker.login(self);
    await channel.loggedIn;
    const customer = mocker.createContact({ name: '赵六' });
    const first = say(customer, '第一条');
    // The message reaches the runtime (and blocks there) before stop is called.
    await inRuntime;
    let stopped = false;
    const stopping = channel.stop().then(() => (stopped = true));
    expect(services.received).toHaveLength(1);
    expect(stopped).toBe(false);
    release();
    expect(await first).toMatchObject({ outcome: 'received' });
    await stopping;
    expect(services.idleCalls()).toBe(1);
    expect(channel.bot.isLoggedIn).toBe(false);
    expect(await channel.stop()).toBeUndefined();
  });

  it('keeps the login session under the data directory when the bot has a name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kd-wechaty-'));
    try {
      const sessionFile = path.join(dir, 'wechaty', 'kuaidai-bot');
      const { channel } = await start(fakeServices(), { name: 'kuaidai-bot', sessionFile });
      expect((await stat(path.dirname(sessionFile))).isDirectory()).toBe(true);
      expect(channel.bot.name()).toBe(sessionFile);
    } finally {
      await Promise.all(channels.splice(0).map((c) => c.stop()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
