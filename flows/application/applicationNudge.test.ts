import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { DEMO_PRODUCTS, demoPersona } from '../../core/index.js';
import type { Deadline } from '../runtimeContract.js';
import type { Reply } from '../reply.js';
import { DEFAULT_FLOW_SETTINGS } from '../shared/flowSettings.js';
import { t } from '../text/translate.js';
import { createApplicationMachine } from './applicationMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);
const MINUTE = 60_000;
const N = DEFAULT_FLOW_SETTINGS.nudgeAfterMinutes * MINUTE;
const NUDGE = t('zh', 'nudge.application');
const ID_NUMBER = demoPersona('enterprise_owner').profile.person.idNumber;

/** The application machine with the host's sinks recording what it asked for. */
function start() {
  const log: (['schedule', number] | ['cancel'] | ['reply', string])[] = [];
  const machine = createApplicationMachine(DEMO_PRODUCTS, DEFAULT_FLOW_SETTINGS).provide({
    actions: {
      scheduleDeadline: (_: unknown, d: Deadline) => void (d.key === 'nudge' && log.push(['schedule', d.dueAt])),
      cancelDeadline: (_: unknown, d: { key: string }) => void (d.key === 'nudge' && log.push(['cancel'])),
      reply: (_: unknown, r: Reply) => void log.push(['reply', r.text]),
    },
  });
  const actor = createActor(machine, { input: { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT } }).start();
  // As the session does: a tick with the event's time before every event it passes on.
  const say = (text: string, at: number) => {
    actor.send({ type: 'flow.tick', at });
    actor.send({ type: 'user.text', text, id: `m-${at}`, at });
  };
  const due = (at: number) => {
    actor.send({ type: 'flow.tick', at });
    actor.send({ type: 'deadline.due', key: 'nudge', kind: 'nudge', at });
  };
  return { actor, log, say, due };
}

describe('application: the nudge', () => {
  it('is scheduled once, not moved by each answer; fired early it moves itself to the last question + nudgeAfterMinutes, and nudges only then', () => {
    const { log, say, due } = start();
    expect(log.filter((e) => e[0] === 'schedule')).toEqual([['schedule', AT + N]]);
    log.length = 0;

    say('1', AT + MINUTE);
    say('陈思远', AT + 2 * MINUTE);
    // Two questions answered: no deadline rewritten.
    expect(log.filter((e) => e[0] !== 'reply')).toEqual([]);

    log.length = 0;
    due(AT + N);
    expect(log).toEqual([['schedule', AT + 2 * MINUTE + N]]);

    log.length = 0;
    due(AT + 2 * MINUTE + N);
    expect(log).toEqual([['reply', NUDGE]]);

    // After a nudge, the next question schedules the next one.
    log.length = 0;
    say(ID_NUMBER, AT + 3 * MINUTE + N);
    expect(log.filter((e) => e[0] === 'schedule')).toEqual([['schedule', AT + 3 * MINUTE + 2 * N]]);
  });

  it('says the nudge at the same moment the job-per-answer scheme did when the borrower goes quiet', () => {
    const { log, say, due } = start();
    say('1', AT + MINUTE);
    log.length = 0;
    // Quiet since AT + 1 min: the job (due at AT + N) moves to AT + 1 min + N, and nudges there.
    due(AT + N);
    due(AT + MINUTE + N);
    expect(log).toEqual([['schedule', AT + MINUTE + N], ['reply', NUDGE]]);
  });

  it('is cancelled when the application leaves its questions', () => {
    const { actor, log } = start();
    actor.send({ type: 'flow.tick', at: AT + MINUTE });
    actor.send({ type: 'flow.pause', at: AT + MINUTE });
    expect(log.filter((e) => e[0] !== 'reply')).toEqual([['schedule', AT + N], ['cancel']]);
    expect(actor.getSnapshot().context.nudgeAt).toBeNull();
  });
});
