import type { Reply } from '../reply.js';
import type { Deadline } from '../runtimeContract.js';

/**
 * Placeholders for the runtime's sink actions, declared in every machine's setup(); the runtime
 * replaces them with `.provide()`. Left unprovided (a unit test that doesn't care), they do nothing.
 */
export const sinkDefaults = {
  reply: (_: unknown, _reply: Reply) => {},
  scheduleDeadline: (_: unknown, _deadline: Deadline) => {},
  cancelDeadline: (_: unknown, _params: { readonly key: string }) => {},
};
