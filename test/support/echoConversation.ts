import { assign, fromPromise, setup, type AnyMachineSnapshot } from 'xstate';
import type { ConversationEvent, ConversationSpec, ConversationStart, Deadline, Reply } from '../../flows/index.js';

/**
 * A small conversation machine that follows the runtime contract, for the runtime's tests: it asks
 * for a name, looks it up in a `busy` state (a promise that takes `lookupMs` and is keyed for
 * idempotency), echoes what is said, keeps a nudge deadline, answers media with a re-prompt, lets
 * staff take over and hand back, and blows up (a bug) on the text "boom".
 */
export interface EchoEffects {
  /** Idempotency key of every lookup run (a restored in-flight lookup runs again with the same key). */
  readonly lookups: string[];
  /** Results by key: a repeated key is answered from here, as a real effect service would. */
  readonly performed: Map<string, string>;
}

export interface EchoOptions {
  readonly version?: number;
  readonly lookupMs?: number;
  readonly effects?: EchoEffects;
}

export const newEchoEffects = (): EchoEffects => ({ lookups: [], performed: new Map() });

export const ECHO = {
  askName: '你好！我是测试助手，请问怎么称呼您？',
  tooLong: '名字太长了，请简短一些。',
  busy: '正在处理，请稍候。',
  media: '暂时只能看懂文字，请用文字回复。',
  nudge: '还在吗？有需要随时找我。',
  handback: '客服已离开，机器人继续为您服务。',
  upgraded: '服务已升级，我们重新开始吧。',
  greeting: (name: string) => `${name}，您好！我记住您了。`,
  echo: (text: string) => `你说：${text}`,
  takeover: (staffName: string) => `客服${staffName}为您服务。`,
} as const;

export const NUDGE_AFTER_MS = 60_000;

interface EchoContext {
  readonly conversationId: string;
  readonly locale: 'zh' | 'en';
  readonly referral: string | undefined;
  readonly name: string | undefined;
  /** `at` of the last event: the machine never reads the clock. */
  readonly lastAt: number;
  /** Reported in the status: "我是 <uuid>" sets it (a borrower the database may not know). */
  readonly borrowerId?: string;
}

const nudge = (at: number): Deadline => ({ key: 'nudge', kind: 'nudge', dueAt: at + NUDGE_AFTER_MS });

export function createEchoSpec(options: EchoOptions = {}): ConversationSpec & { readonly effects: EchoEffects } {
  const version = options.version ?? 2;
  const lookupMs = options.lookupMs ?? 20;
  const effects = options.effects ?? newEchoEffects();

  const logic = setup({
    types: {
      context: {} as EchoContext,
      events: {} as ConversationEvent,
      input: {} as ConversationStart,
    },
    actions: {
      // Placeholders: the runtime's sink replaces them through createMachine(sink).
      reply: (_, _reply: Reply) => {},
      scheduleDeadline: (_, _deadline: Deadline) => {},
      cancelDeadline: (_, _key: { key: string }) => {},
      explode: () => {
        throw new Error('the echo machine exploded (a deliberate bug)');
      },
    },
    actors: {
      lookup: fromPromise<string, { key: string; name: string }>(async ({ input }) => {
        effects.lookups.push(input.key);
        await new Promise((resolve) => setTimeout(resolve, lookupMs));
        const known = effects.performed.get(input.key);
        if (known !== undefined) return known;
        effects.performed.set(input.key, input.name);
        return input.name;
      }),
    },
    guards: {
      isBoom: ({ event }) => event.type === 'user.text' && event.text.trim() === 'boom',
      nameTooLong: ({ event }) => event.type === 'user.text' && (event.text.trim().length === 0 || [...event.text.trim()].length > 50),
      textIs: ({ event }, text: string) => event.type === 'user.text' && event.text.trim() === text,
      isNudge: ({ event }) => event.type === 'deadline.due' && event.key === 'nudge',
    },
  });

  const machine = logic.createMachine({
    id: 'echo',
    context: ({ input }) => ({ conversationId: input.conversationId, locale: input.locale, referral: input.referral, name: undefined, lastAt: 0 }),
    initial: 'bot',
    states: {
      bot: {
        initial: 'askName',
        on: {
          'user.media': { actions: { type: 'reply', params: { text: ECHO.media } } },
          'staff.takeover': {
            target: 'staff',
            actions: { type: 'reply', params: ({ event }) => ({ text: ECHO.takeover(event.staffName) }) },
          },
        },
        states: {
          hist: { type: 'history' },
          askName: {
            entry: { type: 'reply', params: { text: ECHO.askName } },
            on: {
              'user.text': [
                { guard: 'isBoom', actions: 'explode' },
                { guard: 'nameTooLong', actions: { type: 'reply', params: { text: ECHO.tooLong } } },
                { target: 'lookup', actions: assign({ name: ({ event }) => event.text.trim(), lastAt: ({ event }) => event.at }) },
              ],
            },
          },
          lookup: {
            tags: ['busy'],
            invoke: {
              id: 'lookup',
              src: 'lookup',
              input: ({ context }) => ({ key: `${context.conversationId}:${context.name}`, name: context.name ?? '' }),
              onDone: {
                target: 'chatting',
                actions: [
                  { type: 'reply', params: ({ event }) => ({ text: ECHO.greeting(event.output) }) },
                  { type: 'scheduleDeadline', params: ({ context }) => nudge(context.lastAt) },
                ],
              },
            },
            on: { 'user.text': { actions: { type: 'reply', params: { text: ECHO.busy } } } },
          },
          chatting: {
            on: {
              'user.text': [
                { guard: 'isBoom', actions: 'explode' },
                {
                  guard: { type: 'textIs', params: '菜单' },
                  actions: {
                    type: 'reply',
                    params: {
                      text: '请选择：',
                      options: [
                        { label: '申请贷款', value: '申请贷款' },
                        { label: '查询额度', value: '查询额度' },
                      ],
                    },
                  },
                },
                {
                  guard: ({ event }) => event.type === 'user.text' && event.text.startsWith('我是 '),
                  actions: [assign({ borrowerId: ({ event }) => event.text.slice(3).trim() }), { type: 'reply', params: { text: '好的。' } }],
                },
                { guard: { type: 'textIs', params: '再查一次' }, target: 'lookup', actions: assign({ name: ({ context }) => `${context.name}·再查`, lastAt: ({ event }) => event.at }) },
                {
                  guard: { type: 'textIs', params: '取消提醒' },
                  actions: [{ type: 'cancelDeadline', params: { key: 'nudge' } }, { type: 'reply', params: { text: '好的，不再提醒。' } }],
                },
                {
                  actions: [
                    { type: 'reply', params: ({ event }) => ({ text: ECHO.echo(event.text) }) },
                    { type: 'scheduleDeadline', params: ({ event }) => nudge(event.at) },
                  ],
                },
              ],
              'deadline.due': { guard: 'isNudge', actions: { type: 'reply', params: { text: ECHO.nudge } } },
            },
          },
        },
      },
      staff: {
        on: {
          'staff.message': { actions: { type: 'reply', params: ({ event }) => ({ text: event.text }) } },
          'staff.handback': { target: 'bot.hist', actions: { type: 'reply', params: { text: ECHO.handback } } },
        },
      },
    },
  });

  return {
    machineId: 'echo',
    version,
    effects,
    createMachine: (sink) => machine.provide({ actions: { reply: sink.reply, scheduleDeadline: sink.scheduleDeadline, cancelDeadline: sink.cancelDeadline } }),
    input: (start) => start,
    status: (snapshot: AnyMachineSnapshot) => {
      const context = snapshot.context as EchoContext;
      const value = snapshot.value as Record<string, string> | string;
      return {
        handoff: snapshot.matches('staff') ? 'staff' : 'bot',
        ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}),
        step: typeof value === 'string' ? value : Object.entries(value).map(([k, v]) => `${k}.${v}`).join(','),
        locale: context.locale,
      };
    },
    migrate: (_fromVersion, _persisted, start) => ({ kind: 'restart', input: start, notice: { text: ECHO.upgraded } }),
  };
}
