import { Prisma, type PrismaClient } from '../db/generated/client.js';
import type { CampaignChannel } from './contracts.js';

/**
 * MARKETING_OPT_OUT_RULE as SQL: a person is opted out of all marketing when a ContactPreference row
 * with marketingOptOut = true names their borrower, their user on the channel being sent to, or a
 * channel user of any conversation linked to the same borrower (退订 said on the web chat stops the
 * official account too, and an opt-out said before the person became a borrower still counts once a
 * conversation of theirs is linked). A row keyed only by conversation (said in the conversation's very
 * first turn, before its row was committed) counts through that conversation's channel user. Service messages (reminders, server/contact) never read it.
 */

/** The Conversation.channel a campaign channel reaches people on (wechaty rooms are WeChat users). */
export const CONVERSATION_CHANNEL_OF: Readonly<Record<CampaignChannel, string>> = {
  web: 'web',
  official_account: 'official_account',
  wechaty_room: 'wechat',
  wecom_robot: 'wecom',
};

/** SQL expressions (columns of the sender's query, or parameters) naming the person to check. */
export interface OptOutSubjectSql {
  /** A uuid expression, or NULL. */
  readonly borrowerId: Prisma.Sql;
  /** A Conversation.channel value as text, or NULL. */
  readonly channel: Prisma.Sql;
  /** The user on that channel, or NULL. */
  readonly externalUserId: Prisma.Sql;
}

/** `EXISTS (…)`: true when the subject is opted out. For the sender to inline in its suppression query. */
export function marketingOptedOutSql(subject: OptOutSubjectSql): Prisma.Sql {
  const { borrowerId, channel, externalUserId } = subject;
  return Prisma.sql`EXISTS (SELECT 1 FROM "ContactPreference" p WHERE p."marketingOptOut" AND (
    p."borrowerId" = ${borrowerId}
    OR (p.channel::text = ${channel} AND p."externalUserId" = ${externalUserId})
    OR EXISTS (SELECT 1 FROM "Conversation" c WHERE c.id::text = p."conversationId" AND c.channel::text = ${channel} AND c."externalUserId" = ${externalUserId})
    OR EXISTS (SELECT 1 FROM "Conversation" c WHERE c."borrowerId" = ${borrowerId} AND c.channel = p.channel AND c."externalUserId" = p."externalUserId")
    OR EXISTS (SELECT 1 FROM "Conversation" c WHERE c."borrowerId" = ${borrowerId} AND c.id::text = p."conversationId")))`;
}

export interface OptOutSubject {
  readonly borrowerId?: string | null;
  /** A Conversation.channel value ('web', 'official_account', 'wechat', …); see CONVERSATION_CHANNEL_OF. */
  readonly channel?: string | null;
  readonly externalUserId?: string | null;
}

/** Whether one person is opted out of marketing (one statement). */
export async function isMarketingOptedOut(prisma: Pick<PrismaClient, '$queryRaw'>, subject: OptOutSubject): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ out: boolean }[]>`SELECT ${marketingOptedOutSql({
    borrowerId: Prisma.sql`${subject.borrowerId ?? null}::uuid`,
    channel: Prisma.sql`${subject.channel ?? null}::text`,
    externalUserId: Prisma.sql`${subject.externalUserId ?? null}::text`,
  })} AS out`;
  return rows[0]?.out === true;
}
