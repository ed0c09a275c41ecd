import { fromPromise } from 'xstate';
import type { FlowEffects } from '../host.js';

/** An effect the host must provide; running it unprovided is a wiring bug. */
export const notProvided = <I, O>(name: string) =>
  fromPromise<O, I>(async () => {
    throw new Error(`flows: effect "${name}" was not provided by the host`);
  });

/** The placeholder of a host effect, typed by its entry in FlowEffects. */
export const effect = <K extends keyof FlowEffects>(name: K) => notProvided<Parameters<FlowEffects[K]>[0], Awaited<ReturnType<FlowEffects[K]>>>(name);
