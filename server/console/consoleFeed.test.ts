import { describe, expect, it } from 'vitest';
import type { PushSignal } from '../runtime/index.js';
import { CONSOLE_PUSH_CHANNEL, ConsoleFeed, type ConsoleFeedEvent } from './consoleFeed.js';

/** Two "processes" joined by a fake signal that behaves like LISTEN/NOTIFY (the sender does not hear itself). */
function linkedSignals(): [PushSignal, PushSignal] {
  const handlers: ((p: string | null) => void)[][] = [[], []];
  const make = (self: 0 | 1): PushSignal => ({
    notify: async (channel, payload) => {
      if (channel === CONSOLE_PUSH_CHANNEL) for (const h of handlers[1 - self]!) h(payload);
    },
    listen: (channel, handler) => {
      if (channel === CONSOLE_PUSH_CHANNEL) handlers[self]!.push(handler);
    },
    close: async () => {},
  });
  return [make(0), make(1)];
}

describe('ConsoleFeed', () => {
  it('delivers in process at once and to the other processes through the push signal, once each', async () => {
    const [a, b] = linkedSignals();
    const here = new ConsoleFeed({ push: a });
    const there = new ConsoleFeed({ push: b });
    const heardHere: ConsoleFeedEvent[] = [];
    const heardThere: ConsoleFeedEvent[] = [];
    here.subscribe((e) => heardHere.push(e));
    const off = there.subscribe((e) => heardThere.push(e));
    here.publish({ kind: 'workOrder', id: 'w1' });
    await Promise.resolve();
    expect(heardHere).toEqual([{ kind: 'workOrder', id: 'w1' }]);
    expect(heardThere).toEqual([{ kind: 'workOrder', id: 'w1' }]);
    off();
    there.publish({ kind: 'review', id: 'r1' });
    await Promise.resolve();
    expect(heardHere).toEqual([{ kind: 'workOrder', id: 'w1' }, { kind: 'review', id: 'r1' }]);
    expect(heardThere).toHaveLength(1);
  });

  it('asks consoles to fetch again after the signal was down, and ignores malformed payloads', () => {
    let handler: ((p: string | null) => void) | undefined;
    const feed = new ConsoleFeed({ push: { notify: async () => {}, listen: (_c, h) => (handler = h), close: async () => {} } });
    const heard: ConsoleFeedEvent[] = [];
    feed.subscribe((e) => heard.push(e));
    handler!(null);
    handler!('not json');
    handler!(JSON.stringify({ kind: 'nonsense', id: 'x' }));
    expect(heard).toEqual([{ kind: 'resync', id: '' }]);
    expect(() => feed.publish({ kind: 'bogus' as 'review', id: 'x' })).toThrow();
  });

  it('with coalesceMs, sends the other processes one signal for what gathered (each event once), in process at once', async () => {
    const sent: string[] = [];
    const [a, b] = linkedSignals();
    const here = new ConsoleFeed({ push: { ...a, notify: async (c, p) => (sent.push(p), a.notify(c, p)) }, coalesceMs: 20 });
    const there = new ConsoleFeed({ push: b });
    const heardHere: string[] = [];
    const heardThere: string[] = [];
    here.subscribe((e) => heardHere.push(e.id));
    there.subscribe((e) => heardThere.push(e.id));
    for (const id of ['c1', 'c2', 'c1', 'c3']) here.publish({ kind: 'conversation', id });
    expect(heardHere).toEqual(['c1', 'c2', 'c1', 'c3']);
    expect(sent).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toHaveLength(1);
    expect(heardThere).toEqual(['c1', 'c2', 'c3']);

    // More than one payload holds goes out in several, every event in one of them.
    for (let i = 0; i < 300; i++) here.publish({ kind: 'conversation', id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` });
    here.flush();
    expect(sent.length).toBeGreaterThan(2);
    expect(sent.slice(1).every((p) => p.length < 8_000)).toBe(true);
    expect(heardThere).toHaveLength(303);
  });

  it('keeps delivering when one listener throws', () => {
    const feed = new ConsoleFeed();
    const heard: string[] = [];
    feed.subscribe(() => {
      throw new Error('boom');
    });
    feed.subscribe((e) => heard.push(e.id));
    feed.publish({ kind: 'conversation', id: 'c1' });
    expect(heard).toEqual(['c1']);
  });
});
