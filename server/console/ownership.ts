import { Prisma } from '../db/generated/client.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import type { StaffPrincipal } from '../staff/index.js';

/** Who is serving a conversation, as others see it. */
export interface Holder {
  readonly staffId: string;
  readonly displayName: string;
  readonly employeeNo: string | null;
}

/**
 * One person serves a conversation at a time. The holder is `Conversation.assignedStaffId` while the
 * conversation is with a person (handoffStatus 'staff'); once it is back with the bot the stamp no
 * longer counts. Both checks run inside the runtime's dispatch, holding the conversation's lock
 * (`dispatch(id, event, { before })`), so two people taking over at once cannot both succeed.
 */
export class ConversationOwnership {
  constructor(private readonly prisma: PrismaClient) {}

  /** Makes `staff` the holder unless someone else is serving; refused with CONVERSATION_TAKEN naming them. */
  async claim(conversationId: string, staff: StaffPrincipal): Promise<void> {
    const claimed = await this.prisma.$executeRaw(Prisma.sql`
      UPDATE "Conversation" SET "assignedStaffId" = ${staff.staffId}::uuid
      WHERE id = ${conversationId}::uuid AND ("handoffStatus" <> 'staff' OR "assignedStaffId" IS NULL OR "assignedStaffId" = ${staff.staffId}::uuid)`);
    if (claimed === 0) await this.refuse(conversationId);
  }

  /** Refuses (CONVERSATION_TAKEN) when someone other than `staff` is serving the conversation. */
  async mustNotBeOthers(conversationId: string, staff: StaffPrincipal): Promise<void> {
    const holder = await this.holder(conversationId);
    if (holder && holder.staffId !== staff.staffId) await this.refuse(conversationId, holder);
  }

  async holder(conversationId: string): Promise<Holder | null> {
    const c = await this.prisma.conversation.findUnique({ where: { id: conversationId }, select: { handoffStatus: true, assignedStaff: { select: { id: true, displayName: true, employeeNo: true } } } });
    if (!c || c.handoffStatus !== 'staff' || !c.assignedStaff) return null;
    return { staffId: c.assignedStaff.id, displayName: c.assignedStaff.displayName, employeeNo: c.assignedStaff.employeeNo };
  }

  private async refuse(conversationId: string, known?: Holder | null): Promise<never> {
    const holder = known ?? (await this.holder(conversationId));
    const name = holder ? (holder.employeeNo ? `${holder.displayName} (${holder.employeeNo})` : holder.displayName) : 'another staff member';
    throw new AppError('CONVERSATION_TAKEN', { conversationId, holder: name });
  }
}
