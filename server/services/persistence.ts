import { createHash } from 'node:crypto';
import type { Channel, Prisma, PrismaClient } from '../db/generated/client.js';
import type { Fen, IsoDate, Product } from '../../core/index.js';
import { AppError } from '../errors.js';

/**
 * The repository edge: money is integer fen in core and BigInt in the database, rates decimals in
 * core and parts-per-million in the database, calendar dates ISO strings in core and DATE columns
 * (midnight UTC) here. Conversions happen only through these helpers.
 */

export type Tx = Prisma.TransactionClient;

export function toFen(value: bigint | null | undefined): Fen {
  if (value === null || value === undefined) return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new AppError('INTERNAL', {}, { cause: new RangeError(`amount ${value} is not a safe integer of fen`) });
  return n;
}

export const toBigFen = (fen: Fen): bigint => BigInt(fen);

/** 0.0648 → 64800 parts per million. */
export const toPpm = (rate: number): number => Math.round(rate * 1_000_000);
export const fromPpm = (ppm: number): number => ppm / 1_000_000;
/** 0.0668 → 668 basis points. */
export const toBp = (rate: number): number => Math.round(rate * 10_000);
export const fromBp = (bp: number): number => bp / 10_000;

export const toDbDate = (iso: IsoDate): Date => new Date(`${iso}T00:00:00.000Z`);
export const fromDbDate = (date: Date): IsoDate => date.toISOString().slice(0, 10);

/** Plain data (core states, results) as a Prisma JSON value. */
export const asJson = (value: unknown): Prisma.InputJsonValue => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Conversation ids are UUIDs in the runtime; anything else is kept out of UUID columns. */
export const uuidOrNull = (value: string | undefined): string | null => (value !== undefined && UUID.test(value) ? value : null);

const CHANNELS: readonly Channel[] = ['web', 'rest', 'terminal', 'wechat', 'official_account', 'wecom'];
export function toChannel(channel: string): Channel {
  if ((CHANNELS as readonly string[]).includes(channel)) return channel as Channel;
  throw new AppError('VALIDATION_FAILED', { field: 'channel', reason: `unknown channel ${JSON.stringify(channel)}` });
}

export const isUniqueViolation = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'P2002';

/** An interactive transaction with room for PGlite on a busy machine. */
export function inTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return prisma.$transaction(fn, { maxWait: 15_000, timeout: 30_000 });
}

export function productById(products: readonly Product[], productId: string): Product {
  const product = products.find((p) => p.id === productId);
  if (!product) throw new AppError('VALIDATION_FAILED', { field: 'productId', reason: `unknown product ${JSON.stringify(productId)}` });
  return product;
}

export interface AuditEntry {
  readonly actorType: 'borrower' | 'system' | 'staff';
  readonly actorId?: string | null;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId?: string | null;
  /** The business moment (the effect's `at`). */
  readonly at: number;
  readonly detail?: Record<string, unknown>;
}

/** One AuditLog row; `at` is the business moment, also kept in detail next to when it was written. */
export async function audit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({
    data: {
      at: new Date(entry.at),
      actorType: entry.actorType,
      actorId: entry.actorId ?? null,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId ?? null,
      detail: asJson(entry.detail ?? {}),
    },
  });
}

/** The stored result of an effect by key, if it ran before. */
export async function recalled<T>(tx: Tx | PrismaClient, scope: string, key: string): Promise<T | null> {
  const row = await tx.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } });
  return row ? (row.result as T) : null;
}

/** Stores an effect's result by key, inside the transaction that did the work. */
export async function remember(tx: Tx, scope: string, key: string, result: unknown, now: Date): Promise<void> {
  await tx.idempotencyRecord.create({ data: { scope, key, result: asJson(result), createdAt: now } });
}
