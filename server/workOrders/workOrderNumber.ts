import { civilFromDays, formatIsoDate, shanghaiDayNumber } from '../../core/index.js';
import { workOrderNumberIn } from '../../flows/index.js';
import type { PrismaClient } from '../db/generated/client.js';
import type { Tx } from '../services/persistence.js';

/** The Shanghai date of a moment as YYYYMMDD: the day a work order's number counts in. */
export const numberDay = (atMs: number): string => formatIsoDate(civilFromDays(shanghaiDayNumber(atMs))).replaceAll('-', '');

/** GD + Shanghai date + the day's sequence, at least four digits: GD20261205-0007. */
export const formatWorkOrderNumber = (day: string, seq: number): string => `GD${day}-${String(seq).padStart(4, '0')}`;

/** The number in canonical form, or null when the text names none: read as the conversation reads it (flows/understanding). */
export const parseWorkOrderNumber = (text: string): string | null => workOrderNumberIn(text) ?? null;

/**
 * The next number of the day of `atMs`. One atomic upsert of the day's counter row: two processes
 * (two servers on one PostgreSQL) get different numbers, and inside a transaction the row stays
 * locked until it commits, so a rolled-back order leaves no gap.
 */
export async function nextWorkOrderNumber(db: Tx | PrismaClient, atMs: number): Promise<string> {
  const day = numberDay(atMs);
  const rows = await db.$queryRaw<{ last: number }[]>`INSERT INTO "WorkOrderCounter" (day, last) VALUES (${day}, 1)
    ON CONFLICT (day) DO UPDATE SET last = "WorkOrderCounter".last + 1 RETURNING last`;
  return formatWorkOrderNumber(day, Number(rows[0]!.last));
}
