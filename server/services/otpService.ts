import { randomUUID, timingSafeEqual } from 'node:crypto';
import { maskMobile } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { Prisma, type OtpChallenge } from '../db/generated/client.js';
import { crashPoint } from '../faults.js';
import { fieldContext } from '../security/fieldCipher.js';
import { auditRow, IF_GUARDED, idempotencyRow, insertRows, queryOne, recalled, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type VerifyOutput = Awaited<ReturnType<FlowEffects['verifyOtp']>>;

const DAY_MS = 86_400_000;
/** Wrong codes among a set of challenges: every attempt but the one that used a code up. */
const WRONG_CODES = Prisma.sql`(COALESCE(sum(attempts), 0) - count("consumedAt"))::int`;

type SendOutput = Awaited<ReturnType<FlowEffects['sendOtp']>>;

/** What verifying reads in one statement: the attempt's stored answer, the mobile's wrong codes today, and the latest challenge (its columns null when there is none). */
type VerifyRead = { readonly previous: VerifyOutput | null; readonly wrong: number } & (
  | { readonly id: null }
  | (Pick<OtpChallenge, 'codeHash' | 'attempts' | 'maxAttempts' | 'consumedAt' | 'expiresAt' | 'bindTo'> & { readonly id: string })
);
/** What sending a code can answer (the identity check before it is sendOtp's own). */
type Sent = { ok: true; expiresAt: number } | { ok: false; reason: 'rate_limited' | 'locked' };

const VERIFY_SCOPE = 'verifyOtp';
const SEND_SCOPE = 'sendOtp';
const VERIFY_MOBILE = 'verify_mobile';
const STEP_UP = 'drawdown';

/** What a code proves: the application's mobile, or a step-up for one act (`bindTo`). */
interface Challenge {
  readonly conversationId: string;
  readonly purpose: typeof VERIFY_MOBILE | typeof STEP_UP;
  readonly bindTo?: string;
}

/**
 * SMS one-time codes: 6 digits, stored only as a keyed hash (HMAC with the data key, bound to the
 * challenge), valid 5 minutes, 5 attempts, one code a minute per conversation and mobile, 10 an
 * hour and 20 a day per mobile, 10 a day per conversation, 60 an hour per client address (where the
 * channel knows it: SMS_MAX_PER_ADDRESS_PER_HOUR), and a mobile with 10 wrong codes in a
 * day (across all conversations) locked until they age out. Only the latest challenge of a
 * conversation, mobile and purpose counts. Verification is idempotent per attempt (`attemptKey`: the
 * message that typed the code).
 *
 * Two purposes share these budgets: verifying the mobile typed in an application, and the step-up
 * before a drawdown (sendStepUp/verifyStepUp): a code to the borrower's mobile on file, bound to the
 * act (`bindTo`: line, amount, term, method) and valid once for it; its wrong codes count in the
 * same per-mobile daily lock.
 */
export function otpEffects(ctx: ServiceContext): Pick<FlowEffects, 'sendOtp' | 'verifyOtp' | 'sendStepUp' | 'verifyStepUp'> {
  const { db, cipher, providers, options, logger, clock } = ctx;
  const codeHash = (challengeId: string, code: string) => cipher.lookupHash(`otp:${challengeId}:${code}`);

  /**
   * A code for `purpose` (and, for a step-up, the act it allows) sent to `mobile`, within every
   * budget. The callers first recall the request's stored answer (a redelivered message, a turn
   * re-run after a crash gets its first answer and no second SMS); the answer is stored with the challenge.
   */
  async function send({ conversationId, mobile, purpose, bindTo, origin, requestKey, at }: Challenge & { mobile: string; origin?: string | undefined; requestKey: string; at: number }): Promise<Sent> {
      const mobileHash = cipher.lookupHash(mobile);
      const now = new Date(at);
      const code = options.otpCode();
      if (!/^\d{6}$/.test(code)) throw new AppError('CONFIG_INVALID', { setting: 'otpCode', reason: 'must make 6 digits' });
      const id = randomUUID();
      const sentOutput: Sent = { ok: true, expiresAt: at + options.otpTtlMs };
      const row: OtpChallenge = {
        id,
        conversationId,
        mobileHash,
        codeHash: codeHash(id, code),
        sentAt: now,
        expiresAt: new Date(at + options.otpTtlMs),
        attempts: 0,
        maxAttempts: options.otpMaxAttempts,
        consumedAt: null,
        createdAt: clock.now(),
        purpose,
        bindTo: bindTo ?? null,
        origin: origin ?? null,
      };
      // One statement (no interactive transaction holding PGlite's lock): the challenge is stored only
      // when no budget forbids it — the resend interval (a resend: the same purpose and act while its
      // code is unused; a step-up for another drawdown is not one), the mobile's hourly and daily allowance, the
      // conversation's daily allowance, and the mobile's wrong codes today (a lock against guessing).
      const hour = new Date(at - 3_600_000);
      const day = new Date(at - DAY_MS);
      const budget = await queryOne<{ stored: number; locked: boolean }>(
        db.raw,
        Prisma.sql`WITH mobileToday AS (SELECT count(*) FILTER (WHERE "sentAt" > ${hour}::timestamptz) AS "lastHour", count(*) AS "today", ${WRONG_CODES} AS wrong
              FROM "OtpChallenge" WHERE "mobileHash" = ${mobileHash} AND "sentAt" > ${day}::timestamptz),
            stored AS (${insertRows('OtpChallenge', [row], Prisma.sql`
            WHERE NOT EXISTS (SELECT 1 FROM "OtpChallenge" WHERE "conversationId" = ${conversationId} AND "mobileHash" = ${mobileHash} AND purpose = ${purpose} AND "bindTo" IS NOT DISTINCT FROM ${bindTo ?? null} AND "consumedAt" IS NULL AND "sentAt" > ${new Date(at - options.otpResendMs)}::timestamptz)
              AND (SELECT "lastHour" FROM mobileToday) < ${options.otpMaxPerHour}
              AND (SELECT "today" FROM mobileToday) < ${options.otpMaxPerDay}
              AND (SELECT wrong FROM mobileToday) < ${options.otpMaxWrongPerDay}
              AND (SELECT count(*) FROM "OtpChallenge" WHERE "conversationId" = ${conversationId} AND "sentAt" > ${day}::timestamptz) < ${options.otpMaxPerConversationPerDay}
              ${origin ? Prisma.sql`AND (SELECT count(*) FROM "OtpChallenge" WHERE origin = ${origin} AND "sentAt" > ${hour}::timestamptz) < ${options.otpMaxPerOriginPerHour}` : Prisma.empty}`)} RETURNING id),
            remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SEND_SCOPE, requestKey, sentOutput, clock.now())], Prisma.sql`WHERE EXISTS (SELECT 1 FROM stored)`)})
          SELECT (SELECT count(*) FROM stored)::int AS stored, (SELECT wrong FROM mobileToday) >= ${options.otpMaxWrongPerDay} AS locked`,
      );
      if (budget.stored !== 1) {
        logger.warn({ conversationId, locked: budget.locked }, budget.locked ? 'SMS code refused: too many wrong codes for this mobile today' : 'SMS code refused: a send budget is used up');
        return { ok: false, reason: budget.locked ? 'locked' : 'rate_limited' };
      }
      const sent = await providers.sms.sendVerificationCode({ mobile, code, ttlMinutes: Math.round(options.otpTtlMs / 60_000), purpose }).catch((e: unknown) => ({ ok: false as const, reason: 'unavailable' as const, detail: String(e) }));
      if (!sent.ok) {
        // Nothing reached the phone: forget the challenge (and its answer) so the borrower may ask again at once.
        await db.raw.execute(Prisma.sql`WITH challenge AS (DELETE FROM "OtpChallenge" WHERE id = ${id}::uuid) DELETE FROM "IdempotencyRecord" WHERE scope = ${SEND_SCOPE} AND key = ${requestKey}`);
        logger.warn({ provider: providers.sms.name, reason: sent.reason }, 'SMS code not sent');
        throw new AppError('INTERNAL', {}, { cause: new Error(`SMS not sent: ${sent.detail}`) });
      }
      return sentOutput;
  }

  /**
   * Checks a code against the latest challenge of the conversation, mobile and purpose (and act, for
   * a step-up): the mobile is `mobileHash`, or the one on file of `borrowerId`. Two statements: one
   * read (this attempt's stored answer, the challenge, the mobile's wrong codes today), one write.
   */
  async function verify({ conversationId, purpose, bindTo, code, attemptKey, at, ...mobile }: Challenge & ({ mobileHash: string } | { borrowerId: string }) & { code: string; attemptKey: string; at: number }): Promise<VerifyOutput> {
    // The mobile whose challenges count: the one given, or the borrower's on file (none: nothing to verify).
    const mobileHash =
      'mobileHash' in mobile ? Prisma.sql`${mobile.mobileHash}::text` : Prisma.sql`(SELECT b."phoneHash" FROM "Borrower" b WHERE b.id = ${uuidOrNull(mobile.borrowerId)}::uuid)`;
    const found = await queryOne<VerifyRead>(
      db.raw,
      Prisma.sql`WITH m AS (SELECT ${mobileHash} AS hash)
        SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${VERIFY_SCOPE} AND r.key = ${attemptKey}) AS previous,
          c.id::text AS id, c."codeHash", c.attempts, c."maxAttempts", c."consumedAt", c."expiresAt", c."bindTo",
          (SELECT ${WRONG_CODES} FROM "OtpChallenge" w WHERE w."mobileHash" = (SELECT hash FROM m) AND w."sentAt" > ${new Date(at - DAY_MS)}::timestamptz) AS wrong
        FROM (SELECT 1) AS one LEFT JOIN LATERAL (
          SELECT * FROM "OtpChallenge" o WHERE o."conversationId" = ${conversationId} AND o."mobileHash" = (SELECT hash FROM m) AND o.purpose = ${purpose}
          ORDER BY o."sentAt" DESC LIMIT 1) AS c ON true`,
    );
    // The same attempt (a redelivered message, a turn re-run after a crash) gets its first answer:
    // a code already used up by this very attempt is still 'ok', and a wrong one is not counted twice.
    if (found.previous) return found.previous;
    // A step-up code allows the act it was sent for, nothing else (another amount or term needs a new code).
    if (found.id === null || found.consumedAt !== null || found.expiresAt.getTime() <= at || found.bindTo !== (bindTo ?? null)) return { result: 'expired' };
    // Wrong codes count per mobile across every conversation and chat user: guessing from many chats is locked too.
    if (found.wrong >= options.otpMaxWrongPerDay) return { result: 'too_many_attempts' };
    if (found.attempts >= found.maxAttempts) return { result: 'too_many_attempts' };
    const given = Buffer.from(codeHash(found.id, String(code).trim()));
    const stored = Buffer.from(found.codeHash);
    const right = given.length === stored.length && timingSafeEqual(given, stored);
    const output: VerifyOutput = right ? { result: 'ok' } : { result: found.attempts + 1 >= found.maxAttempts ? 'too_many_attempts' : 'wrong' };
    // The attempt is counted (only while attempts remain and the code is unused, so parallel guesses
    // cannot exceed the limit), a right code used up, and the answer remembered for this attempt, in
    // one statement: a crash cannot separate them.
    if (right) crashPoint('otp.before_consume');
    const counted = await queryOne<{ n: number }>(
      db.raw,
      Prisma.sql`WITH guard AS (UPDATE "OtpChallenge" SET attempts = attempts + 1${right ? Prisma.sql`, "consumedAt" = ${new Date(at)}::timestamptz` : Prisma.empty}
          WHERE id = ${found.id}::uuid AND attempts < "maxAttempts" AND "consumedAt" IS NULL RETURNING id),
        remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(VERIFY_SCOPE, attemptKey, output, clock.now())], Prisma.sql`${IF_GUARDED} ON CONFLICT (scope, key) DO NOTHING`)} RETURNING 1)
        SELECT (SELECT count(*) FROM guard)::int AS n`,
    );
    if (right) crashPoint('otp.after_consume');
    if (counted.n === 1) return output;
    // Used up or out of attempts meanwhile: by this attempt in parallel (its answer is stored), else by another.
    return (await recalled<VerifyOutput>(db.raw, VERIFY_SCOPE, attemptKey)) ?? { result: right ? 'expired' : 'too_many_attempts' };
  }

  /**
   * Name, ID number and mobile belong together before a first code is sent (so no SMS reaches a
   * stranger's phone): a customer on file must give the verified name; otherwise the verifier's
   * public-security and operator three-factor check decides. An ID number that is not valid is left
   * to the application's own check (it never gets this far in the flow). The verifier being
   * unreachable is infrastructure trouble (thrown; the borrower may retry). `storedName`: the name on
   * file for the ID number (its keyed hash, of the number trimmed and upper-cased), read with the
   * request's stored answer.
   */
  async function mobileBelongsTo(identity: { name: string; idNumber: string }, storedName: string | null, mobile: string, at: number): Promise<boolean> {
    if (storedName && storedName.trim() !== identity.name.trim()) return false;
    const answer = await providers.identity.verify({ person: { name: identity.name.trim(), idNumber: identity.idNumber, mobile }, at });
    if (!answer.ok) throw new AppError('PROVIDER_UNAVAILABLE', { provider: providers.identity.name, reason: answer.detail });
    return answer.data?.nameIdMatch === true && answer.data.mobileMatch !== false;
  }

  /** The borrower's mobile on file (decrypted only to send the SMS), or null. */
  async function mobileOf(borrowerId: string): Promise<string | null> {
    if (uuidOrNull(borrowerId) === null) return null;
    const [row] = await db.raw.query<{ phoneEnc: string | null }>(Prisma.sql`SELECT "phoneEnc" FROM "Borrower" WHERE id = ${borrowerId}::uuid`);
    return row?.phoneEnc ? cipher.decrypt(row.phoneEnc, fieldContext('Borrower', 'phoneEnc', borrowerId)) : null;
  }

  return {
    async sendOtp({ conversationId, mobile, identity, origin, requestKey, at }) {
      const person = identity && { name: identity.name, idNumber: identity.idNumber.trim().toUpperCase() };
      // One read: the request's stored answer, and the name on file for the ID number given.
      const found = await queryOne<{ previous: SendOutput | null; storedName: string | null }>(
        db.raw,
        Prisma.sql`SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SEND_SCOPE} AND r.key = ${requestKey}) AS previous,
          (SELECT b.name FROM "Borrower" b WHERE b."idNumberHash" = ${person ? cipher.lookupHash(person.idNumber) : null}::text) AS "storedName"`,
      );
      // The same request gets its first answer (no second check, no second SMS).
      if (found.previous) return found.previous;
      if (person && !(await mobileBelongsTo(person, found.storedName, mobile, at))) {
        logger.info({ conversationId }, 'SMS code not sent: the mobile does not belong to the name and ID number given');
        await db.raw.execute(insertRows('AuditLog', [auditRow({ actorType: 'system', action: 'otp.identity_mismatch', subjectType: 'Conversation', subjectId: conversationId, at })]));
        return { ok: false, reason: 'identity_mismatch' };
      }
      return send({ conversationId, mobile, purpose: VERIFY_MOBILE, origin, requestKey, at });
    },
    verifyOtp: ({ conversationId, mobile, code, attemptKey, at }) => verify({ conversationId, mobileHash: cipher.lookupHash(mobile), purpose: VERIFY_MOBILE, code, attemptKey, at }),
    async sendStepUp({ conversationId, borrowerId, bindTo, origin, requestKey, at }) {
      const mobile = await mobileOf(borrowerId);
      if (!mobile) return { ok: false, reason: 'no_mobile' };
      const previous = await recalled<Sent>(db.raw, SEND_SCOPE, requestKey);
      const sent = previous ?? (await send({ conversationId, mobile, purpose: STEP_UP, bindTo, origin, requestKey, at }));
      return sent.ok ? { ...sent, mobileMasked: maskMobile(mobile) } : sent;
    },
    verifyStepUp: ({ conversationId, borrowerId, bindTo, code, attemptKey, at }) => verify({ conversationId, borrowerId, purpose: STEP_UP, bindTo, code, attemptKey, at }),
  };
}
