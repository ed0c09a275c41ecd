import { randomUUID } from 'node:crypto';
import {
  lineOutstandingPrincipal,
  payNextInstallment,
  payOffCreditLine,
  repayCreditLine,
  shanghaiDateOf,
  summarizeCreditLine,
  type CreditLine,
  type Fen,
  type RepaymentResult,
  type Result,
} from '../../core/index.js';
import type { FlowEffects, RepayInput, RepaymentReceipt } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { crashPoint } from '../faults.js';
import type { PaymentResult } from '../providers/index.js';
import { Prisma, type RepaymentAllocation } from '../db/generated/client.js';
import { checkLineId, laterOf, ledgerCte, ledgerRows, lineConflict, loadLineRecalling, repaymentReference, saveLineSql, type LoadedLine } from './creditLineStore.js';
import { auditRow, idempotencyRow, IF_GUARDED, insertRows, isUniqueViolation, jsonb, queryOne, queryRows, recalled, toBigFen, type RawTarget } from './persistence.js';
import { paymentContext, resumable, type PaymentContext, type ServiceContext } from './serviceDeps.js';

type RepayOutput = Awaited<ReturnType<FlowEffects['repay']>>;
type Refusal = Extract<RepayOutput, { ok: false }>;

/** The scope of a repayment's result by key, and of its intent while the collection is under way. */
export const REPAY_SCOPE = 'repay';
export const REPAY_PENDING_SCOPE = 'repay.pending';
const SCOPE = REPAY_SCOPE;
const PENDING = REPAY_PENDING_SCOPE;
const KIND: Record<RepayInput['kind'], string> = { due: 'due_installment', partial: 'partial', payoff: 'payoff' };

/**
 * Whether a repayment on the line is recorded and its collection not yet stored (an intent under
 * scope `repay.pending`). Read after the line: an intent recorded later moved the line's version on,
 * so a save planned on what was read fails its guard and reads again.
 */
export async function repaymentInFlight(db: RawTarget, lineId: string): Promise<boolean> {
  const rows = await queryRows(db, Prisma.sql`SELECT 1 FROM "IdempotencyRecord" WHERE scope = ${PENDING} AND lower(result->'request'->>'lineId') = lower(${lineId}) LIMIT 1`);
  return rows.length > 0;
}

/**
 * A repayment recorded before its money is collected (scope `repay.pending`, by key): what storing
 * it needs once the gateway has the money, whichever process gets there (the call, its retry, the
 * recovery job).
 */
export interface RepaymentIntent {
  /** The request as the borrower made it (line, borrower, kind, drawdown, amount asked, business moment). */
  readonly request: Omit<RepayInput, 'idempotencyKey'>;
  /** What the plan collects. */
  readonly amount: Fen;
  /** Planned as the next instalment settled ahead of its date, nothing being due. */
  readonly early: boolean;
  readonly repaymentId: string;
  readonly reference: string;
  /** The line version planned on: on that version the plan is made again identically; on a later one the money is applied to the line as it is. */
  readonly lineVersion: number;
  /** When it was recorded (clock epoch ms): retries resume it only while it is young. */
  readonly intendedAt: number;
}

interface Plan {
  readonly result: RepaymentResult;
  /** Nothing was due: the next instalment was settled ahead of its date. */
  readonly early: boolean;
}

/**
 * What a repayment request means on a line today, as core computes it:
 * - `due`: everything due now (overdue first, penalty → interest → principal). On a loan with
 *   nothing due yet (a fresh one), the next instalment is settled ahead of its date as scheduled
 *   (core payNextInstallment): the next due date moves on to the one after. `nothing_due` only when
 *   no instalment is left.
 * - `partial`: the amount, due items first, the rest early repayment in `earlyRepaymentMode`.
 * - `payoff`: core payOffCreditLine (interest only for the days actually used).
 */
export function planRepayment(line: CreditLine, input: Pick<RepayInput, 'kind' | 'amount' | 'drawdownId' | 'earlyRepaymentMode'>, on: string): { ok: true; plan: Plan } | Refusal {
  const target = input.drawdownId === undefined ? {} : { drawdownId: input.drawdownId };
  const wrap = (r: Result<RepaymentResult>, early = false): { ok: true; plan: Plan } | Refusal => {
    if (r.ok) return { ok: true, plan: { result: r.value, early } };
    return r.error.code === 'NOTHING_TO_REPAY' || r.error.code === 'DRAWDOWN_SETTLED' ? { ok: false, reason: 'nothing_due', detail: r.error.message } : { ok: false, reason: 'invalid', detail: `${r.error.code}: ${r.error.message}` };
  };
  if (input.kind === 'payoff') return wrap(payOffCreditLine(line, { on, ...target }));
  if (input.kind === 'partial') {
    if (input.amount === undefined || !Number.isSafeInteger(input.amount) || input.amount <= 0) return { ok: false, reason: 'invalid', detail: 'a partial repayment needs a positive amount in fen' };
    return wrap(repayCreditLine(line, { amount: input.amount, on, ...target, options: { earlyRepaymentMode: input.earlyRepaymentMode ?? 'reduce_installment' } }));
  }
  const summary = summarizeCreditLine(line, on);
  if (!summary.ok) return { ok: false, reason: 'invalid', detail: `${summary.error.code}: ${summary.error.message}` };
  const scope = input.drawdownId === undefined ? summary.value : summary.value.drawdowns.find((d) => d.id === input.drawdownId);
  if (!scope) return { ok: false, reason: 'invalid', detail: `no drawdown ${input.drawdownId} on this line` };
  if (scope.dueNow > 0) return wrap(repayCreditLine(line, { amount: scope.dueNow, on, ...target, options: { surplus: 'reject' } }));
  if (!scope.nextDue) return { ok: false, reason: 'nothing_due', detail: 'nothing is due and no instalment is left' };
  return wrap(payNextInstallment(line, { on, ...target }), true);
}

/**
 * Repayments, exactly once per idempotency key: plan with core; record the intent (what to store,
 * under the key) in one statement; collect from the card on file under the key; then store the
 * Repayment, its allocations, instalment paid amounts, ledger postings, the new line state and the
 * result under the key, removing the intent, in one statement (guarded by the line version). If the
 * line changed between planning and storing, the money collected is applied to the line as it now
 * is. A definite refusal (insufficient funds, declined) removes the intent and changes nothing
 * else. An unknown outcome (gateway unavailable, threw) answers `processing` and keeps the intent. A
 * call that finds the intent (a crash, a redelivered message) resumes it: the gateway replays its
 * result for the key, or collects now; but only while the intent is younger than half of
 * `paymentRecoveryAfterMs`, after which it answers `processing` and the recovery job
 * (settleRepayment) applies or voids it by the gateway's record.
 */
export function repaymentEffects(ctx: ServiceContext): Pick<FlowEffects, 'repay'> {
  const { db } = ctx;
  const pc = paymentContext(ctx);

  return {
    async repay(input) {
      // One read: a stored result or intent for the key, and the line.
      const read = await loadLineRecalling(db.raw, input.lineId, [SCOPE, PENDING], input.idempotencyKey);
      const previous = read.recalled[SCOPE] as RepayOutput | undefined;
      if (previous) return previous;
      checkLineId(input.lineId);
      let intent = read.recalled[PENDING] as RepaymentIntent | undefined;
      let planned: Planned | undefined;
      if (intent) {
        if (!resumable(pc, intent.intendedAt)) return processing('the repayment is being settled with the payment gateway');
      } else {
        const recorded = await recordIntent(pc, input, read);
        if ('refused' in recorded) return recorded.refused;
        ({ intent, planned } = recorded);
        crashPoint('repay.after_intent');
      }
      const payment = await pc.payments
        .collect({ idempotencyKey: input.idempotencyKey, borrowerId: intent.request.borrowerId, amount: intent.amount, reference: intent.reference, at: intent.request.at })
        .catch((e: unknown): PaymentResult => ({ ok: false, reason: 'unavailable', detail: e instanceof Error ? e.message : String(e) }));
      crashPoint('repay.after_collect');
      if (!payment.ok && payment.reason === 'unavailable') {
        pc.logger.error({ lineId: input.lineId, detail: payment.detail }, 'repayment outcome unknown; intent kept for a retry with the same key or the recovery job');
        return processing(`unavailable: ${payment.detail}`);
      }
      if (!payment.ok) {
        pc.logger.info({ lineId: input.lineId, reason: payment.reason }, 'repayment not collected');
        await dropIntent(pc, input.idempotencyKey, intent, { action: 'repayment.declined', reason: payment.reason, detail: payment.detail });
        return payment.reason === 'insufficient_funds'
          ? { ok: false, reason: 'insufficient_funds', detail: payment.detail }
          : { ok: false, reason: 'payment_failed', detail: `${payment.reason}: ${payment.detail}` };
      }
      const output = await storeCollected(pc, input.idempotencyKey, intent, payment, planned, false);
      crashPoint('repay.after_store');
      return output;
    },
  };
}

/**
 * Plans the request on the line and records the intent under the key, in one statement that also
 * moves the line's version on (guarded by the version planned on): a reservation read before it
 * then fails its own guard and sees the intent. Refused `busy` while a payout on the line is in
 * flight. Read again (up to four more times) when the line changed between the read and the record.
 * When the same key was recorded at the same moment, carries on with that intent (or its result).
 */
async function recordIntent(
  pc: PaymentContext,
  input: RepayInput,
  first: Awaited<ReturnType<typeof loadLineRecalling>>,
): Promise<{ refused: RepayOutput } | { intent: RepaymentIntent; planned: Planned | undefined }> {
  const { db, clock } = pc;
  let read = first;
  for (let attempt = 0; ; attempt++) {
    const loaded = read.loaded;
    if (!loaded || loaded.row.borrowerId !== input.borrowerId) return { refused: { ok: false, reason: 'invalid', detail: 'no such credit line for this borrower' } };
    if (read.payoutInFlight) return { refused: { ok: false, reason: 'busy', detail: 'a drawdown on this line is being paid out' } };
    const result = planRepayment(loaded.line, input, shanghaiDateOf(input.at));
    if (!result.ok) return { refused: result };
    const repaymentId = randomUUID();
    const { idempotencyKey: key, ...request } = input;
    const version = loaded.row.version + 1;
    const intent: RepaymentIntent = {
      request,
      amount: result.plan.result.applied,
      early: result.plan.early,
      repaymentId,
      reference: repaymentReference(repaymentId, shanghaiDateOf(input.at)),
      lineVersion: version,
      intendedAt: clock.now().getTime(),
    };
    try {
      const { recorded } = await queryOne<{ recorded: number }>(
        db.raw,
        Prisma.sql`WITH guard AS (UPDATE "CreditLine" SET version = ${version}::int WHERE id = ${loaded.row.id}::uuid AND version = ${loaded.row.version}::int RETURNING id),
          intent AS (${insertRows('IdempotencyRecord', [idempotencyRow(PENDING, key, intent, clock.now())], IF_GUARDED)})
          SELECT count(*)::int AS recorded FROM guard`,
      );
      if (recorded === 1) return { intent, planned: { plan: result.plan, loaded: { ...loaded, row: { ...loaded.row, version } } } };
      if (attempt >= 4) throw lineConflict(loaded);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // The same key at the same moment: carry on with the intent that was recorded first.
      const again = await loadLineRecalling(db.raw, input.lineId, [SCOPE, PENDING], key);
      if (again.recalled[SCOPE]) return { refused: again.recalled[SCOPE] as RepayOutput };
      const recordedFirst = again.recalled[PENDING] as RepaymentIntent | undefined;
      if (!recordedFirst) return { refused: { ok: false, reason: 'payment_failed', detail: 'the repayment was refused in another attempt; try again' } };
      return { intent: recordedFirst, planned: undefined };
    }
    read = await loadLineRecalling(db.raw, input.lineId, [SCOPE, PENDING], input.idempotencyKey);
    if (read.recalled[SCOPE]) return { refused: read.recalled[SCOPE] as RepayOutput };
  }
}

const processing = (detail: string): RepayOutput => ({ ok: false, reason: 'processing', detail });

/** A plan and the line it was made on; `result` null when no plan of the request fits the line as it is now. */
interface Planned {
  readonly plan: { readonly result: RepaymentResult | null; readonly early: boolean };
  readonly loaded: LoadedLine;
}

/** Removes an intent whose money was not collected (and, with `final`, stores that result under the key), audited, in one statement. */
async function dropIntent(pc: PaymentContext, key: string, intent: RepaymentIntent, why: { action: string; reason: string; detail: string; final?: RepayOutput }): Promise<void> {
  const { request } = intent;
  const audited = auditRow({
    actorType: why.final ? 'system' : 'borrower',
    actorId: why.final ? null : request.borrowerId,
    action: why.action,
    subjectType: 'CreditLine',
    subjectId: request.lineId,
    at: request.at,
    detail: { kind: request.kind, amount: intent.amount, reason: why.reason, detail: why.detail, repaymentId: intent.repaymentId, ...(why.final ? { recovered: true } : {}) },
  });
  await pc.db.raw.execute(
    Prisma.sql`WITH guard AS (DELETE FROM "IdempotencyRecord" WHERE scope = ${PENDING} AND key = ${key} RETURNING id)
      ${why.final ? Prisma.sql`, remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, key, why.final, pc.clock.now())], IF_GUARDED)})` : Prisma.empty}
      ${insertRows('AuditLog', [audited], IF_GUARDED)}`,
  );
}

/**
 * Stores a collected repayment on its line. The first try uses this call's plan and the line it
 * read (unless another operation on the line ran first here); otherwise, and after a CONFLICT (up
 * to four more times), it reads the line again, first asking whether the same key was stored
 * meanwhile (the same repayment run twice at once); on the version the intent was planned on it
 * plans again (the same plan), on a later one the money collected is applied to the line as it is.
 */
function storeCollected(pc: PaymentContext, key: string, intent: RepaymentIntent, payment: Extract<PaymentResult, { ok: true }>, planned: Planned | undefined, recovered: boolean): Promise<RepayOutput> {
  const { db } = pc;
  return pc.lines.run(intent.request.lineId, async (waited) => {
    let current: Planned | undefined = waited ? undefined : planned;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!current) {
          const again = await loadLineRecalling(db.raw, intent.request.lineId, [SCOPE], key);
          const stored = again.recalled[SCOPE] as RepayOutput | undefined;
          if (stored) return stored;
          if (!again.loaded) throw new AppError('INTERNAL', {}, { cause: new Error(`credit line ${intent.request.lineId} disappeared`) });
          const replanned = again.loaded.row.version === intent.lineVersion ? planRepayment(again.loaded.line, intent.request, shanghaiDateOf(intent.request.at)) : undefined;
          current = { plan: replanned?.ok ? replanned.plan : { result: null, early: intent.early }, loaded: again.loaded };
        }
        return await store(pc, key, intent, payment, current, recovered);
      } catch (e) {
        if (isUniqueViolation(e)) {
          const first = await recalled<RepayOutput>(db.raw, SCOPE, key);
          if (first) return first;
        }
        if (!(e instanceof AppError && e.code === 'CONFLICT') || attempt >= 4) throw e;
        current = undefined;
      }
    }
  });
}

/**
 * The recovery job's step for a repayment intent left pending (a crash between collecting and
 * storing, an unknown outcome nobody retried): asks the gateway for its own record under the same
 * key. Money collected → stored and applied to the line exactly as the normal path would; none →
 * the intent removed, with `payment_failed` stored under the key so a late redelivery does not collect.
 */
export async function settleRepayment(pc: PaymentContext, key: string, intent: RepaymentIntent): Promise<'completed' | 'voided'> {
  const found = await pc.payments.lookup('collect', key);
  if (found?.ok) {
    await storeCollected(pc, key, intent, found, undefined, true);
    return 'completed';
  }
  const detail = 'the payment gateway collected nothing under this key; the repayment was not made';
  await dropIntent(pc, key, intent, { action: 'repayment.voided', reason: 'not_collected', detail, final: { ok: false, reason: 'payment_failed', detail } });
  return 'voided';
}

async function store(pc: PaymentContext, key: string, intent: RepaymentIntent, payment: Extract<PaymentResult, { ok: true }>, current: Planned, recovered: boolean): Promise<RepayOutput> {
  const { db, clock } = pc;
  const { request: input, repaymentId, reference } = intent;
  const { loaded, plan: planned } = current;
  let result = planned.result;
  // The line moved on since planning, or the gateway replayed another amount: apply what was collected to the line as it is.
  if (!result || payment.amount !== result.applied) {
    const on = laterOf(shanghaiDateOf(input.at), loaded.line.asOf);
    const again = repayCreditLine(loaded.line, { amount: payment.amount, on, ...(input.drawdownId === undefined ? {} : { drawdownId: input.drawdownId }), options: { earlyRepaymentMode: input.earlyRepaymentMode ?? (planned.early ? 'shorten_term' : 'reduce_installment') } });
    if (!again.ok) throw new AppError('INTERNAL', {}, { cause: new Error(`collected ${payment.amount} fen cannot be applied: ${again.error.code}`) });
    result = again.value;
  }
  const now = new Date();
  const save = saveLineSql(loaded, result.line, now);
  const entries = ledgerRows(result.postings, repaymentId, now);
  const total = (k: 'penalty' | 'interest' | 'principal'): Fen => result.allocations.reduce((s, a) => s + a[k], 0);
  const receipt: RepaymentReceipt = {
    repaymentId,
    reference,
    amount: result.applied,
    penalty: total('penalty'),
    interest: total('interest'),
    principal: total('principal'),
    unapplied: input.kind === 'partial' && input.amount !== undefined ? Math.max(0, input.amount - result.applied) : 0,
    card: payment.card,
    paidAt: input.at,
    availableAfter: result.line.available,
    settledDrawdowns: [...result.settledDrawdownIds],
    outstandingAfter: lineOutstandingPrincipal(result.line),
  };
  const output: RepayOutput = { ok: true, receipt };
  const repayment = {
    id: repaymentId,
    creditLineId: loaded.row.id,
    drawdownId: input.drawdownId ?? null,
    amountFen: toBigFen(result.applied),
    kind: KIND[input.kind],
    idempotencyKey: key,
    paymentRef: payment.paymentRef,
    paidAt: new Date(input.at),
    createdAt: now,
  };
  // installmentId: null for an allocation with no period; else the instalment of that drawdown and
  // period as it stands after this save: from `synced` for a drawdown the save rewrote (a period it
  // removed has none), from the table for one it left alone.
  const allocations: Omit<RepaymentAllocation, 'installmentId'>[] = result.allocations.map((a) => ({
    id: randomUUID(),
    repaymentId,
    drawdownId: a.drawdownId,
    kind: a.kind,
    period: a.period,
    penaltyFen: toBigFen(a.penalty),
    interestFen: toBigFen(a.interest),
    principalFen: toBigFen(a.principal),
  }));
  const { saved } = await queryOne<{ saved: number }>(
    db.raw,
    Prisma.sql`WITH ${save.ctes},
      repayment AS (${insertRows('Repayment', [repayment], IF_GUARDED)}),
      allocated AS (INSERT INTO "RepaymentAllocation" (id, "repaymentId", "installmentId", "drawdownId", kind, period, "penaltyFen", "interestFen", "principalFen")
        SELECT a.id, a."repaymentId",
          CASE WHEN a.period IS NULL THEN NULL
            ${save.synced.length ? Prisma.sql`WHEN a."drawdownId" = ANY(${save.synced}::uuid[]) THEN (SELECT s.id FROM synced s WHERE s."drawdownId" = a."drawdownId" AND s.period = a.period)` : Prisma.empty}
            ELSE (SELECT i.id FROM "Installment" i WHERE i."drawdownId" = a."drawdownId" AND i.period = a.period) END,
          a."drawdownId", a.kind, a.period, a."penaltyFen", a."interestFen", a."principalFen"
        FROM jsonb_populate_recordset(NULL::"RepaymentAllocation", ${jsonb(allocations)}) AS a ${IF_GUARDED})
      ${ledgerCte(entries)},
      remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, key, output, clock.now())], IF_GUARDED)}),
      unpended AS (DELETE FROM "IdempotencyRecord" WHERE scope = ${PENDING} AND key = ${key} AND EXISTS (SELECT 1 FROM guard)),
      audited AS (${insertRows('AuditLog', [auditRow({
        actorType: 'borrower',
        actorId: input.borrowerId,
        action: 'repayment.collected',
        subjectType: 'Repayment',
        subjectId: repaymentId,
        at: input.at,
        detail: { lineId: input.lineId, kind: input.kind, early: planned.early, amount: result.applied, penalty: receipt.penalty, interest: receipt.interest, principal: receipt.principal, paymentRef: payment.paymentRef, card: payment.card, ledgerEntries: entries.length, settled: receipt.settledDrawdowns, ...(recovered ? { recovered: true } : {}) },
      })], IF_GUARDED)})
      SELECT count(*)::int AS saved FROM guard`,
  );
  if (saved !== 1) throw lineConflict(loaded);
  return output;
}
