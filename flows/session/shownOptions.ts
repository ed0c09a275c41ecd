import { enqueueActions } from 'xstate';
import type { Reply, ReplyOption } from '../reply.js';
import type { SinkAction } from '../runtimeContract.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { optionNumber, pickOption } from '../understanding/pickOption.js';

/** What a sub-flow's reply tells the session: the options now in front of the borrower ([] for none). */
export interface ShownEvent {
  readonly type: 'flow.shown';
  readonly options: readonly ReplyOption[];
}

/**
 * The reply sink as the conversation provides it to its machines: each reply goes to the runtime,
 * and its options (none when it has none) become the options shown — the session keeps them in
 * its context (`shown`), and a sub-flow's reply tells the session with a `flow.shown` event. So the
 * options the borrower saw last are part of the conversation's state, whichever machine showed them,
 * and they are persisted with it.
 */
export function replyRecordingShown(deliver: SinkAction<Reply>, machine: 'session' | 'subflow'): SinkAction<Reply> {
  const action = enqueueActions(({ enqueue, system, self }, reply: Reply) => {
    enqueue(() => deliver({ system }, reply));
    const options = reply.options ?? [];
    if (machine === 'session') enqueue.assign({ shown: options } as never);
    // A sub-flow always runs under the session; a test may run one alone.
    else if (self._parent) enqueue.sendParent({ type: 'flow.shown', options } satisfies ShownEvent);
  });
  // Provided in place of the sink's `reply`, for any machine's context: typed as the sink it stands for.
  return action as unknown as SinkAction<Reply>;
}

/**
 * What the borrower chose, read against the options last shown before anything else: the value of
 * the option their words name — its number ("1", "②", "第一个") or its whole label, exactly as a tap
 * sends it — or else their words as typed.
 */
export function chosenValue(text: string, shown: readonly ReplyOption[]): string {
  const read = readNumber(text, shown);
  if (read?.kind === 'value') return read.option.value;
  return pickOption(text, shown, { partial: false })?.value ?? text;
}

/**
 * Options that are themselves numbers (terms "3期", "12 months"): a bare number the borrower types
 * may be the quantity or the position. Equal to one offered quantity and not a position (or the
 * position of that same option) → that option; a position of another option AND an offered
 * quantity → ambiguous, asked back (never "3" meaning three months taken as the third item, 12).
 */
export function readNumber(text: string, shown: readonly ReplyOption[]): { kind: 'value'; option: ReplyOption } | { kind: 'ambiguous'; byValue: ReplyOption; byIndex: ReplyOption; index: number } | undefined {
  const t = normalizeText(text);
  if (!/^\d{1,3}$/.test(t)) return undefined;
  const n = Number(t);
  const byValue = shown.find((o) => quantityOf(o.label) === n);
  if (!byValue) return undefined;
  const byIndex = shown[n - 1];
  if (!byIndex || byIndex === byValue) return { kind: 'value', option: byValue };
  return { kind: 'ambiguous', byValue, byIndex, index: n };
}

/** The number an option's label stands for when it is a plain quantity ("3期", "12 个月", "6 months"), else undefined. */
function quantityOf(label: string): number | undefined {
  const m = /^(\d{1,3})\s*(期|个月|月|天|months?|terms?|days?)$/i.exec(normalizeText(label));
  return m ? Number(m[1]) : undefined;
}

/** A number that names no option shown ("7" when four are shown), or undefined. */
export function numberNotShown(text: string, shown: readonly ReplyOption[]): number | undefined {
  if (!shown.length) return undefined;
  const n = optionNumber(normalizeText(text));
  return n !== undefined && pickOption(text, shown, { partial: false }) === undefined ? n : undefined;
}
