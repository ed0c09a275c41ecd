import { describe, expect, it } from 'vitest';
import { allowedCampaignActions, campaignPermission, senderTransition, type CampaignActor, type CampaignStatus } from './campaignLifecycle.js';

const manager: CampaignActor = { staffId: 'm1', roles: ['manager'] };
const otherManager: CampaignActor = { staffId: 'm2', roles: ['manager'] };
const supervisor: CampaignActor = { staffId: 's1', roles: ['supervisor', 'agent'] };
const admin: CampaignActor = { staffId: 'a1', roles: ['admin'] };
const mine = (status: CampaignStatus, createdById = 'm1') => ({ status, createdById });

describe('campaign lifecycle', () => {
  it('the creator edits and submits a draft; a supervisor or admin other than the creator approves or returns it', () => {
    expect(allowedCampaignActions(mine('draft'), manager)).toEqual(['edit', 'submit', 'cancel']);
    expect(allowedCampaignActions(mine('submitted'), manager)).toEqual(['cancel']);
    expect(allowedCampaignActions(mine('submitted'), supervisor)).toEqual(['approve', 'return', 'cancel']);
    expect(allowedCampaignActions(mine('submitted'), admin)).toEqual(['approve', 'return', 'cancel']);
    expect(campaignPermission(mine('submitted'), 'approve', otherManager)).toEqual({ ok: false, reason: 'role' });
    expect(campaignPermission(mine('draft'), 'edit', otherManager)).toEqual({ ok: false, reason: 'role' });
    expect(campaignPermission(mine('draft'), 'edit', supervisor)).toEqual({ ok: false, reason: 'role' });
    expect(campaignPermission(mine('draft'), 'edit', admin)).toEqual({ ok: true, to: 'draft' });
  });

  it('four eyes: an admin or supervisor never approves or returns a campaign of their own', () => {
    expect(campaignPermission(mine('submitted', 'a1'), 'approve', admin)).toEqual({ ok: false, reason: 'four_eyes' });
    expect(campaignPermission(mine('submitted', 'a1'), 'return', admin)).toEqual({ ok: false, reason: 'four_eyes' });
    expect(campaignPermission(mine('submitted', 's1'), 'approve', supervisor)).toEqual({ ok: false, reason: 'four_eyes' });
    expect(allowedCampaignActions(mine('submitted', 'a1'), admin)).toEqual(['cancel']);
  });

  it('approved → scheduled (and rescheduled) → running ⇄ paused; cancelled before done, never after', () => {
    expect(campaignPermission(mine('approved'), 'schedule', manager)).toEqual({ ok: true, to: 'scheduled' });
    expect(campaignPermission(mine('scheduled'), 'schedule', supervisor)).toEqual({ ok: true, to: 'scheduled' });
    expect(campaignPermission(mine('running'), 'pause', manager)).toEqual({ ok: true, to: 'paused' });
    expect(campaignPermission(mine('paused'), 'resume', supervisor)).toEqual({ ok: true, to: 'running' });
    for (const s of ['draft', 'submitted', 'approved', 'scheduled', 'running', 'paused'] as const) expect(campaignPermission(mine(s), 'cancel', manager)).toEqual({ ok: true, to: 'cancelled' });
    for (const s of ['done', 'cancelled'] as const) expect(allowedCampaignActions(mine(s), admin)).toEqual([]);
    expect(campaignPermission(mine('draft'), 'approve', supervisor)).toEqual({ ok: false, reason: 'state' });
    expect(campaignPermission(mine('submitted'), 'schedule', supervisor)).toEqual({ ok: false, reason: 'state' });
    expect(campaignPermission(mine('running'), 'resume', manager)).toEqual({ ok: false, reason: 'state' });
    expect(campaignPermission(mine('approved'), 'pause', otherManager)).toEqual({ ok: false, reason: 'role' });
  });

  it('only the sender starts a scheduled campaign and finishes a running one', () => {
    expect(senderTransition('scheduled', 'start')).toBe('running');
    expect(senderTransition('running', 'finish')).toBe('done');
    expect(senderTransition('approved', 'start')).toBeUndefined();
    expect(senderTransition('paused', 'finish')).toBeUndefined();
    expect(senderTransition('cancelled', 'start')).toBeUndefined();
  });
});
