import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { maskMobile } from '../../core/index.js';
import type { SmsSender } from './types.js';

/**
 * Sends nothing: in development logs `[sandbox-sms] 验证码 123456 → 138****0001` (the line a
 * developer reads the code from); anywhere else the code is never written to a log (`******`). Keeps
 * the last code per mobile for tests.
 */
export class SandboxSmsSender implements SmsSender {
  readonly name = 'sandbox-sms';
  private readonly last = new Map<string, string>();
  constructor(
    private readonly logger: Pick<Logger, 'info'>,
    private readonly printCodes = false,
  ) {}

  async sendVerificationCode(message: { mobile: string; code: string; ttlMinutes: number; purpose?: 'verify_mobile' | 'drawdown' }) {
    this.last.set(message.mobile, message.code);
    const what = message.purpose === 'drawdown' ? '借款确认验证码' : '验证码';
    this.logger.info({ provider: this.name }, `[sandbox-sms] ${what} ${this.printCodes ? message.code : '******'} → ${maskMobile(message.mobile)} (${message.ttlMinutes} 分钟内有效)`);
    return { ok: true as const, messageId: `sandbox-sms-${randomUUID()}` };
  }

  /** The last code sent to a mobile (tests). */
  lastCode(mobile: string): string | undefined {
    return this.last.get(mobile);
  }
}
