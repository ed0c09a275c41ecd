import type { EventEmitter } from 'node:events';
import { mock, PuppetMock } from 'wechaty-puppet-mock';
import type { HandledReport } from '../server/channels/wechaty/index.js';

type ContactMock = mock.ContactMock;
type RoomMock = mock.RoomMock;
type MessageMock = mock.MessageMock;

/** A payload for a hand-made message (media, recalls, old timestamps): what `say` cannot produce. */
export interface CraftedMessage {
  readonly type: number;
  readonly text?: string;
  readonly timestamp?: number;
  readonly room?: RoomMock;
  readonly mentionBot?: boolean;
}

/**
 * A mocked WeChat around the channel, driven through wechaty-puppet-mock: contacts and rooms say
 * things to the bot, and every step waits for events — the channel's report that it handled the
 * message, then the outbox going idle (all replies sent) — never for time to pass.
 */
export interface MockWechat {
  readonly puppet: PuppetMock;
  readonly mocker: mock.Mocker;
  /** The bot's own account; log it in with `login()` once the channel started. */
  readonly self: ContactMock;
  /** Pass to the channel (`onHandled`). */
  readonly onHandled: (report: HandledReport) => void;
  readonly reports: readonly HandledReport[];
  login(): void;
  contact(name: string): ContactMock;
  room(topic: string, members: readonly ContactMock[]): RoomMock;
  /** Everything the bot sent into this private chat or room, in order. */
  inbox(where: ContactMock | RoomMock): readonly string[];
  /** `from` says `text` privately to the bot, or in `room` (with a real @-mention when `mentionBot`). Resolves with the channel's report and the bot's new messages there. */
  say(from: ContactMock, text: string, options?: { room?: RoomMock; mentionBot?: boolean }): Promise<{ report: HandledReport; replies: string[] }>;
  /** Delivers a hand-made message from `from`, like a puppet would. */
  send(from: ContactMock, message: CraftedMessage): Promise<{ report: HandledReport; replies: string[] }>;
  /** Emits a message the puppet already delivered once again (a reconnect replaying it) and waits for its second report. */
  redeliver(messageId: string, where: ContactMock | RoomMock): Promise<{ report: HandledReport; replies: string[] }>;
}

let serial = 0;

// The mocks are EventEmitters; their typings name a types-only package (typed-emitter) that is not installed.
const events = (x: ContactMock | RoomMock) => x as unknown as EventEmitter;

export function createMockWechat(options: { botName: string; idle: () => Promise<void> }): MockWechat {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const self = mocker.createContact({ name: options.botName });
  const reports: HandledReport[] = [];
  const waiting: { messageId: string; resolve: (r: HandledReport) => void }[] = [];
  const boxes = new Map<string, string[]>();

  const onHandled = (report: HandledReport) => {
    reports.push(report);
    const i = waiting.findIndex((w) => w.messageId === report.messageId);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(report);
  };
  /** The next report of this message (not one already made). */
  const nextReport = (messageId: string): Promise<HandledReport> => new Promise((resolve) => waiting.push({ messageId, resolve }));
  const box = (id: string) => {
    const list = boxes.get(id) ?? [];
    boxes.set(id, list);
    return list;
  };
  /** Waits for the channel to handle the message and for its replies to be sent; returns what arrived in `where`. */
  const settle = async (pending: Promise<HandledReport>, where: string) => {
    const before = box(where).length;
    const report = await pending;
    await options.idle();
    return { report, replies: box(where).slice(before) };
  };

  return {
    puppet,
    mocker,
    self,
    onHandled,
    reports,
    login: () => mocker.login(self),
    contact(name) {
      const c = mocker.createContact({ name });
      events(c).on('message', (m: MessageMock) => {
        if (m.talker().id === self.id && m.listener()?.id === c.id) box(c.id).push(m.text() ?? '');
      });
      return c;
    },
    room(topic, members) {
      const r = mocker.createRoom({ topic, memberIdList: [self.id, ...members.map((m) => m.id)] });
      events(r).on('message', (m: MessageMock) => {
        if (m.talker().id === self.id) box(r.id).push(m.text() ?? '');
      });
      return r;
    },
    inbox: (where) => box(where.id),
    async say(from, text, { room, mentionBot } = {}) {
      let report: Promise<HandledReport> | undefined;
      // The talker emits the new message synchronously inside `to()`, before wechaty sees it.
      const capture = (m: MessageMock) => (report ??= nextReport(m.id));
      events(from).on('message', capture);
      from.say(text, mentionBot ? [self] : []).to(room ?? self);
      events(from).off('message', capture);
      return settle(report!, room ? room.id : from.id);
    },
    async send(from, message) {
      const id = `crafted-${++serial}`;
      const payload = {
        id,
        talkerId: from.id,
        timestamp: message.timestamp ?? Date.now(),
        type: message.type,
        ...(message.text === undefined ? {} : { text: message.text }),
        ...(message.room ? { roomId: message.room.id, mentionIdList: message.mentionBot ? [self.id] : [] } : { listenerId: self.id }),
      };
      mocker.MessageMock.create(payload as never);
      const report = nextReport(id);
      puppet.emit('message', { messageId: id });
      return settle(report, message.room ? message.room.id : from.id);
    },
    redeliver(messageId, where) {
      const report = nextReport(messageId);
      puppet.emit('message', { messageId });
      return settle(report, where.id);
    },
  };
}
