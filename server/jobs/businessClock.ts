import { daysBetween, shanghaiDateOf, shanghaiDayNumber, shanghaiMoment, type IsoDate } from '../../core/index.js';
import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/generated/client.js';

/**
 * Each step of the demo lands at 10:00 Beijing time on the next date: inside the contact window
 * (08:00–21:00), so what the day's jobs want to tell the borrower goes out at once, whatever time of
 * day the demo is run (moving whole days from 23:00 would only ever defer every message).
 */
export const DEMO_DAY_START_MINUTE = 10 * 60;

/**
 * The sandbox's demo clock: the server's clock plus an offset kept in the BusinessClock table (row 1),
 * read at boot, so a restarted sandbox keeps its business date. Only the demo moves it
 * (`POST /api/v1/staff/demo/advance`); production never builds one. Every clock reader of the
 * process (conversations, deadlines, work orders, post-loan jobs) sees the moved time.
 *
 * Other server processes on the same PostgreSQL database (KUAIDAI_WORKERS, instances) hear of a move
 * through the push signal (BUSINESS_CLOCK_SIGNAL) and `reload()` the stored offset (boot.ts).
 */
/** The push-signal channel that tells the other processes the demo clock moved. */
export const BUSINESS_CLOCK_SIGNAL = 'business-clock';

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

  /** Reads the stored offset again: another process moved it. */
  async reload(): Promise<void> {
    const row = await this.prisma.businessClock.findUnique({ where: { id: 1 } });
    this.offset = Number(row?.offsetMs ?? 0n);
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

  /** Whole calendar days the business date is ahead of the system clock's date. */
  offsetDays(): number {
    return daysBetween(shanghaiDateOf(this.base.now().getTime()), this.businessDate());
  }

  /**
   * Moves the clock to 10:00 Beijing time on the next date, stored before it is used (a crash after it
   * leaves the date moved, as the demo said it would be), and returns the business date it entered.
   */
  async advanceOneDay(): Promise<IsoDate> {
    const now = this.now().getTime();
    const step = shanghaiMoment(shanghaiDayNumber(now) + 1, DEMO_DAY_START_MINUTE) - now;
    const row = await this.prisma.businessClock.upsert({
      where: { id: 1 },
      create: { id: 1, offsetMs: BigInt(this.offset + step) },
      update: { offsetMs: { increment: BigInt(step) } },
    });
    // Another process may have moved the stored offset too: the table's value wins.
    this.offset = Number(row.offsetMs);
    return this.businessDate();
  }
}
