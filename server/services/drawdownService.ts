import { randomUUID } from 'node:crypto';
import { drawFromCreditLine, lineOutstandingPrincipal, shanghaiDateOf, type CreditLine, type Fen, type IsoDate, type Posting } from '../../core/index.js';
import { conversationOfEffectKey, effectKeyPrefix } from '../../flows/index.js';
import type { DisburseInput, DrawdownReceipt, FlowEffects, LineView } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { crashPoint } from '../faults.js';
import type { PaymentResult } from '../providers/index.js';
import { Prisma, type Drawdown } from '../db/generated/client.js';
import { repaymentInFlight } from './repaymentService.js';
import { checkLineId, drawdownReference, installmentRows, ledgerCte, ledgerRows, lineConflict, loadLine, loadLineRecalling, saveLine, saveLineSql, type LoadedLine } from './creditLineStore.js';
import { audit, auditRow, idempotencyRow, IF_GUARDED, inTransaction, insertRows, isUniqueViolation, queryOne, recalled, toBigFen, toDbDate, toPpm } from './persistence.js';
import { paymentContext, resumable, type PaymentContext, type ServiceContext } from './serviceDeps.js';

type DisburseOutput = Awaited<ReturnType<FlowEffects['disburse']>>;

/** What the reservation leaves for the payout step: the posting to book and the receipt's numbers. */
export interface PendingDisbursement {
  readonly drawdownId: string;
  readonly lineId: string;
  readonly amount: Fen;
  readonly termMonths: number;
  readonly method: DisburseInput['method'];
  readonly posting: Posting;
  readonly firstDue: { readonly date: IsoDate; readonly amount: Fen };
  readonly availableAfter: Fen;
  readonly annualRate: number;
  /** Who, the business moment and when (clock epoch ms) it was reserved: what recovery needs to finish it (absent on records older than recovery). */
  readonly borrowerId?: string;
  readonly at?: number;
  readonly reservedAt?: number;
}

/** The scope of a drawdown's result by key, and of its reservation while the payout is under way. */
export const DISBURSE_SCOPE = 'disburse';
export const DISBURSE_PENDING_SCOPE = 'disburse.pending';
const SCOPE = DISBURSE_SCOPE;
const PENDING = DISBURSE_PENDING_SCOPE;

const LINE_INACTIVE = new Set(['LINE_EXPIRED', 'LINE_NOT_ACTIVE', 'LINE_HAS_OVERDUE', 'LINE_NOT_YET_VALID']);

/** Runs again when another operation saved the line first (CONFLICT from saveLine). */
async function withRetryOnConflict<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'CONFLICT') || i >= attempts) throw e;
    }
  }
}

/**
 * A drawdown, exactly once per idempotency key, in three steps (record locally, call out, undo on
 * failure): (1) one statement reserves it: core drawFromCreditLine, a Drawdown row `disbursing`
 * with its instalments, the line state with the limit taken (version-checked), and the pending
 * record of what finishing needs; (2) the payment gateway pays the card on file under the same key,
 * outside any transaction; (3) success marks the drawdown active and books the disbursement posting
 * in one statement; a definite refusal deletes the reservation and gives the limit back (the same
 * key may try again). A payout whose outcome is unknown (gateway unavailable, threw) answers
 * `processing` and keeps the reservation rather than risk money out with no loan. A call that finds
 * its key still reserved (a crash, a redelivered message) resumes at (2), and the gateway's own
 * idempotency makes it pay at most once; but only while the reservation is younger than half of
 * `paymentRecoveryAfterMs`: later it answers `processing` and leaves the reservation to the
 * recovery job (settleDisbursement), so a payout is never started while recovery may be deciding
 * that none was made.
 */
export function drawdownEffects(ctx: ServiceContext): Pick<FlowEffects, 'disburse'> {
  const { db, products, clock, lines } = ctx;
  const pc = paymentContext(ctx);

  /**
   * Step (1) as ONE statement: the line saved with the limit taken (version-checked: the guard),
   * the Drawdown row `disbursing` with its instalments, accruals recognised on the way, the pending
   * record and the audit entry, all or nothing. Answers a refusal, or the pending disbursement.
   */
  async function reserve(input: DisburseInput, known: LoadedLine | null | undefined): Promise<{ refused: DisburseOutput } | { pending: PendingDisbursement }> {
    const loaded = known === undefined ? await loadLine(db.raw, input.lineId) : known;
    if (!loaded || loaded.row.borrowerId !== input.borrowerId) return { refused: { ok: false, reason: 'invalid', detail: 'no such credit line for this borrower' } };
    // A conversation's turns run one at a time, so a payout of the same conversation still in flight
    // was left by a crash or an unknown outcome: another confirmation (a new message, not the
    // redelivery) is told "processing" until it is settled, never given a second loan by accident.
    const conversationId = conversationOfEffectKey(input.idempotencyKey);
    if (conversationId) {
      const inFlight = await db.prisma.drawdown.findFirst({
        where: { creditLineId: loaded.row.id, status: 'disbursing', idempotencyKey: { startsWith: effectKeyPrefix('draw', conversationId), not: input.idempotencyKey } },
        select: { id: true },
      });
      if (inFlight) return { refused: processing('an earlier drawdown of this conversation is still being settled') };
    }
    // Read after the line: an intent recorded since moved its version on, and the save below fails its guard.
    if (await repaymentInFlight(db.raw, loaded.row.id)) return { refused: { ok: false, reason: 'busy', detail: 'a repayment on this line is being collected' } };
    const product = products.find((p) => p.id === loaded.row.productId);
    if (product && !product.termsMonths.includes(input.termMonths)) return { refused: { ok: false, reason: 'invalid', detail: `term ${input.termMonths} is not offered (${product.termsMonths.join('/')})` } };
    if (product && input.amount < product.amount.min) return { refused: { ok: false, reason: 'invalid', detail: `amount below the minimum drawdown ${product.amount.min} fen` } };
    const on = shanghaiDateOf(input.at);
    const drawdownId = randomUUID();
    const drawn = drawFromCreditLine(loaded.line, { drawdownId, amount: input.amount, termMonths: input.termMonths, method: input.method, on });
    if (!drawn.ok) {
      const code = drawn.error.code;
      const reason = code === 'INSUFFICIENT_AVAILABLE_LIMIT' ? 'limit_exceeded' : LINE_INACTIVE.has(code) ? 'line_inactive' : 'invalid';
      // Paused since the borrower's preview: the reason (a column beside the core state) lets the flow say why.
      const frozen = reason === 'line_inactive' && loaded.line.status === 'frozen' ? await db.prisma.creditLine.findUnique({ where: { id: loaded.row.id }, select: { freezeReason: true } }) : null;
      const paused = frozen ? { freezeReason: (frozen.freezeReason ?? 'staff') as NonNullable<LineView['freezeReason']> } : {};
      return { refused: { ok: false, reason, detail: `${code}: ${drawn.error.message}`, ...paused } };
    }
    const { line, drawdown, postings } = drawn.value;
    const first = drawdown.installments[0]!;
    const pending: PendingDisbursement = {
      drawdownId,
      lineId: loaded.row.id,
      amount: input.amount,
      termMonths: input.termMonths,
      method: input.method,
      posting: postings.find((p) => p.kind === 'disbursement')!,
      firstDue: { date: first.dueDate, amount: first.total },
      availableAfter: line.available,
      annualRate: drawdown.annualRate,
      borrowerId: input.borrowerId,
      at: input.at,
      reservedAt: clock.now().getTime(),
    };
    const now = new Date();
    const save = saveLineSql(loaded, line, now, new Set([drawdownId]));
    const row: Drawdown = {
      id: drawdownId,
      creditLineId: loaded.row.id,
      amountFen: toBigFen(input.amount),
      termMonths: input.termMonths,
      method: input.method,
      ratePpm: toPpm(drawdown.annualRate),
      status: 'disbursing',
      idempotencyKey: input.idempotencyKey,
      paymentRef: null,
      startDate: toDbDate(on),
      disbursedAt: null,
      dpd: 0,
      bucket: 'M0',
      loanClass: 'normal',
      penaltyFen: 0n,
      createdAt: now,
      updatedAt: now,
    };
    const { saved } = await queryOne<{ saved: number }>(
      db.raw,
      Prisma.sql`WITH ${save.ctes},
        drawdown AS (${insertRows('Drawdown', [row], IF_GUARDED)}),
        schedule AS (${insertRows('Installment', installmentRows(drawdownId, drawdown.installments), IF_GUARDED)})
        -- accruals recognised while evaluating the line to today are booked with the state that recognised them
        ${ledgerCte(ledgerRows(postings.filter((p) => p.kind !== 'disbursement'), drawdownId, now))},
        pending AS (${insertRows('IdempotencyRecord', [idempotencyRow(PENDING, input.idempotencyKey, pending, clock.now())], IF_GUARDED)}),
        audited AS (${insertRows('AuditLog', [auditRow({ actorType: 'borrower', actorId: input.borrowerId, action: 'drawdown.reserved', subjectType: 'Drawdown', subjectId: drawdownId, at: input.at, detail: { lineId: input.lineId, amount: input.amount, termMonths: input.termMonths, method: input.method } })], IF_GUARDED)})
        SELECT count(*)::int AS saved FROM guard`,
    );
    if (saved !== 1) throw lineConflict(loaded);
    return { pending };
  }


  return {
    async disburse(input) {
      // One read: the finished result, a pending reservation, and the line.
      const read = await loadLineRecalling(db.raw, input.lineId, [SCOPE, PENDING], input.idempotencyKey);
      const previous = read.recalled[SCOPE] as DisburseOutput | undefined;
      if (previous) return previous;
      let pending = read.recalled[PENDING] as PendingDisbursement | undefined | null;
      if (pending) {
        if (!resumable(pc, pending.reservedAt)) return processing('the payout is being settled with the payment gateway');
      } else {
        checkLineId(input.lineId);
        try {
          // The line as read above, unless another operation on it ran first here; a retry reads it again.
          const reserved = await lines.run(input.lineId, (waited) => {
            let known: LoadedLine | null | undefined = waited ? undefined : read.loaded;
            return withRetryOnConflict(() => {
              const attempt = reserve(input, known);
              known = undefined;
              return attempt;
            });
          });
          if ('refused' in reserved) return reserved.refused;
          pending = reserved.pending;
          crashPoint('disburse.after_reserve');
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          // The same key reserved in parallel: carry on with that reservation.
          pending = await recalled<PendingDisbursement>(db.raw, PENDING, input.idempotencyKey);
          if (!pending) {
            // Already finished (or undone) by the attempt that won the reservation.
            const finished = await recalled<DisburseOutput>(db.raw, SCOPE, input.idempotencyKey);
            return finished ?? { ok: false, reason: 'payment_failed', detail: 'the reservation was undone by another attempt' };
          }
        }
      }
      const payment = await pc.payments
        .disburse({ idempotencyKey: input.idempotencyKey, borrowerId: input.borrowerId, amount: pending.amount, reference: drawdownReference(pending.drawdownId, pending.posting.date), at: input.at })
        .catch((e: unknown): PaymentResult => ({ ok: false, reason: 'unavailable', detail: e instanceof Error ? e.message : String(e) }));
      crashPoint('disburse.after_payout');
      if (!payment.ok && payment.reason === 'unavailable') {
        // Outcome unknown (timeout, gateway down): the money may have gone. Keep the reservation; the
        // same key resumes it, or the recovery job settles it with the gateway's record.
        pc.logger.error({ lineId: input.lineId, drawdownId: pending.drawdownId, detail: payment.detail }, 'disbursement outcome unknown; reservation kept for a retry with the same key or the recovery job');
        return processing(`unavailable: ${payment.detail}`);
      }
      if (!payment.ok) {
        await undo(pc, input.idempotencyKey, pending, { at: input.at, reason: payment.reason, detail: payment.detail });
        pc.logger.warn({ lineId: input.lineId, reason: payment.reason }, 'disbursement failed; reservation undone');
        return { ok: false, reason: 'payment_failed', detail: `${payment.reason}: ${payment.detail}` };
      }
      const output = await complete(pc, input.idempotencyKey, pending, payment, { at: input.at, recovered: false });
      crashPoint('disburse.after_record');
      return output;
    },
  };
}

const processing = (detail: string): DisburseOutput => ({ ok: false, reason: 'processing', detail });

/**
 * Step (3) as ONE statement, guarded by the drawdown still being `disbursing`: active with the
 * gateway's reference, the disbursement posting, the pending record replaced by the result under
 * the key (so a later call with the key gets the receipt), audited. When another attempt got there
 * first, answers what it stored.
 */
async function complete(pc: PaymentContext, key: string, pending: PendingDisbursement, payment: Extract<PaymentResult, { ok: true }>, how: { at: number; recovered: boolean }): Promise<DisburseOutput> {
  const { db, clock } = pc;
  const receipt: DrawdownReceipt = {
    drawdownId: pending.drawdownId,
    reference: drawdownReference(pending.drawdownId, pending.posting.date),
    amount: pending.amount,
    termMonths: pending.termMonths,
    method: pending.method,
    annualRate: pending.annualRate,
    card: payment.card,
    disbursedAt: how.at,
    firstDue: pending.firstDue,
    availableAfter: pending.availableAfter,
  };
  const output: DisburseOutput = { ok: true, receipt };
  const now = new Date();
  const entries = ledgerRows([pending.posting], pending.drawdownId, now);
  const detail = { lineId: pending.lineId, amount: pending.amount, paymentRef: payment.paymentRef, card: payment.card, ledgerEntries: entries.length, ...(how.recovered ? { recovered: true } : {}) };
  const { marked } = await queryOne<{ marked: number }>(
    db.raw,
    Prisma.sql`WITH guard AS (UPDATE "Drawdown" SET status = 'active', "paymentRef" = ${payment.paymentRef}, "disbursedAt" = ${new Date(how.at)}::timestamptz, "updatedAt" = ${now}::timestamptz
        WHERE id = ${pending.drawdownId}::uuid AND status = 'disbursing' RETURNING id)
      ${ledgerCte(entries)},
      unpended AS (DELETE FROM "IdempotencyRecord" WHERE scope = ${PENDING} AND key = ${key} AND EXISTS (SELECT 1 FROM guard)),
      remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, key, output, clock.now())], IF_GUARDED)}),
      audited AS (${insertRows('AuditLog', [auditRow({ actorType: 'system', action: 'drawdown.disbursed', subjectType: 'Drawdown', subjectId: pending.drawdownId, at: how.at, detail })], IF_GUARDED)})
      SELECT count(*)::int AS marked FROM guard`,
  );
  if (marked === 1) return output;
  return (await recalled<DisburseOutput>(db.raw, SCOPE, key)) ?? { ok: false, reason: 'payment_failed', detail: 'the disbursement was finished or undone by another attempt' };
}

/**
 * Deletes a reservation no money went out for and gives the limit back (a short interactive
 * transaction: rare, and it decides on what it reads), audited. With `final`, that result is stored
 * under the key in the same transaction, so a later call with the key answers it instead of paying
 * (the recovery job's undo); without, the key may try again. False when the reservation was no
 * longer there (finished or undone by another attempt).
 */
async function undo(pc: PaymentContext, key: string, pending: PendingDisbursement, why: { at: number; reason: string; detail: string; final?: DisburseOutput }): Promise<boolean> {
  const { db, lines, clock } = pc;
  return lines.run(pending.lineId, () =>
    withRetryOnConflict(() =>
      inTransaction(db.prisma, async (tx) => {
        const removed = await tx.drawdown.deleteMany({ where: { id: pending.drawdownId, status: 'disbursing' } });
        if (removed.count !== 1) return false;
        const loaded = await loadLine(tx, pending.lineId);
        if (loaded) {
          const drawdowns = loaded.line.drawdowns.filter((d) => d.id !== pending.drawdownId);
          const undone: CreditLine = { ...loaded.line, drawdowns, available: loaded.line.limit - lineOutstandingPrincipal({ ...loaded.line, drawdowns }) };
          await saveLine(tx, loaded, undone);
        }
        await tx.idempotencyRecord.deleteMany({ where: { scope: PENDING, key } });
        if (why.final) await tx.$executeRaw(insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, key, why.final, clock.now())]));
        await audit(tx, {
          actorType: 'system',
          action: 'drawdown.failed',
          subjectType: 'Drawdown',
          subjectId: pending.drawdownId,
          at: why.at,
          detail: { lineId: pending.lineId, amount: pending.amount, reason: why.reason, detail: why.detail, ...(why.final ? { recovered: true } : {}) },
        });
        return true;
      }),
    ),
  );
}

/**
 * The recovery job's step for a reservation left `disbursing` (a crash between payout and record, an
 * unknown outcome nobody retried): asks the gateway for its own record under the same key. Money
 * went out → completed exactly as the normal path would (receipt stored under the key); none →
 * undone, with `payment_failed` stored under the key so a late redelivery does not pay.
 */
export async function settleDisbursement(pc: PaymentContext, key: string, pending: PendingDisbursement): Promise<'completed' | 'undone' | 'gone'> {
  const found = await pc.payments.lookup('disburse', key);
  const at = pending.at ?? pc.clock.now().getTime();
  if (found?.ok) {
    const output = await complete(pc, key, pending, found, { at, recovered: true });
    return output.ok ? 'completed' : 'gone';
  }
  const detail = 'the payment gateway has no payout under this key; the reservation was undone';
  const undone = await undo(pc, key, pending, { at, reason: 'not_paid', detail, final: { ok: false, reason: 'payment_failed', detail } });
  return undone ? 'undone' : 'gone';
}
