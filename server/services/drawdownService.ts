import { randomUUID } from 'node:crypto';
import { drawFromCreditLine, lineOutstandingPrincipal, shanghaiDateOf, type CreditLine, type Fen, type IsoDate, type Posting } from '../../core/index.js';
import type { DisburseInput, DrawdownReceipt, FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import type { PaymentResult } from '../providers/index.js';
import { Prisma, type Drawdown } from '../db/generated/client.js';
import { checkLineId, drawdownReference, installmentRows, ledgerCte, ledgerRows, lineConflict, loadLine, loadLineRecalling, saveLine, saveLineSql, type LoadedLine } from './creditLineStore.js';
import { audit, auditRow, idempotencyRow, IF_GUARDED, inTransaction, insertRows, isUniqueViolation, queryOne, recalled, toBigFen, toDbDate, toPpm } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type DisburseOutput = Awaited<ReturnType<FlowEffects['disburse']>>;

/** What the reservation leaves for the payout step: the posting to book and the receipt's numbers. */
interface PendingDisbursement {
  readonly drawdownId: string;
  readonly lineId: string;
  readonly amount: Fen;
  readonly termMonths: number;
  readonly method: DisburseInput['method'];
  readonly posting: Posting;
  readonly firstDue: { readonly date: IsoDate; readonly amount: Fen };
  readonly availableAfter: Fen;
  readonly annualRate: number;
}

const SCOPE = 'disburse';
const PENDING = 'disburse.pending';

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
 * with its instalments, the line state with the limit taken (version-checked); (2) the payment
 * gateway pays the card on file under the same key, outside any transaction; (3) success marks the
 * drawdown active and books the disbursement posting in one statement; failure deletes the
 * reservation and gives the limit back (a short interactive transaction: rare, and it decides on
 * what it reads). A call that finds its key
 * still `disbursing` (a crash, or a restored conversation re-running the effect) resumes at (2):
 * the gateway's own idempotency makes it pay at most once. A payout whose outcome is unknown
 * (gateway unavailable) keeps its reservation for such a retry rather than risk money out with no loan.
 */
export function drawdownEffects(ctx: ServiceContext): Pick<FlowEffects, 'disburse'> {
  const { db, providers, products, clock, logger, lines } = ctx;

  /**
   * Step (1) as ONE statement: the line saved with the limit taken (version-checked: the guard),
   * the Drawdown row `disbursing` with its instalments, accruals recognised on the way, the pending
   * record and the audit entry, all or nothing. Answers a refusal, or the pending disbursement.
   */
  async function reserve(input: DisburseInput, known: LoadedLine | null | undefined): Promise<{ refused: DisburseOutput } | { pending: PendingDisbursement }> {
    const loaded = known === undefined ? await loadLine(db.prisma, input.lineId) : known;
    if (!loaded || loaded.row.borrowerId !== input.borrowerId) return { refused: { ok: false, reason: 'invalid', detail: 'no such credit line for this borrower' } };
    const product = products.find((p) => p.id === loaded.row.productId);
    if (product && !product.termsMonths.includes(input.termMonths)) return { refused: { ok: false, reason: 'invalid', detail: `term ${input.termMonths} is not offered (${product.termsMonths.join('/')})` } };
    if (product && input.amount < product.amount.min) return { refused: { ok: false, reason: 'invalid', detail: `amount below the minimum drawdown ${product.amount.min} fen` } };
    const on = shanghaiDateOf(input.at);
    const drawdownId = randomUUID();
    const drawn = drawFromCreditLine(loaded.line, { drawdownId, amount: input.amount, termMonths: input.termMonths, method: input.method, on });
    if (!drawn.ok) {
      const code = drawn.error.code;
      const reason = code === 'INSUFFICIENT_AVAILABLE_LIMIT' ? 'limit_exceeded' : LINE_INACTIVE.has(code) ? 'line_inactive' : 'invalid';
      return { refused: { ok: false, reason, detail: `${code}: ${drawn.error.message}` } };
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
      createdAt: now,
      updatedAt: now,
    };
    const { saved } = await queryOne<{ saved: number }>(
      db.prisma,
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

  async function finish(input: DisburseInput, pending: PendingDisbursement, payment: PaymentResult): Promise<DisburseOutput> {
    if (!payment.ok && payment.reason === 'unavailable') {
      // Outcome unknown (timeout, gateway down): the money may have gone. Keep the reservation; the
      // same key resumes it, and the gateway's idempotency tells.
      logger.error({ lineId: input.lineId, drawdownId: pending.drawdownId, detail: payment.detail }, 'disbursement outcome unknown; reservation kept for a retry with the same key');
      return { ok: false, reason: 'payment_failed', detail: `unavailable: ${payment.detail}` };
    }
    if (!payment.ok) {
      await lines.run(pending.lineId, () => withRetryOnConflict(() => inTransaction(db.prisma, async (tx) => {
        const removed = await tx.drawdown.deleteMany({ where: { id: pending.drawdownId, status: 'disbursing' } });
        if (removed.count !== 1) return;
        const loaded = await loadLine(tx, pending.lineId);
        if (loaded) {
          const drawdowns = loaded.line.drawdowns.filter((d) => d.id !== pending.drawdownId);
          const undone: CreditLine = { ...loaded.line, drawdowns, available: loaded.line.limit - lineOutstandingPrincipal({ ...loaded.line, drawdowns }) };
          await saveLine(tx, loaded, undone);
        }
        await tx.idempotencyRecord.deleteMany({ where: { scope: PENDING, key: input.idempotencyKey } });
        await audit(tx, { actorType: 'system', action: 'drawdown.failed', subjectType: 'Drawdown', subjectId: pending.drawdownId, at: input.at, detail: { lineId: pending.lineId, amount: pending.amount, reason: payment.reason, detail: payment.detail } });
      })));
      logger.warn({ lineId: input.lineId, reason: payment.reason }, 'disbursement failed; reservation undone');
      return { ok: false, reason: 'payment_failed', detail: `${payment.reason}: ${payment.detail}` };
    }
    const receipt: DrawdownReceipt = {
      drawdownId: pending.drawdownId,
      reference: drawdownReference(pending.drawdownId, pending.posting.date),
      amount: pending.amount,
      termMonths: pending.termMonths,
      method: pending.method,
      annualRate: pending.annualRate,
      card: payment.card,
      disbursedAt: input.at,
      firstDue: pending.firstDue,
      availableAfter: pending.availableAfter,
    };
    const output: DisburseOutput = { ok: true, receipt };
    // Step (3) as ONE statement, guarded by the drawdown still being `disbursing`.
    const now = new Date();
    const entries = ledgerRows([pending.posting], pending.drawdownId, now);
    const { marked } = await queryOne<{ marked: number }>(
      db.prisma,
      Prisma.sql`WITH guard AS (UPDATE "Drawdown" SET status = 'active', "paymentRef" = ${payment.paymentRef}, "disbursedAt" = ${new Date(input.at)}::timestamptz, "updatedAt" = ${now}::timestamptz
          WHERE id = ${pending.drawdownId}::uuid AND status = 'disbursing' RETURNING id)
        ${ledgerCte(entries)},
        unpended AS (DELETE FROM "IdempotencyRecord" WHERE scope = ${PENDING} AND key = ${input.idempotencyKey} AND EXISTS (SELECT 1 FROM guard)),
        remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, input.idempotencyKey, output, clock.now())], IF_GUARDED)}),
        audited AS (${insertRows('AuditLog', [auditRow({ actorType: 'system', action: 'drawdown.disbursed', subjectType: 'Drawdown', subjectId: pending.drawdownId, at: input.at, detail: { lineId: pending.lineId, amount: pending.amount, paymentRef: payment.paymentRef, card: payment.card, ledgerEntries: entries.length } })], IF_GUARDED)})
        SELECT count(*)::int AS marked FROM guard`,
    );
    if (marked === 1) return output;
    return (await recalled<DisburseOutput>(db.prisma, SCOPE, input.idempotencyKey)) ?? { ok: false, reason: 'payment_failed', detail: 'the disbursement was finished or undone by another attempt' };
  }

  return {
    async disburse(input) {
      // One read: the finished result, a pending reservation, and the line.
      const read = await loadLineRecalling(db.prisma, input.lineId, [SCOPE, PENDING], input.idempotencyKey);
      const previous = read.recalled[SCOPE] as DisburseOutput | undefined;
      if (previous) return previous;
      let pending = read.recalled[PENDING] as PendingDisbursement | undefined | null;
      if (!pending) {
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
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          // The same key reserved in parallel: carry on with that reservation.
          pending = await recalled<PendingDisbursement>(db.prisma, PENDING, input.idempotencyKey);
          if (!pending) {
            // Already finished (or undone) by the attempt that won the reservation.
            const finished = await recalled<DisburseOutput>(db.prisma, SCOPE, input.idempotencyKey);
            return finished ?? { ok: false, reason: 'payment_failed', detail: 'the reservation was undone by another attempt' };
          }
        }
      }
      const payment = await providers.payments
        .disburse({ idempotencyKey: input.idempotencyKey, borrowerId: input.borrowerId, amount: pending.amount, reference: drawdownReference(pending.drawdownId, pending.posting.date), at: input.at })
        .catch((e: unknown): PaymentResult => ({ ok: false, reason: 'unavailable', detail: e instanceof Error ? e.message : String(e) }));
      return finish(input, pending, payment);
    },
  };
}
