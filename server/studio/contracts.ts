import { z } from 'zod';

/**
 * The managers' studio (客户经理工作室): attribution codes, campaigns, funnels and batch pre-credit.
 * This file is the shared vocabulary of its parts; each part lives in its own file under server/studio/.
 */

/** What an attribution code names. Printed as `<prefix>_<code>` in QR scenes and links (`?ref=mgr_KM001`). */
export type AttributionKind = 'manager' | 'campaign' | 'branch' | 'product';

export const ATTRIBUTION_PREFIX: Readonly<Record<AttributionKind, string>> = {
  manager: 'mgr',
  campaign: 'cmp',
  branch: 'br',
  product: 'prd',
};

/** Codes are short, URL- and scene-safe: letters, digits, `-` and `_`, at most 40 characters. */
export const ATTRIBUTION_CODE = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * Channels a campaign goes out on. Personal channels reach one person each (web chat, official-account
 * user); group channels reach a WeCom group through its robot or a WeChat room through wechaty.
 */
export const CAMPAIGN_CHANNELS = ['web', 'official_account', 'wecom_robot', 'wechaty_room'] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];
export const PERSONAL_CAMPAIGN_CHANNELS: readonly CampaignChannel[] = ['web', 'official_account'];

/** Content as the manager writes it; the renderer adds the bank's name and how to unsubscribe (广告法 art. 43). */
export const campaignContentSchema = z.object({
  /** The message body (plain text, Simplified Chinese as the manager wrote it). */
  text: z.string().trim().min(1).max(500),
  /** A link card: title and description; its url is the campaign's tracked link, made at sending. */
  card: z
    .object({
      title: z.string().trim().min(1).max(64),
      description: z.string().trim().max(120).optional(),
    })
    .optional(),
  /** Attach the campaign's QR code (image) where the channel can show one. */
  withQr: z.boolean().default(false),
});
export type CampaignContent = z.infer<typeof campaignContentSchema>;

/** Loan states an audience can select by. */
export const LOAN_STATES = ['no_line', 'line_unused', 'due_soon', 'paid_off'] as const;
export type LoanState = (typeof LOAN_STATES)[number];

/**
 * Who a campaign is for (personal channels). Criteria are ANDed; within a list they are ORed.
 * Suppression (opted out, overdue, complained in the last 30 days, over a frequency cap) is applied at
 * sending, whatever the audience says.
 */
export const audienceSpecSchema = z.object({
  tags: z.array(z.string().trim().min(1).max(20)).max(20).optional(),
  loanStates: z.array(z.enum(LOAN_STATES)).max(LOAN_STATES.length).optional(),
  /** Whitelisted, not yet activated entries of a pre-credit batch. */
  precreditBatchId: z.uuid().optional(),
  branches: z.array(z.string().regex(ATTRIBUTION_CODE)).max(50).optional(),
  /** Borrowers attributed to these managers (StaffUser ids). */
  managerIds: z.array(z.uuid()).max(50).optional(),
});
export type AudienceSpec = z.infer<typeof audienceSpecSchema>;

/** Groups named explicitly: a WeCom robot (WECOM_ROBOTS name) or a wechaty room (its id). */
export const groupTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wecom_robot'), robot: z.string().trim().min(1).max(64) }),
  z.object({ kind: z.literal('wechaty_room'), roomId: z.string().trim().min(1).max(128), topic: z.string().max(64).optional() }),
]);
export type GroupTarget = z.infer<typeof groupTargetSchema>;

/** The funnel's stages in order; every funnel (campaign, manager, branch) reports all of them. */
export const FUNNEL_STAGES = ['sent', 'delivered', 'clicked', 'applied', 'authorised', 'approved', 'drawn'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/** CampaignDelivery.status values. */
export type DeliveryStatus = 'pending' | 'deferred' | 'sending' | 'sent' | 'failed' | 'suppressed';

/**
 * One person an audience resolves to, on one personal channel. `recipientKey` is what "at most once per
 * campaign" is keyed by: `borrower:<id>` when the person is a known borrower (whichever channel they
 * are reached on), otherwise `<channel>:<externalUserId>`.
 */
export interface Recipient {
  readonly recipientKey: string;
  readonly channel: CampaignChannel;
  /** The channel's user id (web chat user id, official-account openid). */
  readonly target: string;
  readonly borrowerId?: string;
  readonly conversationId?: string;
}

/** The referral a link or QR carries: `<prefix>_<code>`, e.g. mgr_KM001 (the web chat reads `/?ref=`). */
export function attributionRef(kind: AttributionKind, code: string): string {
  return `${ATTRIBUTION_PREFIX[kind]}_${code}`;
}

/**
 * HTTP surface shared between the studio's parts (each part owns its routes):
 * - `GET /s/<ref>`: a manager's, branch's, product's or campaign's link — logs a LinkClick, redirects to `/?ref=<ref>`.
 * - `GET /r/<token>`: a campaign delivery's tracked link — marks the delivery clicked, logs a LinkClick,
 *   redirects to `/?ref=cmp_<code>`.
 * - `GET /api/v1/staff/studio/codes/<kind>/<code>` (JSON: link, OA QR url when configured) and
 *   `/api/v1/staff/studio/codes/<kind>/<code>/qr.png|qr.svg`.
 * - `GET /api/v1/staff/studio/funnel?campaignId=|managerId=|branch=&from=&to=` → FunnelReport (JSON) or `&format=csv`.
 */
export interface FunnelReport {
  readonly stages: readonly { readonly stage: FunnelStage; readonly count: number }[];
  /** Per Beijing date in [from, to]: the count reaching each stage that day. */
  readonly series: readonly ({ readonly date: string } & Readonly<Record<FunnelStage, number>>)[];
}

/**
 * The audience resolver (owned by server/studio/resolveAudience.ts): one keyset page of recipients,
 * ordered by recipientKey, after `after` (exclusive). The campaign editor counts with it, the sender
 * materialises deliveries with it. Suppression is not applied here.
 */
export type ResolveAudience = (
  spec: AudienceSpec,
  options: { readonly channels: readonly CampaignChannel[]; readonly after?: string; readonly limit: number },
) => Promise<Recipient[]>;

/**
 * The sender's lifecycle moves (owned by server/studio/campaignService.ts, `new CampaignService({ prisma,
 * clock, robots: [] })`): `markRunning(id)` scheduled → running when its first batch goes out, `markDone(id)`
 * running → done when every delivery is final. Each returns whether this call moved the campaign (false:
 * it was not in the state, e.g. paused or cancelled meanwhile), bumps Campaign.version and writes an
 * AuditLog row (actor system, campaign.started / campaign.finished). Staff pause, resume and cancel; the
 * sender sends only while status = running.
 */
export interface CampaignSenderMoves {
  markRunning(id: string): Promise<boolean>;
  markDone(id: string): Promise<boolean>;
}

/**
 * A campaign message as one channel shows it (owned by server/studio/renderCampaignMessage.ts): the
 * manager's text with the bank's name in front and how to unsubscribe at the end, and the link card
 * pointing at the delivery's tracked link `/r/<token>`.
 */
export interface RenderedCampaignMessage {
  readonly channel: CampaignChannel;
  readonly text: string;
  readonly card?: { readonly title: string; readonly description?: string; readonly url: string; readonly qrPngUrl?: string };
}

/**
 * Marketing opt-out rule (the sender's suppression reads it): a person is opted out when a
 * ContactPreference row with marketingOptOut = true matches their borrowerId, or their (channel,
 * externalUserId) on any channel the same borrower is known on. Service messages (reminders) ignore it.
 */
export const MARKETING_OPT_OUT_RULE = 'ContactPreference.marketingOptOut by borrowerId or (channel, externalUserId)';
