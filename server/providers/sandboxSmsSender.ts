import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { maskMobile } from '../../core/index.js';
import type { SmsSender } from './types.js';

/**
 * Sends nothing: logs `[sandbox-sms] 验证码 123456 → 138****0001` (the line a developer reads the
 * code from) and keeps the last code per mobile for tests.
 */
export class SandboxSmsSender implements SmsSender {
  readonly name = 'sandbox-sms';
  private readonly last = new Map<string, string>();
  constructor(private readonly logger: Pick<Logger, 'info'>) {}

  async sendVerificationCode(message: { mobile: string; code: string; ttlMinutes: number }) {
    this.last.set(message.mobile, message.code);
    this.logger.info({ provider: this.name }, `[sandbox-sms] 验证码 ${message.code} → ${maskMobile(message.mobile)} (${message.ttlMinutes} 分钟内有效)`);
    return { ok: true as const, messageId: `sandbox-sms-${randomUUID()}` };
  }

  /** The last code sent to a mobile (tests). */
  lastCode(mobile: string): string | undefined {
    return this.last.get(mobile);
  }
}
