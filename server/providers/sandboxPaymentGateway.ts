import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { formatYuanPlain, type Fen } from '../../core/index.js';
import { seedOf } from './sandboxFiles.js';
import type { PaymentGateway, PaymentRequest, PaymentResult } from './types.js';

/** Starting balance of every sandbox card: ¥1,000,000. */
export const SANDBOX_CARD_BALANCE: Fen = 100_000_000;

/** A collection whose amount ends in .44 yuan (fen part 44) always fails with insufficient funds: the demo trigger. */
export const SANDBOX_INSUFFICIENT_FUNDS_FEN = 44;

/**
 * An in-memory card per borrower (balance starts at ¥1,000,000; disbursements add, collections
 * take). Idempotent by key: a successful key always returns its first result and moves money once;
 * a failed call moved nothing and may be retried with the same key. Collections of an amount
 * ending in .44 yuan, or more than the balance, fail with `insufficient_funds`. State lives in this
 * process only (a restart forgets it: sandbox money is not real).
 */
export class SandboxPaymentGateway implements PaymentGateway {
  readonly name = 'sandbox-payments';
  private readonly balances = new Map<string, Fen>();
  private readonly done = new Map<string, PaymentResult>();
  private readonly declines: { kind: 'disburse' | 'collect'; reason: 'declined' | 'unavailable' }[] = [];

  constructor(private readonly logger: Pick<Logger, 'info'>) {}

  /** The masked card on file: a fixed BIN and four digits derived from the borrower id. */
  cardOf(borrowerId: string): string {
    return `6217 **** **** ${String(seedOf(`kuaidai-card:${borrowerId}`) % 10_000).padStart(4, '0')}`;
  }

  balanceOf(borrowerId: string): Fen {
    return this.balances.get(borrowerId) ?? SANDBOX_CARD_BALANCE;
  }

  /** Sets a card's balance (tests, demos). */
  setBalance(borrowerId: string, amount: Fen): void {
    this.balances.set(borrowerId, amount);
  }

  /** Makes the next call of a kind fail (tests of the undo path). */
  failNext(kind: 'disburse' | 'collect', reason: 'declined' | 'unavailable' = 'declined'): void {
    this.declines.push({ kind, reason });
  }

  async disburse(request: PaymentRequest): Promise<PaymentResult> {
    return this.move('disburse', request, (balance) => ({ ok: true, balance: balance + request.amount }));
  }

  async collect(request: PaymentRequest): Promise<PaymentResult> {
    return this.move('collect', request, (balance) =>
      request.amount % 100 === SANDBOX_INSUFFICIENT_FUNDS_FEN || request.amount > balance ? { ok: false } : { ok: true, balance: balance - request.amount },
    );
  }

  private move(kind: 'disburse' | 'collect', request: PaymentRequest, apply: (balance: Fen) => { ok: true; balance: Fen } | { ok: false }): PaymentResult {
    const key = `${kind}:${request.idempotencyKey}`;
    const previous = this.done.get(key);
    if (previous) {
      this.logger.info({ provider: this.name, kind }, `[sandbox] ${kind} replayed for key ${request.idempotencyKey}: no money moved`);
      return previous;
    }
    const card = this.cardOf(request.borrowerId);
    const forced = this.declines.findIndex((d) => d.kind === kind);
    if (forced >= 0) {
      const [d] = this.declines.splice(forced, 1);
      this.logger.info({ provider: this.name, kind }, `[sandbox] ${kind} ¥${formatYuanPlain(request.amount)} ${d!.reason}`);
      return { ok: false, reason: d!.reason, detail: `sandbox: ${kind} ${d!.reason} on request` };
    }
    if (!Number.isSafeInteger(request.amount) || request.amount <= 0) return { ok: false, reason: 'declined', detail: `sandbox: amount must be positive fen, got ${request.amount}` };
    const outcome = apply(this.balanceOf(request.borrowerId));
    if (!outcome.ok) {
      this.logger.info({ provider: this.name, kind }, `[sandbox] collect ¥${formatYuanPlain(request.amount)} from ${card}: insufficient funds`);
      return { ok: false, reason: 'insufficient_funds', detail: `sandbox: card ${card} cannot cover ¥${formatYuanPlain(request.amount)}` };
    }
    this.balances.set(request.borrowerId, outcome.balance);
    const result: PaymentResult = { ok: true, paymentRef: `SBX-${kind === 'disburse' ? 'D' : 'C'}-${randomUUID().slice(0, 8).toUpperCase()}`, amount: request.amount, card };
    this.done.set(key, result);
    this.logger.info({ provider: this.name, kind }, `[sandbox] ${kind} ¥${formatYuanPlain(request.amount)} ${kind === 'disburse' ? '→' : '←'} ${card} (${request.reference})`);
    return result;
  }
}
