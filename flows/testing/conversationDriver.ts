import { createActor, type AnyActor, type AnyMachineSnapshot } from 'xstate';
import type { ConversationEvent } from '../events.js';
import type { Reply } from '../reply.js';
import { BUSY_TAG, type AnyActorSystem, type ConversationSpec, type ConversationStart, type Deadline } from '../runtimeContract.js';

/** A driver's conversation as it stands: what another driver continues from. */
export interface DriverState {
  readonly persisted: unknown;
  readonly now: number;
  readonly messages: number;
  readonly deadlines: readonly (readonly [string, Deadline])[];
}

/** An event as a test writes it: the driver stamps the time. */
/** An event as a test writes it: the driver adds `at`, and a message `id` unless the test gives one (to model a redelivery). */
export type EventWithoutAt = ConversationEvent extends infer E ? (E extends unknown ? Omit<E, 'at' | 'id'> & { id?: string } : never) : never;

const busy = (s: AnyMachineSnapshot): boolean =>
  s.status === 'active' && (s.hasTag(BUSY_TAG) || Object.values(s.children ?? {}).some((c) => c && busy((c as AnyActor).getSnapshot() as AnyMachineSnapshot)));

/**
 * Drives a conversation the way the runtime does, in memory: every turn restores the persisted
 * snapshot, sends one event, waits until nothing is busy, persists and stops. For tests of flows/.
 */
export function createConversationDriver(spec: ConversationSpec, start: Partial<ConversationStart> = {}, from?: DriverState) {
  const turns = new WeakMap<AnyActorSystem, { replies: Reply[]; deadlines: Map<string, Deadline> }>();
  const deadlines = new Map<string, Deadline>(from?.deadlines ?? []);
  const machine = spec.createMachine({
    reply: ({ system }, r) => void turns.get(system)?.replies.push(r),
    scheduleDeadline: ({ system }, d) => void turns.get(system)?.deadlines.set(d.key, d),
    cancelDeadline: ({ system }, { key }) => {
      turns.get(system)?.deadlines.delete(key);
      deadlines.delete(key);
    },
  });
  const conversationStart: ConversationStart = { conversationId: 'conv-1', channel: 'rest', chatType: 'private', locale: 'zh', ...start };
  let persisted: unknown = from?.persisted;
  let now = from?.now ?? Date.UTC(2026, 10, 22, 2, 0, 0); // 2026-11-22 10:00 in Shanghai
  let messages = from?.messages ?? 0;
  const nextId = () => `m${++messages}`;

  async function send(event: ConversationEvent): Promise<Reply[]> {
    const turn = { replies: [] as Reply[], deadlines: new Map<string, Deadline>() };
    let changed: () => void = () => {};
    let failure: unknown;
    const actor = createActor(machine, {
      ...(persisted ? { snapshot: persisted as never } : { input: spec.input(conversationStart) }),
      inspect: (e) => e.type === '@xstate.snapshot' && changed(),
    });
    turns.set(actor.system, turn);
    actor.subscribe({ error: (e) => (failure = e) });
    actor.start();
    const settle = () =>
      new Promise<void>((resolve, reject) => {
        const check = () => (failure ? reject(failure) : !busy(actor.getSnapshot() as AnyMachineSnapshot) ? resolve() : undefined);
        // After the current run of events, as the runtime checks (an event queued ahead of a sub-flow's completion is not the end).
        changed = () => queueMicrotask(check);
        check();
        setTimeout(() => reject(new Error('conversation did not settle')), 5_000).unref();
      });
    await settle();
    actor.send(event);
    await settle();
    if (failure) throw failure;
    persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    const status = spec.status(actor.getSnapshot() as AnyMachineSnapshot);
    actor.stop();
    for (const [k, d] of turn.deadlines) deadlines.set(k, d);
    lastStatus = status;
    return turn.replies;
  }

  let lastStatus: ReturnType<ConversationSpec['status']> | undefined;
  return {
    /** The borrower types `text`, `minutes` after the previous message. */
    say: (text: string, minutes = 1) => {
      now += minutes * 60_000;
      return send({ type: 'user.text', text, id: nextId(), at: now });
    },
    send: (event: EventWithoutAt) => send({ ...(event.type === 'user.text' || event.type === 'user.media' ? { id: nextId() } : {}), ...event, at: now } as ConversationEvent),
    /** Fires the deadline with this key, as the scheduler would at its due time. */
    fire: (key: string) => {
      const d = deadlines.get(key);
      if (!d) throw new Error(`no deadline ${key}`);
      deadlines.delete(key);
      now = Math.max(now, d.dueAt);
      return send({ type: 'deadline.due', key: d.key, kind: d.kind, at: now });
    },
    advance: (minutes: number) => {
      now += minutes * 60_000;
    },
    deadlines,
    /** Where the conversation is, to start another driver from (with effects copied alike). */
    saved: (): DriverState => ({ persisted, now, messages, deadlines: [...deadlines] }),
    status: () => lastStatus,
    snapshot: () => persisted,
    now: () => now,
  };
}
