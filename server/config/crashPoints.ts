/**
 * Crash points armed for this process (see server/faults.ts): the names in KUAIDAI_CRASH_AT
 * (comma-separated), honoured only when KUAIDAI_ENV=test; empty otherwise. Kept out of Config
 * on purpose: a crash point must work wherever it sits, with or without a loaded Config.
 */
export function armedCrashPoints(env: Record<string, string | undefined> = process.env): ReadonlySet<string> {
  if (env.KUAIDAI_ENV !== 'test' || !env.KUAIDAI_CRASH_AT) return new Set();
  return new Set(env.KUAIDAI_CRASH_AT.split(',').map((s) => s.trim()).filter(Boolean));
}
