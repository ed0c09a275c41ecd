import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { formatYuanPlain, type Fen } from '../../core/index.js';
import { Prisma, type PrismaClient } from '../db/generated/client.js';
import { seedOf } from './sandboxFiles.js';
import type { PaymentGateway, PaymentKind, PaymentRequest, PaymentResult } from './types.js';

/** Starting balance of every sandbox card: ¥1,000,000. */
export const SANDBOX_CARD_BALANCE: Fen = 100_000_000;

/** A collection whose amount ends in .44 yuan (fen part 44) always fails with insufficient funds: the demo trigger. */
export const SANDBOX_INSUFFICIENT_FUNDS_FEN = 44;

/**
 * How a call made to fail by `failNext` fails: `declined` and `unavailable` move nothing;
 * `lost_response` moves the money and then throws, as a timeout after the bank paid would.
 */
export type SandboxFailure = 'declined' | 'unavailable' | 'lost_response';

interface PaymentRow {
  paymentRef: string;
  amountFen: bigint;
  card: string;
}

const resultOf = (row: PaymentRow): PaymentResult => ({ ok: true, paymentRef: row.paymentRef, amount: Number(row.amountFen), card: row.card });

/**
 * A card per borrower, kept in the database like a bank's accounts (tables SandboxCard and
 * SandboxPayment), so a restart or a second server sees the same money: the balance starts at
 * ¥1,000,000, disbursements add, collections take. Idempotent by (kind, key): the statement that
 * moves a card's money also inserts the payment row, unique by (kind, key), so a key moves money at
 * most once even from two processes at the same moment, and always returns its first result. A
 * failed call moved nothing and may be retried with the same key. Collections of an amount ending
 * in .44 yuan, or more than the balance, fail with `insufficient_funds`.
 */
export class SandboxPaymentGateway implements PaymentGateway {
  readonly name = 'sandbox-payments';
  /** Forced failures are per instance (tests), not stored. */
  private readonly failures: { kind: PaymentKind; how: SandboxFailure }[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Pick<Logger, 'info'>,
  ) {}

  /** The masked card on file: a fixed BIN and four digits derived from the borrower id. */
  cardOf(borrowerId: string): string {
    return `6217 **** **** ${String(seedOf(`kuaidai-card:${borrowerId}`) % 10_000).padStart(4, '0')}`;
  }

  async balanceOf(borrowerId: string): Promise<Fen> {
    const rows = await this.prisma.$queryRaw<{ balanceFen: bigint }[]>`SELECT "balanceFen" FROM "SandboxCard" WHERE "borrowerId" = ${borrowerId}`;
    return rows[0] ? Number(rows[0].balanceFen) : SANDBOX_CARD_BALANCE;
  }

  /** Sets a card's balance (tests, demos). */
  async setBalance(borrowerId: string, amount: Fen): Promise<void> {
    await this.prisma.$executeRaw`INSERT INTO "SandboxCard" ("borrowerId", "balanceFen", "updatedAt") VALUES (${borrowerId}, ${amount}::bigint, ${new Date()}::timestamptz)
      ON CONFLICT ("borrowerId") DO UPDATE SET "balanceFen" = EXCLUDED."balanceFen", "updatedAt" = EXCLUDED."updatedAt"`;
  }

  /** Makes the next call of a kind fail (tests of the undo and recovery paths). */
  failNext(kind: PaymentKind, how: SandboxFailure = 'declined'): void {
    this.failures.push({ kind, how });
  }

  async disburse(request: PaymentRequest): Promise<PaymentResult> {
    return this.move('disburse', request);
  }

  async collect(request: PaymentRequest): Promise<PaymentResult> {
    return this.move('collect', request);
  }

  async lookup(kind: PaymentKind, idempotencyKey: string): Promise<PaymentResult | null> {
    const row = await this.recorded(kind, idempotencyKey);
    return row ? resultOf(row) : null;
  }

  private async recorded(kind: PaymentKind, key: string): Promise<PaymentRow | undefined> {
    const rows = await this.prisma.$queryRaw<PaymentRow[]>`SELECT "paymentRef", "amountFen", card FROM "SandboxPayment" WHERE kind = ${kind} AND key = ${key}`;
    return rows[0];
  }

  private async move(kind: PaymentKind, request: PaymentRequest): Promise<PaymentResult> {
    const previous = await this.recorded(kind, request.idempotencyKey);
    if (previous) return this.replayed(kind, request, previous);
    const card = this.cardOf(request.borrowerId);
    const forced = this.failures.findIndex((d) => d.kind === kind);
    const how = forced >= 0 ? this.failures.splice(forced, 1)[0]!.how : undefined;
    if (how === 'declined' || how === 'unavailable') {
      this.logger.info({ provider: this.name, kind }, `[sandbox] ${kind} ¥${formatYuanPlain(request.amount)} ${how}`);
      return { ok: false, reason: how, detail: `sandbox: ${kind} ${how} on request` };
    }
    if (!Number.isSafeInteger(request.amount) || request.amount <= 0) return { ok: false, reason: 'declined', detail: `sandbox: amount must be positive fen, got ${request.amount}` };
    const insufficient = (): PaymentResult => {
      this.logger.info({ provider: this.name, kind }, `[sandbox] collect ¥${formatYuanPlain(request.amount)} from ${card}: insufficient funds`);
      return { ok: false, reason: 'insufficient_funds', detail: `sandbox: card ${card} cannot cover ¥${formatYuanPlain(request.amount)}` };
    };
    if (kind === 'collect' && request.amount % 100 === SANDBOX_INSUFFICIENT_FUNDS_FEN) return insufficient();

    const now = new Date();
    const paymentRef = `SBX-${kind === 'disburse' ? 'D' : 'C'}-${randomUUID().slice(0, 8).toUpperCase()}`;
    await this.prisma.$executeRaw`INSERT INTO "SandboxCard" ("borrowerId", "balanceFen", "updatedAt") VALUES (${request.borrowerId}, ${SANDBOX_CARD_BALANCE}::bigint, ${now}::timestamptz) ON CONFLICT DO NOTHING`;
    // ONE statement: the card row locked, the payment recorded (unless its key was already used, or
    // a collection exceeds the balance), and the card moved only when the payment row went in.
    const covered = kind === 'collect' ? Prisma.sql`WHERE card."balanceFen" >= ${request.amount}::bigint` : Prisma.empty;
    const delta = kind === 'collect' ? -request.amount : request.amount;
    const [{ paid }] = await this.prisma.$queryRaw<[{ paid: number }]>`WITH card AS (SELECT "balanceFen" FROM "SandboxCard" WHERE "borrowerId" = ${request.borrowerId} FOR UPDATE),
      payment AS (INSERT INTO "SandboxPayment" (id, kind, key, "borrowerId", "amountFen", "paymentRef", card, reference, "createdAt")
        SELECT ${randomUUID()}::uuid, ${kind}, ${request.idempotencyKey}, ${request.borrowerId}, ${request.amount}::bigint, ${paymentRef}, ${card}, ${request.reference}, ${now}::timestamptz
        FROM card ${covered}
        ON CONFLICT (kind, key) DO NOTHING RETURNING id),
      moved AS (UPDATE "SandboxCard" SET "balanceFen" = "balanceFen" + ${delta}::bigint, "updatedAt" = ${now}::timestamptz
        WHERE "borrowerId" = ${request.borrowerId} AND EXISTS (SELECT 1 FROM payment))
      SELECT count(*)::int AS paid FROM payment`;
    if (paid !== 1) {
      // The same key paid meanwhile (another call, another process), or the card cannot cover it.
      const first = await this.recorded(kind, request.idempotencyKey);
      if (first) return this.replayed(kind, request, first);
      return insufficient();
    }
    this.logger.info({ provider: this.name, kind }, `[sandbox] ${kind} ¥${formatYuanPlain(request.amount)} ${kind === 'disburse' ? '→' : '←'} ${card} (${request.reference})`);
    if (how === 'lost_response') throw new Error(`sandbox: ${kind} ${paymentRef} was made but its answer was lost (lost_response on request)`);
    return { ok: true, paymentRef, amount: request.amount, card };
  }

  private replayed(kind: PaymentKind, request: PaymentRequest, row: PaymentRow): PaymentResult {
    this.logger.info({ provider: this.name, kind }, `[sandbox] ${kind} replayed for key ${request.idempotencyKey}: no money moved`);
    return resultOf(row);
  }
}
