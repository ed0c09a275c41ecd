import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { maskMobile } from '../../core/index.js';
import type { SmsNotice, SmsResult, SmsSender } from './types.js';

/**
 * Sends nothing: in development logs `[sandbox-sms] 验证码 123456 → 138****0001` (the line a
 * developer reads the code from); anywhere else the code is never written to a log (`******`). Keeps
 * the last code per mobile for tests, and every post-loan notice it accepted (once per key).
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

  /** Notices by key: a key sent again answers the first result and sends nothing (the contract of SmsSender.sendNotice). */
  private readonly noticesByKey = new Map<string, { readonly notice: SmsNotice; readonly result: SmsResult }>();

  async sendNotice(notice: SmsNotice): Promise<SmsResult> {
    const before = this.noticesByKey.get(notice.key);
    if (before) return before.result;
    const result = { ok: true as const, messageId: `sandbox-sms-${randomUUID()}` };
    this.noticesByKey.set(notice.key, { notice, result });
    // The words may carry the debt: the log gets the template and the masked mobile only.
    this.logger.info({ provider: this.name, template: notice.template }, `[sandbox-sms] 通知 ${notice.template} → ${maskMobile(notice.mobile)}`);
    return result;
  }

  /** Every notice this sandbox accepted, in order, once per key (tests, demo). */
  notices(): SmsNotice[] {
    return [...this.noticesByKey.values()].map((n) => n.notice);
  }

  /** The last code sent to a mobile (tests). */
  lastCode(mobile: string): string | undefined {
    return this.last.get(mobile);
  }
}
