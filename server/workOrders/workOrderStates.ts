/**
 * The work order's life, as a table: open → assigned → in_progress → resolved → closed, a resolved
 * order reopened to in_progress, and assignment (which moves an open order to assigned). Pure: the
 * service asks it before writing, and the API reports its reason when it says no.
 */
export const WORK_ORDER_STATES = ['open', 'assigned', 'in_progress', 'resolved', 'closed'] as const;
export type WorkOrderState = (typeof WORK_ORDER_STATES)[number];

/** Where a staff member may move an order (assignment is its own act, not listed). */
const MOVES: Readonly<Record<WorkOrderState, readonly WorkOrderState[]>> = {
  open: ['in_progress', 'resolved'],
  assigned: ['in_progress', 'resolved'],
  in_progress: ['resolved'],
  resolved: ['closed', 'in_progress'],
  closed: [],
};

export type TransitionRefusal =
  | { readonly reason: 'not_allowed'; readonly allowed: readonly WorkOrderState[] }
  | { readonly reason: 'resolution_required' }
  | { readonly reason: 'unassigned' };

export type TransitionCheck = { readonly ok: true; readonly reopen: boolean } | ({ readonly ok: false } & TransitionRefusal);

/**
 * Whether `from → to` is allowed: resolving needs a resolution in words, and work starts
 * (in_progress) only on an assigned order, or one the acting person takes at the same time.
 */
export function checkTransition(from: WorkOrderState, to: WorkOrderState, facts: { readonly resolution?: string | undefined; readonly assigned: boolean }): TransitionCheck {
  if (!MOVES[from].includes(to)) return { ok: false, reason: 'not_allowed', allowed: MOVES[from] };
  if (to === 'resolved' && !facts.resolution?.trim()) return { ok: false, reason: 'resolution_required' };
  if (to === 'in_progress' && !facts.assigned) return { ok: false, reason: 'unassigned' };
  return { ok: true, reopen: from === 'resolved' && to === 'in_progress' };
}

/** Whether an order can still be assigned or reassigned (not once it is resolved or closed). */
export const assignable = (state: WorkOrderState): boolean => state === 'open' || state === 'assigned' || state === 'in_progress';

/** Still counting against its service level. */
export const isOpenState = (state: WorkOrderState): boolean => state !== 'resolved' && state !== 'closed';

/** Why a transition was refused, in words for staff (zh, en). */
export function refusalText(from: WorkOrderState, to: WorkOrderState, refusal: TransitionRefusal): { zh: string; en: string } {
  switch (refusal.reason) {
    case 'resolution_required':
      return { zh: '办结工单须填写处理结果', en: 'resolving a work order needs a resolution' };
    case 'unassigned':
      return { zh: '工单尚未分配处理人，请先分配', en: 'the work order has no assignee: assign it first' };
    case 'not_allowed':
      return {
        zh: `工单状态 ${STATE_ZH[from]} 不能变为 ${STATE_ZH[to]}${refusal.allowed.length ? `（可变为：${refusal.allowed.map((s) => STATE_ZH[s]).join('、')}）` : '（已关闭）'}`,
        en: `a work order cannot go from ${from} to ${to}${refusal.allowed.length ? ` (allowed: ${refusal.allowed.join(', ')})` : ' (it is closed)'}`,
      };
  }
}

export const STATE_ZH: Readonly<Record<WorkOrderState, string>> = { open: '待处理', assigned: '已分配', in_progress: '处理中', resolved: '已办结', closed: '已关闭' };
