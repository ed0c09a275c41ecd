import type { StaffRole } from '../db/generated/client.js';

/** A campaign's lifecycle states (the CampaignStatus enum). */
export const CAMPAIGN_STATUSES = ['draft', 'submitted', 'approved', 'scheduled', 'running', 'paused', 'cancelled', 'done'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** What staff do to a campaign (`edit` keeps the state; the sender's `start` and `finish` are not staff acts). */
export const CAMPAIGN_STAFF_ACTIONS = ['edit', 'submit', 'approve', 'return', 'schedule', 'pause', 'resume', 'cancel'] as const;
export type CampaignStaffAction = (typeof CAMPAIGN_STAFF_ACTIONS)[number];
export type CampaignSenderAction = 'start' | 'finish';
export type CampaignAction = CampaignStaffAction | CampaignSenderAction;

/** Who may do an act: the campaign's creator (a manager or an admin), reviewers (supervisor/admin, never the creator: four eyes). */
type Who = 'owner' | 'reviewer' | 'sender';

interface Rule {
  readonly from: readonly CampaignStatus[];
  /** The state after; undefined keeps the state (edit, reschedule). */
  readonly to: CampaignStatus | undefined;
  readonly who: readonly Who[];
}

/**
 * The transition table: draft → submitted → approved (a supervisor or admin other than the creator)
 * → scheduled (a time; "send now" is now) → running (the sender) ⇄ paused → done (the sender);
 * cancelled from any state before done; a submitted campaign returned to draft with a note.
 * A scheduled campaign may be rescheduled until the sender starts it.
 */
export const CAMPAIGN_RULES: Readonly<Record<CampaignAction, Rule>> = {
  edit: { from: ['draft'], to: undefined, who: ['owner'] },
  submit: { from: ['draft'], to: 'submitted', who: ['owner'] },
  approve: { from: ['submitted'], to: 'approved', who: ['reviewer'] },
  return: { from: ['submitted'], to: 'draft', who: ['reviewer'] },
  schedule: { from: ['approved', 'scheduled'], to: 'scheduled', who: ['owner', 'reviewer'] },
  pause: { from: ['running'], to: 'paused', who: ['owner', 'reviewer'] },
  resume: { from: ['paused'], to: 'running', who: ['owner', 'reviewer'] },
  cancel: { from: ['draft', 'submitted', 'approved', 'scheduled', 'running', 'paused'], to: 'cancelled', who: ['owner', 'reviewer'] },
  start: { from: ['scheduled'], to: 'running', who: ['sender'] },
  finish: { from: ['running'], to: 'done', who: ['sender'] },
};

export interface CampaignActor {
  readonly staffId: string;
  readonly roles: readonly StaffRole[];
}

export type CampaignPermission = { readonly ok: true; readonly to: CampaignStatus } | { readonly ok: false; readonly reason: 'state' | 'role' | 'four_eyes' };

const isReviewerRole = (a: CampaignActor) => a.roles.includes('supervisor') || a.roles.includes('admin');

/**
 * May `actor` do `action` to a campaign in `status` created by `createdById`? The owner is the creator
 * or an admin (admins stand in for anyone); a reviewer is a supervisor or admin who is not the creator.
 * Refusals say why: the state does not allow it, the role does not, or four eyes (the creator reviewing
 * their own campaign).
 */
export function campaignPermission(campaign: { readonly status: CampaignStatus; readonly createdById: string | null }, action: CampaignStaffAction, actor: CampaignActor): CampaignPermission {
  const rule = CAMPAIGN_RULES[action];
  const creator = campaign.createdById === actor.staffId;
  const owner = creator || actor.roles.includes('admin');
  const reviewer = isReviewerRole(actor) && !creator;
  const allowed = rule.who.some((w) => (w === 'owner' && owner) || (w === 'reviewer' && reviewer));
  if (!allowed) return { ok: false, reason: rule.who.includes('reviewer') && isReviewerRole(actor) && creator ? 'four_eyes' : 'role' };
  if (!rule.from.includes(campaign.status)) return { ok: false, reason: 'state' };
  return { ok: true, to: rule.to ?? campaign.status };
}

/** The acts `actor` may do now (the console shows these buttons). */
export function allowedCampaignActions(campaign: { readonly status: CampaignStatus; readonly createdById: string | null }, actor: CampaignActor): CampaignStaffAction[] {
  return CAMPAIGN_STAFF_ACTIONS.filter((a) => campaignPermission(campaign, a, actor).ok);
}

/** The sender's transitions (start, finish): the state after, or undefined when the state does not allow it. */
export function senderTransition(status: CampaignStatus, action: CampaignSenderAction): CampaignStatus | undefined {
  const rule = CAMPAIGN_RULES[action];
  return rule.from.includes(status) ? rule.to : undefined;
}
