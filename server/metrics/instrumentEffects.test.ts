import { describe, expect, it } from 'vitest';
import type { FlowEffects } from '../../flows/index.js';
import { instrumentEffects } from './instrumentEffects.js';

describe('instrumentEffects', () => {
  it('reports ok, refused (ok: false) and error by effect name, passing answers and errors through unchanged', async () => {
    const seen: [string, string, number][] = [];
    const failure = new Error('gateway down');
    const effects = {
      loadAccount: async () => ({ lines: [] }),
      disburse: async () => ({ ok: false, reason: 'payment_failed', detail: 'declined' }),
      repay: async () => {
        throw failure;
      },
    } as unknown as FlowEffects;
    const wrapped = instrumentEffects(effects, (effect, result, seconds) => seen.push([effect, result, seconds]));
    await expect(wrapped.loadAccount({ borrowerId: 'b', at: 0 })).resolves.toEqual({ lines: [] });
    await expect(wrapped.disburse({} as never)).resolves.toEqual({ ok: false, reason: 'payment_failed', detail: 'declined' });
    await expect(wrapped.repay({} as never)).rejects.toBe(failure);
    expect(seen.map(([effect, result]) => [effect, result])).toEqual([
      ['loadAccount', 'ok'],
      ['disburse', 'refused'],
      ['repay', 'error'],
    ]);
    for (const [, , seconds] of seen) expect(seconds).toBeGreaterThanOrEqual(0);
  });
});
