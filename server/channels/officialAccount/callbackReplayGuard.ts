import type { PrismaClient } from '../../db/generated/client.js';
import type { Clock } from '../../clock.js';

/** How far a callback's timestamp may be from now, either way (WeChat's own SDKs use 5 minutes). */
export const CALLBACK_WINDOW_MS = 300_000;

/** Which callback a nonce was spent on: a message (POST) or the server-address check (GET). */
export type CallbackKind = 'message' | 'verify';

export type ReplayVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Refuses a signed callback seen before or signed at another time. WeChat signs the timestamp and
 * nonce (and, in safe mode, the encrypted body) but nothing stops a captured request from being
 * sent again: so its timestamp must be within CALLBACK_WINDOW_MS of now, and its (timestamp, nonce)
 * is remembered until the timestamp leaves the window, in the database, so every instance refuses a
 * repeat. Called after the signature check only: nobody can fill the table with unsigned requests.
 */
export interface CallbackReplayGuard {
  admit(kind: CallbackKind, timestamp: string, nonce: string): Promise<ReplayVerdict>;
}

export function createCallbackReplayGuard(deps: { readonly prisma: PrismaClient; readonly clock: Clock; readonly appId: string; readonly windowMs?: number }): CallbackReplayGuard {
  const windowMs = deps.windowMs ?? CALLBACK_WINDOW_MS;
  let lastSweep = 0;
  return {
    async admit(kind, timestamp, nonce) {
      const now = deps.clock.now().getTime();
      const signedAt = Number(timestamp) * 1000;
      if (!Number.isSafeInteger(signedAt) || Math.abs(now - signedAt) > windowMs) {
        return { ok: false, reason: `timestamp more than ${windowMs / 1000} s from now` };
      }
      // Expired nonces go at most once a window per process: their timestamps are refused anyway.
      if (now - lastSweep > windowMs) {
        lastSweep = now;
        await deps.prisma.$executeRaw`DELETE FROM "CallbackNonce" WHERE "expiresAt" < ${new Date(now)}::timestamptz`;
      }
      const id = `${deps.appId}:${kind}:${timestamp}:${nonce}`;
      const inserted = await deps.prisma.$executeRaw`INSERT INTO "CallbackNonce" (id, "expiresAt") VALUES (${id}, ${new Date(signedAt + windowMs)}::timestamptz) ON CONFLICT (id) DO NOTHING`;
      return inserted === 1 ? { ok: true } : { ok: false, reason: 'nonce already used' };
    },
  };
}
