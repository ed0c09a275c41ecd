import { createHash, randomUUID } from 'node:crypto';
import { Prisma } from '../db/generated/client.js';
import type {
  Application,
  AuditLog,
  Borrower,
  Channel,
  Consent,
  CreditLine,
  Decision,
  Drawdown,
  IdempotencyRecord,
  Installment,
  LedgerEntry,
  OtpChallenge,
  PrismaClient,
  Repayment,
  RepaymentAllocation,
  ReviewAct,
  WorkItem,
  WorkItemNote,
  Job,
} from '../db/generated/client.js';
import type { Fen, IsoDate, Product } from '../../core/index.js';
import type { RawStatements } from '../db/index.js';
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

/**
 * A unique constraint refused the write: P2002 from a model query, or P2010 (raw query failed)
 * carrying the driver adapter's UniqueConstraintViolation (SQLSTATE 23505) from a raw statement.
 */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  type Cause = { kind?: unknown; originalCode?: unknown };
  const { code, meta, name } = e as { code?: unknown; name?: unknown; meta?: { driverAdapterError?: { cause?: Cause } } };
  if (code === 'P2002') return true;
  // P2010 wraps the adapter's error; a raw statement below the client (RawStatements) throws it as it is.
  const cause = code === 'P2010' ? meta?.driverAdapterError?.cause : name === 'DriverAdapterError' ? (e as { cause?: Cause }).cause : undefined;
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
}

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

/** Plain data as a JSON column of a row for insertRows (serialised once, by the statement's parameter). */
export const jsonValue = (value: unknown): Prisma.JsonValue => value as Prisma.JsonValue;

/** The AuditLog row of an entry, for a raw statement (insertRows); the same columns `audit` writes. */
export function auditRow(entry: AuditEntry): AuditLog {
  return {
    id: randomUUID(),
    at: new Date(entry.at),
    actorType: entry.actorType,
    actorId: entry.actorId ?? null,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId ?? null,
    detail: jsonValue(entry.detail ?? {}),
  };
}

/** The IdempotencyRecord row storing an effect's result by key, written in the statement that did the work (insertRows). */
export const idempotencyRow = (scope: string, key: string, result: unknown, now: Date): IdempotencyRecord => ({ id: randomUUID(), scope, key, result: jsonValue(result), createdAt: now });

/** The stored result of an effect by key, if it ran before. */
export async function recalled<T>(db: RawTarget, scope: string, key: string): Promise<T | null> {
  const [row] = await queryRows<{ result: T }>(db, Prisma.sql`SELECT result FROM "IdempotencyRecord" WHERE scope = ${scope} AND key = ${key}`);
  return row ? row.result : null;
}

/*
 * Raw statements for the hot paths. On embedded PGlite every statement costs a round trip through
 * the wasm engine plus Prisma's per-query compile/interpret step, so an effect's writes go out as
 * ONE statement: data-modifying CTEs (`WITH a AS (INSERT …), b AS (UPDATE …) …`), which PostgreSQL
 * runs atomically, all or nothing, without an interactive transaction holding PGlite's lock.
 * Values are always parameters of Prisma.sql tagged templates; only table names from the closed
 * list below are spliced into the text. Rows travel as one JSON parameter each and
 * jsonb_populate_recordset types every column from the table itself, so each row must be whole
 * (every column, ids and timestamps made here as Prisma makes them for a model create). The row
 * types are Prisma's model types: a migration that adds a column fails to compile here until the
 * rows say what goes in it.
 *
 * A statement that must not write unless a condition holds names its conditional write `guard`
 * (an UPDATE … WHERE version = …, say, RETURNING the row) and every other write reads from it
 * (`WHERE EXISTS (SELECT 1 FROM guard)`): when the guard matches nothing, nothing is written.
 */

/** The rows written by raw statements, by table. */
interface Rows {
  AuditLog: AuditLog;
  IdempotencyRecord: IdempotencyRecord;
  Borrower: Borrower;
  Application: Application;
  Consent: Consent;
  Decision: Decision;
  WorkItem: WorkItem;
  CreditLine: CreditLine;
  Drawdown: Drawdown;
  Installment: Installment;
  Repayment: Repayment;
  RepaymentAllocation: RepaymentAllocation;
  LedgerEntry: LedgerEntry;
  OtpChallenge: OtpChallenge;
  ReviewAct: ReviewAct;
  Job: Job;
  WorkItemNote: WorkItemNote;
}

const bigintAsString = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/**
 * JSON text for a statement parameter; BigInt (money columns) as its decimal string, which the
 * column type parses. Plain data (a line state of many kilobytes) skips the replacer: JSON.stringify
 * throws at the first BigInt, and only then is the slower replacer pass taken.
 */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, bigintAsString);
  }
}

/** `WHERE EXISTS (SELECT 1 FROM guard)`: write only when the statement's guard CTE returned a row. */
export const IF_GUARDED = Prisma.sql`WHERE EXISTS (SELECT 1 FROM guard)`;

/** `INSERT INTO "T" SELECT * FROM jsonb_populate_recordset(NULL::"T", $rows)` [where]: whole rows in one statement. */
export function insertRows<T extends keyof Rows>(table: T, rows: readonly Rows[T][], where: Prisma.Sql = Prisma.empty): Prisma.Sql {
  const name = Prisma.raw(`"${table}"`);
  return Prisma.sql`INSERT INTO ${name} SELECT * FROM jsonb_populate_recordset(NULL::${name}, ${jsonText(rows)}::jsonb) ${where}`;
}

/** A JSON value as a jsonb parameter. */
export const jsonb = (value: unknown): Prisma.Sql => Prisma.sql`${jsonText(value)}::jsonb`;

/**
 * Where a raw statement runs: in an interactive transaction (Prisma's `tx`), or on its own. On its
 * own, `db.raw` (RawStatements) sends it below Prisma's client, with the same result types.
 */
export type RawTarget = Tx | PrismaClient | RawStatements;

const isRawStatements = (db: RawTarget): db is RawStatements => !('$queryRaw' in db);

/** The rows a statement answers. */
export function queryRows<T>(db: RawTarget, statement: Prisma.Sql): Promise<T[]> {
  return isRawStatements(db) ? db.query<T>(statement) : db.$queryRaw<T[]>(statement);
}

/** Runs a statement whose last SELECT answers one row. */
export async function queryOne<T>(db: RawTarget, statement: Prisma.Sql): Promise<T> {
  return (await queryRows<T>(db, statement))[0] as T;
}
