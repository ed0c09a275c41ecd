import { z } from 'zod';
import { shanghaiDateOf } from '../../core/index.js';
import type { Campaign, PrismaClient } from '../db/generated/client.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { audit, inTransaction, isUniqueViolation, jsonValue, type Tx } from '../services/persistence.js';
import { postNotice } from '../workOrders/staffNotices.js';
import {
  allowedCampaignActions,
  campaignPermission,
  senderTransition,
  CAMPAIGN_STATUSES,
  type CampaignActor,
  type CampaignSenderAction,
  type CampaignStaffAction,
  type CampaignStatus,
} from './campaignLifecycle.js';
import {
  ATTRIBUTION_CODE,
  CAMPAIGN_CHANNELS,
  PERSONAL_CAMPAIGN_CHANNELS,
  audienceSpecSchema,
  campaignContentSchema,
  groupTargetSchema,
  type AudienceSpec,
  type CampaignChannel,
  type CampaignSenderMoves,
  type CampaignContent,
  type GroupTarget,
  type RenderedCampaignMessage,
} from './contracts.js';

/** A campaign as the manager writes it (create, and edit in draft). */
export const campaignInputSchema = z.object({
  name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(60, 'must be at most 60 characters'),
  /** Optional: a code of the manager's own (letters, digits, - and _); generated (C + Beijing date + number) when absent. */
  code: z.string().trim().regex(ATTRIBUTION_CODE, 'must be 1–40 letters, digits, - or _').optional(),
  content: campaignContentSchema,
  audience: audienceSpecSchema.default({}),
  channels: z
    .array(z.enum(CAMPAIGN_CHANNELS, { error: `must be one of ${CAMPAIGN_CHANNELS.join(', ')}` }))
    .min(1, 'choose at least one channel')
    .refine((c) => new Set(c).size === c.length, 'lists a channel twice'),
  groupTargets: z.array(groupTargetSchema).max(50, 'at most 50 groups').default([]),
  productId: z.string().trim().min(1).max(64).optional(),
  branch: z.string().trim().regex(ATTRIBUTION_CODE, 'must be a branch code').optional(),
});
export type CampaignInput = z.input<typeof campaignInputSchema>;
type ParsedInput = z.infer<typeof campaignInputSchema>;

/** The staff member acting (the route's principal). */
export interface CampaignStaff extends CampaignActor {
  readonly username: string;
}

/** Staff act parameters: the version the act was based on, and what the act needs. */
export interface CampaignActInput {
  readonly version: number;
  /** return (required), cancel (optional): why. */
  readonly note?: string | undefined;
  /** schedule: when to start; omitted or not after now is "send now". */
  readonly scheduledAt?: Date | undefined;
}

export interface CampaignView {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly status: CampaignStatus;
  readonly content: CampaignContent;
  readonly audience: AudienceSpec;
  readonly channels: CampaignChannel[];
  readonly groupTargets: GroupTarget[];
  readonly productId: string | null;
  readonly branch: string | null;
  readonly createdBy: { readonly id: string; readonly name: string } | null;
  readonly approvedBy: { readonly id: string; readonly name: string } | null;
  readonly statusNote: string | null;
  readonly submittedAt: string | null;
  readonly approvedAt: string | null;
  readonly scheduledAt: string | null;
  readonly startedAt: string | null;
  readonly pausedAt: string | null;
  readonly finishedAt: string | null;
  readonly cancelledAt: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** What the viewer may do now (the console's buttons; the server checks again on every act). */
  readonly actions: CampaignStaffAction[];
}

export interface CampaignDetail extends CampaignView {
  /** CampaignDelivery rows by status (the sender writes them). */
  readonly deliveries: Readonly<Record<string, number>>;
}

export interface CampaignServiceDeps {
  readonly prisma: PrismaClient;
  readonly clock: Clock;
  /** Names of the configured WeCom robots (WECOM_ROBOTS); a robot group target must be one of them. */
  readonly robots: readonly string[];
  /** The campaign renderer (server/studio/renderCampaignMessage.ts), for the preview and the test send. */
  readonly render?: ((campaign: Campaign, channel: CampaignChannel) => RenderedCampaignMessage | Promise<RenderedCampaignMessage>) | undefined;
}

const AUDIT_ACTION: Readonly<Record<Exclude<CampaignStaffAction, 'edit'> | CampaignSenderAction, string>> = {
  submit: 'campaign.submitted',
  approve: 'campaign.approved',
  return: 'campaign.returned',
  schedule: 'campaign.scheduled',
  pause: 'campaign.paused',
  resume: 'campaign.resumed',
  cancel: 'campaign.cancelled',
  start: 'campaign.started',
  finish: 'campaign.finished',
};

const isReviewer = (s: CampaignActor) => s.roles.includes('supervisor') || s.roles.includes('admin');
const iso = (d: Date | null) => d?.toISOString() ?? null;
type Row = Campaign & { createdBy: { id: string; displayName: string } | null };

/**
 * Campaign authoring and approval: drafts created and edited by managers (and admins), the lifecycle
 * of campaignLifecycle.ts with four eyes on approval, optimistic concurrency on Campaign.version, and
 * an AuditLog row for every act. Managers see their own campaigns; supervisors and admins see all.
 * The sender (server/studio's sending engine) moves a campaign to running and done with `markRunning`
 * and `markDone`.
 */
export class CampaignService implements CampaignSenderMoves {
  constructor(private readonly deps: CampaignServiceDeps) {}

  async list(filter: { status?: CampaignStatus | undefined; mine?: boolean | undefined }, staff: CampaignStaff): Promise<CampaignView[]> {
    const onlyMine = filter.mine || !isReviewer(staff);
    const rows = await this.deps.prisma.campaign.findMany({
      where: { ...(filter.status ? { status: filter.status } : {}), ...(onlyMine ? { createdById: staff.staffId } : {}) },
      include: { createdBy: { select: { id: true, displayName: true } } },
      orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
      take: 500,
    });
    const approvers = await this.names(rows.map((r) => r.approvedById));
    return rows.map((r) => this.view(r, staff, approvers));
  }

  async get(id: string, staff: CampaignStaff): Promise<CampaignDetail> {
    const row = await this.load(this.deps.prisma, id, staff);
    const grouped = await this.deps.prisma.campaignDelivery.groupBy({ by: ['status'], where: { campaignId: id }, _count: { _all: true } });
    const deliveries = Object.fromEntries(grouped.map((g) => [g.status, g._count._all]));
    return { ...this.view(row, staff, await this.names([row.approvedById])), deliveries };
  }

  async create(input: CampaignInput, staff: CampaignStaff): Promise<CampaignDetail> {
    const data = this.parse(input);
    const creator = await this.deps.prisma.staffUser.findUnique({ where: { id: staff.staffId }, select: { branch: true } });
    const now = this.deps.clock.now();
    for (let attempt = 0; ; attempt++) {
      const code = data.code ?? (await this.nextCode(now, attempt));
      try {
        const id = await inTransaction(this.deps.prisma, async (tx) => {
          const row = await tx.campaign.create({
            data: {
              code,
              name: data.name,
              createdById: staff.staffId,
              content: jsonValue(data.content) as object,
              audience: jsonValue(data.audience) as object,
              channels: data.channels,
              groupTargets: jsonValue(data.groupTargets) as object,
              productId: data.productId ?? null,
              branch: data.branch ?? creator?.branch ?? null,
              createdAt: now,
            },
          });
          await this.audit(tx, staff, 'campaign.created', row, { name: data.name, channels: data.channels });
          return row.id;
        });
        return await this.get(id, staff);
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        if (data.code) throw new AppError('CAMPAIGN_CODE_TAKEN', { code });
        if (attempt >= 5) throw e;
      }
    }
  }

  /** Edits a draft (its owner or an admin); `version` is the one the editor loaded. */
  async update(id: string, input: CampaignInput & { readonly version: number }, staff: CampaignStaff): Promise<CampaignDetail> {
    const data = this.parse(input);
    await inTransaction(this.deps.prisma, async (tx) => {
      const row = await this.load(tx, id, staff);
      this.permit(row, 'edit', staff);
      const changed = await tx.campaign.updateMany({
        where: { id, version: input.version, status: 'draft' },
        data: {
          ...(data.code ? { code: data.code } : {}),
          name: data.name,
          content: jsonValue(data.content) as object,
          audience: jsonValue(data.audience) as object,
          channels: data.channels,
          groupTargets: jsonValue(data.groupTargets) as object,
          productId: data.productId ?? null,
          ...(data.branch ? { branch: data.branch } : {}),
          version: { increment: 1 },
        },
      });
      if (!changed.count) throw new AppError('CAMPAIGN_CHANGED', { code: row.code, version: input.version });
      await this.audit(tx, staff, 'campaign.updated', row, { version: input.version + 1, name: data.name, channels: data.channels });
    }).catch((e: unknown) => {
      if (isUniqueViolation(e) && data.code) throw new AppError('CAMPAIGN_CODE_TAKEN', { code: data.code });
      throw e;
    });
    return this.get(id, staff);
  }

  /** A staff act on the lifecycle (submit, approve, return, schedule, pause, resume, cancel). */
  async act(id: string, action: Exclude<CampaignStaffAction, 'edit'>, input: CampaignActInput, staff: CampaignStaff): Promise<CampaignDetail> {
    if (action === 'return' && !input.note?.trim()) throw new AppError('VALIDATION_FAILED', { field: 'note', reason: 'say why it goes back to draft' });
    const asked = input.scheduledAt;
    if (action === 'schedule' && asked && asked.getTime() < this.deps.clock.now().getTime() - 60_000)
      throw new AppError('VALIDATION_FAILED', { field: 'scheduledAt', reason: 'is in the past: choose a later time, or send now' });
    await inTransaction(this.deps.prisma, async (tx) => {
      const row = await this.load(tx, id, staff);
      const to = this.permit(row, action, staff);
      const now = this.deps.clock.now();
      const note = input.note?.trim() || undefined;
      const scheduledAt = action === 'schedule' ? (input.scheduledAt && input.scheduledAt > now ? input.scheduledAt : now) : undefined;
      const stamps = {
        submit: { submittedAt: now, statusNote: null },
        approve: { approvedById: staff.staffId, approvedAt: now },
        return: { statusNote: note ?? null, approvedById: null, approvedAt: null },
        schedule: { scheduledAt },
        pause: { pausedAt: now },
        resume: {},
        cancel: { cancelledAt: now, ...(note ? { statusNote: note } : {}) },
      }[action];
      const changed = await tx.campaign.updateMany({ where: { id, version: input.version, status: row.status }, data: { status: to, ...stamps, version: { increment: 1 } } });
      if (!changed.count) throw new AppError('CAMPAIGN_CHANGED', { code: row.code, version: input.version });
      await this.audit(tx, staff, AUDIT_ACTION[action], row, {
        from: row.status,
        to,
        version: input.version + 1,
        ...(note ? { note } : {}),
        ...(scheduledAt ? { scheduledAt: scheduledAt.toISOString() } : {}),
      });
    });
    return this.get(id, staff);
  }

  /**
   * The sender's move scheduled → running (its first delivery batch). True when this call moved it;
   * false when the campaign is not scheduled (already running, paused, cancelled). Audited as system.
   */
  markRunning(id: string): Promise<boolean> {
    return this.senderMove(id, 'start');
  }

  /** The sender's move running → done (every delivery final). True when this call moved it. */
  markDone(id: string): Promise<boolean> {
    return this.senderMove(id, 'finish');
  }

  /** The message each of the campaign's channels would show (the tracked link is a placeholder until sending). */
  async preview(id: string, staff: CampaignStaff): Promise<RenderedCampaignMessage[]> {
    const row = await this.load(this.deps.prisma, id, staff);
    return this.renderAll(row);
  }

  /**
   * A test send to oneself: each channel's rendered message posted to the acting staff member's
   * console notices, marked 测试 / TEST (nothing reaches a customer or a group). Audited.
   */
  async testSend(id: string, staff: CampaignStaff): Promise<{ readonly notices: number }> {
    const row = await this.load(this.deps.prisma, id, staff);
    const messages = await this.renderAll(row);
    const now = this.deps.clock.now();
    await inTransaction(this.deps.prisma, async (tx) => {
      for (const m of messages) {
        const card = m.card ? `\n[${m.card.title}${m.card.description ? ` · ${m.card.description}` : ''}] ${m.card.url}` : '';
        await postNotice(
          tx,
          { staffId: staff.staffId },
          {
            key: `campaign-test:${row.id}:${m.channel}:${now.getTime()}`,
            text: { zh: `【测试】营销活动 ${row.name}（${row.code}）· ${m.channel}\n${m.text}${card}`, en: `[TEST] Campaign ${row.name} (${row.code}) · ${m.channel}\n${m.text}${card}` },
            link: `/console/campaigns/${row.id}`,
          },
          now,
        );
      }
      await this.audit(tx, staff, 'campaign.test_sent', row, { channels: messages.map((m) => m.channel) });
    });
    return { notices: messages.length };
  }

  private async renderAll(row: Campaign): Promise<RenderedCampaignMessage[]> {
    const render = this.deps.render;
    if (!render) throw new AppError('PROVIDER_UNAVAILABLE', { provider: 'campaign renderer', reason: 'not installed in this server' });
    const out: RenderedCampaignMessage[] = [];
    for (const channel of row.channels as CampaignChannel[]) out.push(await render(row, channel));
    return out;
  }

  private async senderMove(id: string, action: CampaignSenderAction): Promise<boolean> {
    return inTransaction(this.deps.prisma, async (tx) => {
      const row = await tx.campaign.findUnique({ where: { id } });
      if (!row) throw new AppError('CAMPAIGN_NOT_FOUND', { id });
      const to = senderTransition(row.status, action);
      if (!to) return false;
      const now = this.deps.clock.now();
      const changed = await tx.campaign.updateMany({
        where: { id, status: row.status, version: row.version },
        data: { status: to, ...(action === 'start' ? { startedAt: now } : { finishedAt: now }), version: { increment: 1 } },
      });
      if (!changed.count) return false;
      await audit(tx, { actorType: 'system', action: AUDIT_ACTION[action], subjectType: 'campaign', subjectId: id, at: now.getTime(), detail: { code: row.code, from: row.status, to } });
      return true;
    });
  }

  /** Validates the input, then the rules the schema cannot know: configured robots, targets matching channels. */
  private parse(input: unknown): ParsedInput {
    const result = campaignInputSchema.safeParse(input ?? {});
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new AppError('VALIDATION_FAILED', { field: issue.path.length ? issue.path.join('.') : 'body', reason: issue.message });
    }
    const data = result.data;
    const fail = (field: string, reason: string): never => {
      throw new AppError('VALIDATION_FAILED', { field, reason });
    };
    data.groupTargets.forEach((t, i) => {
      if (!data.channels.includes(t.kind)) fail(`groupTargets.${i}`, `a ${t.kind} group needs the ${t.kind} channel`);
      if (t.kind === 'wecom_robot' && !this.deps.robots.includes(t.robot))
        fail(`groupTargets.${i}.robot`, this.deps.robots.length ? `unknown WeCom robot ${JSON.stringify(t.robot)}: configured robots are ${this.deps.robots.join(', ')}` : 'no WeCom robot is configured (WECOM_ROBOTS)');
    });
    for (const kind of ['wecom_robot', 'wechaty_room'] as const)
      if (data.channels.includes(kind) && !data.groupTargets.some((t) => t.kind === kind)) fail('groupTargets', `the ${kind} channel needs at least one group`);
    if (data.audience.precreditBatchId || Object.values(data.audience).some((v) => Array.isArray(v) && v.length))
      if (!data.channels.some((c) => PERSONAL_CAMPAIGN_CHANNELS.includes(c))) fail('audience', 'an audience needs a personal channel (web or official_account)');
    return data;
  }

  /** C + Beijing date + a two-digit number: C2026120501. */
  private async nextCode(now: Date, attempt: number): Promise<string> {
    const prefix = `C${shanghaiDateOf(now.getTime()).replaceAll('-', '')}`;
    const taken = await this.deps.prisma.campaign.findMany({ where: { code: { startsWith: prefix } }, select: { code: true } });
    const max = taken.map((t) => Number(t.code.slice(prefix.length))).filter((n) => Number.isInteger(n)).reduce((a, b) => Math.max(a, b), 0);
    return `${prefix}${String(max + 1 + attempt).padStart(2, '0')}`;
  }

  private async load(db: Pick<PrismaClient, 'campaign'> | Tx, id: string, staff: CampaignStaff): Promise<Row> {
    const row = await db.campaign.findUnique({ where: { id }, include: { createdBy: { select: { id: true, displayName: true } } } });
    if (!row) throw new AppError('CAMPAIGN_NOT_FOUND', { id });
    if (!isReviewer(staff) && row.createdById !== staff.staffId) throw new AppError('FORBIDDEN', { reason: `campaign ${row.code} is another manager's` });
    return row;
  }

  private permit(row: Campaign, action: CampaignStaffAction, staff: CampaignStaff): CampaignStatus {
    const p = campaignPermission(row, action, staff);
    if (p.ok) return p.to;
    if (p.reason === 'four_eyes') throw new AppError('CAMPAIGN_FOUR_EYES', { code: row.code, action });
    if (p.reason === 'role') throw new AppError('FORBIDDEN', { reason: `${action} campaign ${row.code} needs ${action === 'approve' || action === 'return' ? 'a supervisor or admin' : 'its creator, a supervisor or an admin'}` });
    throw new AppError('CAMPAIGN_TRANSITION_REFUSED', { code: row.code, status: row.status, action });
  }

  private async audit(tx: Tx, staff: CampaignStaff, action: string, row: Campaign, detail: Record<string, unknown>): Promise<void> {
    await audit(tx, { actorType: 'staff', actorId: staff.staffId, action, subjectType: 'campaign', subjectId: row.id, at: this.deps.clock.now().getTime(), detail: { code: row.code, username: staff.username, ...detail } });
  }

  private async names(ids: readonly (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((i): i is string => i !== null))];
    if (!wanted.length) return new Map();
    const rows = await this.deps.prisma.staffUser.findMany({ where: { id: { in: wanted } }, select: { id: true, displayName: true } });
    return new Map(rows.map((r) => [r.id, r.displayName]));
  }

  private view(r: Row, staff: CampaignStaff, names: Map<string, string>): CampaignView {
    return {
      id: r.id,
      code: r.code,
      name: r.name,
      status: r.status,
      content: r.content as CampaignContent,
      audience: r.audience as AudienceSpec,
      channels: r.channels as CampaignChannel[],
      groupTargets: r.groupTargets as GroupTarget[],
      productId: r.productId,
      branch: r.branch,
      createdBy: r.createdBy ? { id: r.createdBy.id, name: r.createdBy.displayName } : null,
      approvedBy: r.approvedById ? { id: r.approvedById, name: names.get(r.approvedById) ?? '' } : null,
      statusNote: r.statusNote,
      submittedAt: iso(r.submittedAt),
      approvedAt: iso(r.approvedAt),
      scheduledAt: iso(r.scheduledAt),
      startedAt: iso(r.startedAt),
      pausedAt: iso(r.pausedAt),
      finishedAt: iso(r.finishedAt),
      cancelledAt: iso(r.cancelledAt),
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      actions: allowedCampaignActions(r, staff),
    };
  }
}

export { CAMPAIGN_STATUSES };
