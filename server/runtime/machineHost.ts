import type { Logger } from 'pino';
import { createActor, type AnyActor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { BUSY_TAG, type AnyActorSystem, type ConversationEvent, type ConversationSpec, type ConversationStart, type ConversationStatus, type Deadline, type Reply } from '../../flows/index.js';

/** What a conversation machine asked for during one turn, collected by the sink actions. */
export interface TurnEffects {
  readonly replies: Reply[];
  /** Deadlines to (re)schedule, by their key; a later cancel in the same turn removes them. */
  readonly scheduled: Map<string, Deadline>;
  readonly cancelled: Set<string>;
}

/** The conversation's persisted machine as the runtime stored it. */
export interface StoredMachine {
  readonly machineId: string;
  readonly machineVersion: number;
  /** `getPersistedSnapshot()` of the last good turn; null when no turn has succeeded yet. */
  readonly snapshot: unknown;
}

export type MachineOutcome = (
  | {
      readonly ok: true;
      /** JSON text of the persisted snapshot. */
      readonly snapshot: string;
      readonly status: ConversationStatus;
      readonly effects: TurnEffects;
    }
  | { readonly ok: false; readonly reason: 'machine_error' | 'settle_timeout'; readonly error: unknown }
) & {
  /**
   * What the turn's invoked effects threw, whether or not the machine handled it (`onError`): the
   * runtime tells a database failure, after which the turn must not be stored, from an answer.
   */
  readonly effectErrors: readonly unknown[];
};

/** Said when a snapshot could not be carried forward and the spec gave no notice of its own. */
export const RESTART_NOTICE: Reply = { text: '抱歉，服务刚刚升级，我们从头开始吧。' };

class SettleTimeout extends Error {
  override readonly name = 'SettleTimeout';
}

interface LiveActor {
  readonly actor: AnyActor;
  readonly effects: TurnEffects;
  /** Errors invoked actors reported to their parents (`xstate.error.actor.*`), in order. */
  readonly effectErrors: unknown[];
  /** Set by the error observer: the machine threw (a bug). */
  failure(): unknown;
  /** Resolves when no actor in the tree is busy; rejects on a machine error or after `timeoutMs`. */
  settle(timeoutMs: number): Promise<void>;
}

const newEffects = (): TurnEffects => ({ replies: [], scheduled: new Map(), cancelled: new Set() });

/** True while the machine or any machine below it (recursing into `children`) is in a `busy` state. */
export function isTreeBusy(snapshot: AnyMachineSnapshot): boolean {
  if (snapshot.status !== 'active') return false;
  if (typeof snapshot.hasTag === 'function' && snapshot.hasTag(BUSY_TAG)) return true;
  for (const child of Object.values(snapshot.children ?? {})) {
    const s = (child as AnyActor | undefined)?.getSnapshot() as AnyMachineSnapshot | undefined;
    if (s && typeof s.hasTag === 'function' && isTreeBusy(s)) return true;
  }
  return false;
}

/**
 * Runs one turn of a conversation machine: restore (or create, or migrate) → start → send → wait
 * until settled → persist → stop. Effects are collected through the sink actions, identified by the
 * actor `system` of the turn. Never throws: a machine bug or a settle timeout is an outcome.
 */
export class MachineHost {
  readonly machine: AnyStateMachine;
  private readonly turns = new WeakMap<AnyActorSystem, TurnEffects>();

  constructor(
    private readonly spec: ConversationSpec,
    private readonly logger: Logger,
  ) {
    const turnOf = (system: AnyActorSystem): TurnEffects | undefined => {
      const effects = this.turns.get(system);
      if (!effects) this.logger.warn({ machineId: spec.machineId }, 'a conversation machine acted outside a turn; ignored');
      return effects;
    };
    this.machine = spec.createMachine({
      reply: ({ system }, reply) => {
        turnOf(system)?.replies.push(reply);
      },
      scheduleDeadline: ({ system }, deadline) => {
        const effects = turnOf(system);
        effects?.cancelled.delete(deadline.key);
        effects?.scheduled.set(deadline.key, deadline);
      },
      cancelDeadline: ({ system }, { key }) => {
        const effects = turnOf(system);
        effects?.scheduled.delete(key);
        effects?.cancelled.add(key);
      },
    });
  }

  async run(args: {
    readonly stored: StoredMachine | undefined;
    readonly start: ConversationStart;
    readonly event: ConversationEvent | undefined;
    readonly settleTimeoutMs: number;
  }): Promise<MachineOutcome> {
    const notices: Reply[] = [];
    let live: LiveActor | undefined;
    // One budget for the whole turn, however it is split between the two waits.
    const deadline = performance.now() + args.settleTimeoutMs;
    try {
      live = this.restore(args.stored, args.start, notices);
      // A restored in-flight effect is re-run on start: wait for it before the new event.
      await live.settle(args.settleTimeoutMs);
      if (args.event) live.actor.send(args.event);
      await live.settle(Math.max(0, deadline - performance.now()));
      const persisted = live.actor.getPersistedSnapshot();
      const status = this.spec.status(live.actor.getSnapshot() as AnyMachineSnapshot);
      const snapshot = JSON.stringify(persisted);
      live.effects.replies.unshift(...notices);
      return { ok: true, snapshot, status, effects: live.effects, effectErrors: [...live.effectErrors] };
    } catch (error) {
      return { ok: false, reason: error instanceof SettleTimeout ? 'settle_timeout' : 'machine_error', error: live?.failure() ?? error, effectErrors: [...(live?.effectErrors ?? [])] };
    } finally {
      live?.actor.stop();
    }
  }

  /** Brings the stored conversation back to life; throws only when even a fresh machine fails to start. */
  private restore(stored: StoredMachine | undefined, start: ConversationStart, notices: Reply[]): LiveActor {
    const fresh = () => this.startOrThrow({ input: this.spec.input(start) });
    if (!stored || stored.snapshot === null || stored.snapshot === undefined) return fresh();

    if (stored.machineId === this.spec.machineId && stored.machineVersion === this.spec.version) {
      const restored = this.tryStart({ snapshot: stored.snapshot });
      if (restored) {
        // A finished dialogue: the next message begins a new one.
        if (restored.actor.getSnapshot().status !== 'done') return restored;
        restored.actor.stop();
        return fresh();
      }
    }

    let migration;
    try {
      migration = this.spec.migrate(stored.machineVersion, stored.snapshot, start);
    } catch (e) {
      this.logger.error({ err: e, machineId: this.spec.machineId, fromVersion: stored.machineVersion }, 'migrating a conversation snapshot threw; restarting it');
      notices.push(RESTART_NOTICE);
      return fresh();
    }
    if (migration.kind === 'migrated') {
      const migrated = this.tryStart({ snapshot: migration.snapshot });
      if (migrated && migrated.actor.getSnapshot().status !== 'done') return migrated;
      migrated?.actor.stop();
      this.logger.error({ machineId: this.spec.machineId, fromVersion: stored.machineVersion }, 'a migrated conversation snapshot does not restore; restarting it');
      notices.push(RESTART_NOTICE);
      return fresh();
    }
    notices.push(migration.notice);
    return this.startOrThrow({ input: migration.input });
  }

  private tryStart(options: { snapshot: unknown }): LiveActor | undefined {
    try {
      return this.startOrThrow(options);
    } catch (e) {
      this.logger.warn({ err: e, machineId: this.spec.machineId }, 'a stored conversation snapshot does not restore');
      return undefined;
    }
  }

  private startOrThrow(options: { snapshot?: unknown; input?: unknown }): LiveActor {
    const effects = newEffects();
    const effectErrors: unknown[] = [];
    let failed = false;
    let failure: unknown;
    let onChange: () => void = () => {};
    const actor = createActor(this.machine, {
      ...(options.snapshot === undefined ? { input: options.input } : { snapshot: options.snapshot as never }),
      inspect: (event) => {
        if (event.type === '@xstate.snapshot') onChange();
        else if (event.type === '@xstate.event' && event.event.type.startsWith('xstate.error.actor.')) effectErrors.push((event.event as { error?: unknown }).error);
      },
    });
    this.turns.set(actor.system, effects);
    // An observer for errors is required: without one XState rethrows them on a timer, outside any turn.
    actor.subscribe({
      error: (e) => {
        failed = true;
        failure = e;
        onChange();
      },
    });
    actor.start();
    if (failed || actor.getSnapshot().status === 'error') {
      actor.stop();
      throw failure ?? new Error('the conversation machine failed to start');
    }
    return {
      actor,
      effects,
      effectErrors,
      failure: () => failure,
      settle: (timeoutMs) => {
        if (failed) return Promise.reject(failure instanceof Error ? failure : new Error(String(failure)));
        if (!isTreeBusy(actor.getSnapshot() as AnyMachineSnapshot)) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const check = () => {
            if (failed) finish(failure instanceof Error ? failure : new Error(String(failure)));
            else if (!isTreeBusy(actor.getSnapshot() as AnyMachineSnapshot)) finish();
          };
          const timer = setTimeout(() => finish(new SettleTimeout(`still busy after ${timeoutMs} ms`)), timeoutMs);
          const finish = (error?: Error) => {
            clearTimeout(timer);
            onChange = () => {};
            if (error) reject(error);
            else resolve();
          };
          // Checked once the current run of events is over: mid-run, a machine may be handling an event
          // queued ahead of a sub-flow's completion, the tree looking idle just before it starts an effect.
          onChange = () => queueMicrotask(check);
          check();
        });
      },
    };
  }
}
