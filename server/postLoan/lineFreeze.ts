import { changeCreditLineStatus, type IsoDate } from '../../core/index.js';
import { AppError } from '../errors.js';
import { laterOf, loadLine, saveLine, type Tx } from '../services/index.js';

/** Why a line is frozen (CreditLine.freezeReason): what the borrower is told when they ask to draw. */
export type FreezeReason = 'overdue' | 'warning' | 'review' | 'staff';

export type FreezeOutcome = 'frozen' | 'already_frozen' | 'not_open';
export type UnfreezeOutcome = 'unfrozen' | 'frozen_for_another_reason' | 'not_frozen' | 'not_reopenable';

/**
 * Freezes new drawdowns on a line, inside the caller's transaction: core changeCreditLineStatus, the
 * state saved with its version check (CONFLICT when another operation saved first: the caller
 * retries), and the reason and moment on the row. A line already frozen keeps the reason it has
 * (the first reason is what the borrower must resolve); expired and closed lines are left alone.
 */
export async function freezeLine(tx: Tx, lineId: string, reason: FreezeReason, on: IsoDate, now: Date): Promise<FreezeOutcome> {
  const loaded = await loadLine(tx, lineId);
  if (!loaded) throw new AppError('INTERNAL', {}, { cause: new Error(`credit line ${lineId} has no state`) });
  if (loaded.line.status === 'frozen') return 'already_frozen';
  if (loaded.line.status !== 'active') return 'not_open';
  const changed = changeCreditLineStatus(loaded.line, 'frozen', laterOf(on, loaded.line.asOf));
  if (!changed.ok) return 'not_open';
  await saveLine(tx, loaded, changed.value.line, now);
  await tx.creditLine.update({ where: { id: lineId }, data: { freezeReason: reason, frozenAt: now } });
  return 'frozen';
}

/**
 * Lifts a freeze, inside the caller's transaction, only when it was made for `reason`: a line frozen
 * for being overdue stays frozen when a warning is cleared. A line past its validity cannot reopen.
 */
export async function unfreezeLine(tx: Tx, lineId: string, reason: FreezeReason, on: IsoDate, now: Date): Promise<UnfreezeOutcome> {
  const loaded = await loadLine(tx, lineId);
  if (!loaded) throw new AppError('INTERNAL', {}, { cause: new Error(`credit line ${lineId} has no state`) });
  if (loaded.line.status !== 'frozen') return 'not_frozen';
  const row = await tx.creditLine.findUniqueOrThrow({ where: { id: lineId }, select: { freezeReason: true } });
  if (row.freezeReason !== reason) return 'frozen_for_another_reason';
  const changed = changeCreditLineStatus(loaded.line, 'active', laterOf(on, loaded.line.asOf));
  if (!changed.ok) return 'not_reopenable';
  await saveLine(tx, loaded, changed.value.line, now);
  await tx.creditLine.update({ where: { id: lineId }, data: { freezeReason: null, frozenAt: null } });
  return 'unfrozen';
}

/** Runs `fn` again when a line save lost to another operation (CONFLICT), a few times. */
export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'CONFLICT') || i >= attempts) throw e;
    }
  }
}
