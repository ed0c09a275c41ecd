// Crash points for tests of "killed at the worst moment". Names in use:
//   disburse.after_reserve, disburse.after_payout, disburse.after_record,
//   repay.after_intent, repay.after_collect, repay.after_store (server/services),
//   contact.after_send (server/contact: a notice delivered, its ContactLog row not yet marked sent),
//   and whatever other modules add; a name is just a string, keep them `<operation>.<moment>`.
import { armedCrashPoints } from './config/index.js';

/** Read once: the environment is the process's own from its start (tests arm a child process), and a turn passes several points. */
let armed: ReadonlySet<string> | undefined;

/**
 * Kills this process on the spot with SIGKILL when `name` is listed in KUAIDAI_CRASH_AT and the
 * process runs with KUAIDAI_ENV=test: a real crash, no finally block, no shutdown hook, no
 * flushed write runs after it. Anywhere else it does nothing (and costs a set lookup).
 */
export function crashPoint(name: string): void {
  armed ??= armedCrashPoints();
  if (!armed.has(name)) return;
  process.kill(process.pid, 'SIGKILL');
}
