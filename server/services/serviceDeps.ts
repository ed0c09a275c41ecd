import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { DEFAULT_PENALTY_MULTIPLIER, type Product } from '../../core/index.js';
import type { Clock } from '../clock.js';
import { DEFAULT_WORK_ORDER_CONFIG, type Config, type WorkOrderConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { PaymentGateway, Providers } from '../providers/index.js';
import type { FieldCipher } from '../security/fieldCipher.js';
import { WorkOrderService } from '../workOrders/index.js';
import { KeyedLock } from './keyedLock.js';

/** Policy settings of the services, with defaults a bank may override. */
export interface ServiceOptions {
  /** How long an SMS code is valid. */
  readonly otpTtlMs: number;
  /** Wrong codes allowed per challenge; the last one ends it. */
  readonly otpMaxAttempts: number;
  /** Minimum gap between two codes to one mobile in one conversation. */
  readonly otpResendMs: number;
  /** Codes to one mobile per rolling hour, across conversations. */
  readonly otpMaxPerHour: number;
  /** Codes to one mobile per rolling day, across conversations and chat users (SMS bombing). */
  readonly otpMaxPerDay: number;
  /** Codes one conversation (one chat user) may have sent per rolling day, whatever the mobiles. */
  readonly otpMaxPerConversationPerDay: number;
  /** Codes sent per rolling hour for messages from one client address (the event's origin tag), across chat users (SMS_MAX_PER_ADDRESS_PER_HOUR). */
  readonly otpMaxPerOriginPerHour: number;
  /** Wrong codes typed for one mobile per rolling day, across all conversations: then it is locked until they age out (guessing). */
  readonly otpMaxWrongPerDay: number;
  /** Makes a 6-digit code; random by default. A fixed code is for sandbox demos only (loadConfig refuses it in production). */
  readonly otpCode: () => string;
  /** Work orders (hand-off requests, manual reviews, complaints): working hours and service levels (WORK_* settings). */
  readonly workOrders: WorkOrderConfig;
  /** Line validity when the product does not say (three years: 常德快贷). */
  readonly lineValidityMonths: number;
  /** Lines longer than a year are re-reviewed at least yearly. */
  readonly reviewIntervalMonths: number;
  /**
   * A payment whose outcome is unknown (drawdown `disbursing`, repayment intent pending) is resumed
   * by a retry of the same key only while younger than half of this; older, it is answered
   * `processing` and left to the recovery job, which settles it once this old (RECOVERY_AFTER_MS).
   */
  readonly paymentRecoveryAfterMs: number;
  /** Penalty interest = contract rate × this, fixed on a line when it opens (PENALTY_MULTIPLIER, 1.3–1.5). */
  readonly penaltyMultiplier: number;
}

export const DEFAULT_SERVICE_OPTIONS: ServiceOptions = {
  otpTtlMs: 5 * 60_000,
  otpMaxAttempts: 5,
  otpResendMs: 60_000,
  otpMaxPerHour: 10,
  otpMaxPerDay: 20,
  otpMaxPerConversationPerDay: 10,
  otpMaxPerOriginPerHour: 60,
  otpMaxWrongPerDay: 10,
  otpCode: () => String(randomInt(0, 1_000_000)).padStart(6, '0'),
  workOrders: DEFAULT_WORK_ORDER_CONFIG,
  lineValidityMonths: 36,
  reviewIntervalMonths: 12,
  paymentRecoveryAfterMs: 120_000,
  penaltyMultiplier: DEFAULT_PENALTY_MULTIPLIER,
};

/** What createFlowEffects is built from. */
export interface FlowEffectsDeps {
  readonly db: Pick<Database, 'prisma' | 'raw'>;
  readonly cipher: FieldCipher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly providers: Providers;
  /** Products the borrower may apply for (core DEMO_PRODUCTS in the demo). */
  readonly products: readonly Product[];
  readonly options?: Partial<ServiceOptions>;
  /** Tells the staff console a work order opened or changed (its live feed); nothing by default. */
  readonly publishWorkOrder?: ((event: { readonly kind: 'workOrder'; readonly id: string }) => void) | undefined;
}

/** The deps as each service sees them: options filled in, and the per-line lock of this server. */
export interface ServiceContext extends Omit<FlowEffectsDeps, 'options'> {
  readonly options: ServiceOptions;
  /** Serialises read → compute → write on one credit line within this process (see keyedLock.ts). */
  readonly lines: KeyedLock;
  /** Opens the work orders of hand-off requests, manual reviews and complaints (numbers, deadlines, jobs). */
  readonly workOrders: WorkOrderService;
}

/** Options that come from configuration: a fixed sandbox SMS code (SANDBOX_OTP_CODE, refused in production by loadConfig), RECOVERY_AFTER_MS, SMS_MAX_PER_ADDRESS_PER_HOUR, the WORK_* settings, PENALTY_MULTIPLIER. */
export function serviceOptionsFromConfig(config: Pick<Config, 'sandboxOtpCode' | 'recoveryAfterMs' | 'smsMaxPerAddressPerHour' | 'workOrders' | 'penaltyMultiplier'>): Partial<ServiceOptions> {
  const code = config.sandboxOtpCode;
  return {
    paymentRecoveryAfterMs: config.recoveryAfterMs,
    otpMaxPerOriginPerHour: config.smsMaxPerAddressPerHour,
    workOrders: config.workOrders,
    penaltyMultiplier: config.penaltyMultiplier,
    ...(code === undefined ? {} : { otpCode: () => code }),
  };
}

export function serviceContext(deps: FlowEffectsDeps): ServiceContext {
  const options = { ...DEFAULT_SERVICE_OPTIONS, ...deps.options };
  const workOrders = new WorkOrderService({ prisma: deps.db.prisma, clock: deps.clock, config: options.workOrders, publish: deps.publishWorkOrder });
  return { ...deps, options, lines: new KeyedLock(), workOrders };
}

/**
 * What settling a payment needs (drawdown and repayment services, and the recovery job that runs
 * without the rest of the services): the database, the gateway, time, and the per-line lock.
 */
export interface PaymentContext {
  readonly db: Pick<Database, 'prisma' | 'raw'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly payments: PaymentGateway;
  readonly lines: KeyedLock;
  readonly recoveryAfterMs: number;
}

export const paymentContext = (ctx: ServiceContext): PaymentContext => ({
  db: ctx.db,
  clock: ctx.clock,
  logger: ctx.logger,
  payments: ctx.providers.payments,
  lines: ctx.lines,
  recoveryAfterMs: ctx.options.paymentRecoveryAfterMs,
});

/**
 * Whether a retry may still call the gateway for a reservation or intent recorded at `since` (clock
 * epoch ms): only during the first half of the recovery delay, so no payment is started while the
 * recovery job may be concluding from the gateway's record that none was made (a gateway call must
 * end well within that half). Older ones are answered `processing` and left to the recovery job.
 */
export const resumable = (pc: Pick<PaymentContext, 'clock' | 'recoveryAfterMs'>, since: number | undefined): boolean =>
  since !== undefined && pc.clock.now().getTime() - since < pc.recoveryAfterMs / 2;
