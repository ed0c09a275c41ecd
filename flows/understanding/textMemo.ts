/**
 * A pure function of a text, remembered for the current run of code only: while one event is
 * handled, every menu guard asks what the same words mean, and every option label and FAQ question
 * is normalised again for each of them. The memory is dropped at the next microtask, once the event
 * has been handled (XState handles an event synchronously), so what a borrower typed (a name, an ID
 * number) is not kept beyond it. Texts longer than `maxLength` are not kept; nor more than `max`.
 */
export function textMemo<T>(fn: (text: string) => T, options: { readonly max?: number; readonly maxLength?: number } = {}): (text: string) => T {
  const max = options.max ?? 1_000;
  const maxLength = options.maxLength ?? 200;
  let kept: Map<string, T> | undefined;
  const forget = () => {
    kept = undefined;
  };
  return (text) => {
    if (text.length > maxLength) return fn(text);
    if (!kept) {
      kept = new Map();
      queueMicrotask(forget);
    }
    if (kept.has(text)) return kept.get(text)!;
    const value = fn(text);
    if (kept.size < max) kept.set(text, value);
    return value;
  };
}
