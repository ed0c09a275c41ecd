import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/index.js';
import type { StaffPrincipal } from '../staff/index.js';

/** A page renews its presence this often; a viewer not renewed within PRESENCE_TTL_MS is gone. */
export const PRESENCE_RENEW_MS = 20_000;
export const PRESENCE_TTL_MS = 45_000;

export interface Viewer {
  readonly staffId: string;
  readonly displayName: string;
  readonly employeeNo: string | null;
  /** When this viewer counts as gone unless renewed. */
  readonly until: string;
}

/**
 * Who is viewing which conversation, kept in the database so every server process sees the same
 * viewers (a console's heartbeat may reach any of them).
 */
export class Presence {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
  ) {}

  async viewing(conversationId: string, staff: StaffPrincipal, viewing: boolean): Promise<void> {
    const now = this.clock.now().getTime();
    if (!viewing) {
      await this.prisma.consolePresence.deleteMany({ where: { conversationId, staffId: staff.staffId } });
      return;
    }
    const until = new Date(now + PRESENCE_TTL_MS);
    await this.prisma.consolePresence.upsert({ where: { conversationId_staffId: { conversationId, staffId: staff.staffId } }, create: { conversationId, staffId: staff.staffId, until }, update: { until } });
    // Viewers whose pages went away without saying so are not kept.
    await this.prisma.consolePresence.deleteMany({ where: { conversationId, until: { lte: new Date(now) } } });
  }

  async viewers(conversationId: string): Promise<Viewer[]> {
    const now = this.clock.now();
    const rows = await this.prisma.consolePresence.findMany({ where: { conversationId, until: { gt: now } }, orderBy: { until: 'asc' } });
    if (!rows.length) return [];
    const staff = await this.prisma.staffUser.findMany({ where: { id: { in: rows.map((r) => r.staffId) } }, select: { id: true, displayName: true, employeeNo: true } });
    const byId = new Map(staff.map((s) => [s.id, s]));
    return rows.flatMap((r) => {
      const s = byId.get(r.staffId);
      return s ? [{ staffId: s.id, displayName: s.displayName, employeeNo: s.employeeNo, until: r.until.toISOString() }] : [];
    });
  }
}
