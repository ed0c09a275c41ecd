import { shanghaiDateOf, type IsoDate } from '../../core/index.js';
import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/generated/client.js';

const DAY_MS = 86_400_000;

/**
 * The sandbox's demo clock: the server's clock plus an offset kept in the BusinessClock table (row 1),
 * read at boot, so a restarted sandbox keeps its business date. Only the demo moves it
 * (`POST /api/v1/staff/demo/advance`); production never builds one. Every clock reader of the
 * process (conversations, deadlines, work orders, post-loan jobs) sees the moved time.
 *
 * One process owns the offset it read: a second server process on the same PostgreSQL database sees
 * another's move at its next start (the sandbox runs one process).
 */
export class BusinessClock implements Clock {
  private constructor(
    private readonly prisma: PrismaClient,
    private readonly base: Clock,
    private offset: number,
  ) {}

  static async load(prisma: PrismaClient, base: Clock): Promise<BusinessClock> {
    const row = await prisma.businessClock.findUnique({ where: { id: 1 } });
    return new BusinessClock(prisma, base, Number(row?.offsetMs ?? 0n));
  }

  now(): Date {
    return new Date(this.base.now().getTime() + this.offset);
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** The Shanghai calendar date now. */
  businessDate(): IsoDate {
    return shanghaiDateOf(this.now().getTime());
  }

  /**
   * Moves the clock one day forward, stored before it is used (a crash after it leaves the date moved,
   * as the demo said it would be), and returns the business date it entered.
   */
  async advanceOneDay(): Promise<IsoDate> {
    const row = await this.prisma.businessClock.upsert({
      where: { id: 1 },
      create: { id: 1, offsetMs: BigInt(this.offset + DAY_MS) },
      update: { offsetMs: { increment: BigInt(DAY_MS) } },
    });
    // Another process may have moved the stored offset too: the table's value wins.
    this.offset = Number(row.offsetMs);
    return this.businessDate();
  }
}
