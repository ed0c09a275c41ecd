import type { FlowEffects } from '../../flows/index.js';
import type { EffectResult } from './kuaidaiMetrics.js';

/**
 * The same effects, each reporting its result and duration: `refused` when it answered
 * `{ ok: false }` (a payment failed, a limit exceeded), `error` when it threw. Nothing else changes:
 * the answer or the error passes through as it was.
 */
export function instrumentEffects(effects: FlowEffects, observe: (effect: string, result: EffectResult, seconds: number) => void): FlowEffects {
  const wrapped: Record<string, unknown> = {};
  for (const [name, effect] of Object.entries(effects) as [string, (input: unknown) => Promise<unknown>][]) {
    wrapped[name] = async (input: unknown) => {
      const started = performance.now();
      try {
        const output = await effect(input);
        observe(name, (output as { ok?: unknown } | null)?.ok === false ? 'refused' : 'ok', (performance.now() - started) / 1000);
        return output;
      } catch (e) {
        observe(name, 'error', (performance.now() - started) / 1000);
        throw e;
      }
    };
  }
  return wrapped as unknown as FlowEffects;
}
