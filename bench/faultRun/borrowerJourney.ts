import { generateMobile, generateResidentId, type Prng } from '../../core/index.js';
import { DeadlinePassed, RefusedMessage, type RedeliveringClient, type Reply } from './redeliveringClient.js';

export type JourneyOutcome = 'running' | 'completed' | 'declined' | 'manual_review' | 'interrupted' | 'derailed' | 'refused' | 'timed_out';

/** A reply that is not what the journey's step expects: the conversation went somewhere else. */
class Derailed extends Error {
  override readonly name = 'Derailed';
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙'];
const GIVEN = ['建华', '秀英', '志强', '丽娟', '海燕', '国庆', '明', '静', '伟', '芳', '晓东', '春梅'];
/** Drawdown amounts in yuan (typed as digits). */
const DRAW_AMOUNTS = [10_000, 20_000, 15_000, 30_000];

/** The answer to a payout or collection whose outcome is not known yet ("这笔借款正在处理中…"). */
const PROCESSING = /正在处理中/;
/** The answer to a payout or collection that was not made ("放款暂未成功…", "还款暂未成功…"). */
const FAILED = /暂未成功/;

const texts = (rs: readonly Reply[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');
const card = (rs: readonly Reply[], type: string, kind?: string) => rs.find((r) => r.card?.type === type && (kind === undefined || r.card.kind === kind))?.card;

/** Turns of a journey with an accepted offer: 11 to apply and authorise, 2 to accept, 8 a round, 3 to pay off (4 with several loans). */
export const plannedTurns = (rounds: number) => 11 + 2 + 8 * rounds + 3 + (rounds > 1 ? 1 : 0);

/**
 * One simulated borrower walking the real journey over REST: apply, authorise, accept the offer,
 * then `rounds` times draw down and repay the next instalment, then pay everything off. Every
 * message has its own messageId, kept for all its redeliveries. It records what it was answered
 * (the receipts are what the database must hold, exactly once each) and stops at a payout or
 * collection answered without a receipt (处理中 or 暂未成功), or at the first reply that is not
 * what its step expects (a derailment, kept with the reply).
 */
export class BorrowerJourney {
  readonly userId: string;
  readonly name: string;
  /** A distinct valid resident ID (check character included) and mobile, as bench/chat.ts makes them. */
  readonly idNumber: string;
  readonly mobile: string;
  /** Messages answered with 200, in order. */
  readonly answered: { messageId: string; label: string }[] = [];
  /** The message on the wire when the run ended without an answer, if any. */
  unanswered: { messageId: string; label: string } | undefined;
  /** 确认借款 answered with a drawdown receipt. */
  drawdownReceipts = 0;
  /** 确认还款 answered with a repayment receipt (a payoff included). */
  repaymentReceipts = 0;
  /** Collections the sandbox card refused (an amount ending in .44 yuan): nothing may be stored for them. */
  repaymentsDeclined = 0;
  /**
   * 确认借款 / 确认还款 answered without a receipt, each the journey's end: 处理中 (outcome unknown,
   * settled later by the recovery job: its drawdown or repayment stored, or not) or 暂未成功 (not
   * made: nothing stored). `onFirstDelivery`: how many came on the message's first delivery, with
   * no kill or outage in between (the sandbox gateway never fails on its own).
   */
  readonly interrupted = { processing: { drawdowns: 0, repayments: 0 }, failed: { drawdowns: 0, repayments: 0 }, onFirstDelivery: 0 };
  /** The credit decision answered with an offer. */
  offered = false;
  outcome: JourneyOutcome = 'running';
  /** Where it left the script: the step, how many deliveries its message took, and the reply it got there. */
  derailment: { step: string; deliveries: number; reply: string } | undefined;
  private sent = 0;

  /** `person` picks the synthetic person: 0–3,599 are distinct people. */
  constructor(
    readonly index: number,
    person: number,
    runId: string,
    private readonly rounds: number,
    private readonly prng: Prng,
  ) {
    this.userId = `fault-${runId}-${index}`;
    this.name = prng.pick(SURNAMES) + prng.pick(GIVEN);
    // The synthetic people of bench/chat.ts (valid check characters, synthetic sandbox files).
    const i = person;
    this.idNumber = generateResidentId({ regionCode: '430702', birthDate: `19${70 + (i % 25)}-0${1 + (i % 9)}-1${i % 9}`, sex: i % 2 ? 'male' : 'female', serial: 100 + (i % 400) });
    this.mobile = generateMobile(7_000_000 + i);
  }

  /** Turns still to come if nothing goes wrong (0 once the journey ended). */
  remainingTurns(): number {
    return this.outcome === 'running' ? Math.max(0, plannedTurns(this.rounds) - this.sent) : 0;
  }

  async run(client: RedeliveringClient, thinkMs: number): Promise<void> {
    let lastDeliveries = 0;
    const say = async (text: string, label = text): Promise<Reply[]> => {
      if (thinkMs > 0) await new Promise((r) => setTimeout(r, this.prng.next() * thinkMs));
      const messageId = `m${++this.sent}`;
      this.unanswered = { messageId, label };
      const { replies, deliveries } = await client.deliver(this.userId, messageId, text, label);
      this.unanswered = undefined;
      this.answered.push({ messageId, label });
      lastDeliveries = deliveries;
      return replies;
    };
    /** A money step answered 处理中 or 暂未成功: counted, and the journey ends there. */
    const interrupted = (replies: Reply[], kind: 'drawdowns' | 'repayments'): boolean => {
      const said = texts(replies);
      if (PROCESSING.test(said)) this.interrupted.processing[kind]++;
      else if (FAILED.test(said)) this.interrupted.failed[kind]++;
      else return false;
      if (lastDeliveries === 1) this.interrupted.onFirstDelivery++;
      this.outcome = 'interrupted';
      return true;
    };
    const receiptOr = (type: 'drawdown' | 'repayment', also?: RegExp) => (rs: Reply[]) => card(rs, 'receipt', type) || PROCESSING.test(texts(rs)) || FAILED.test(texts(rs)) || also?.test(texts(rs));
    const step = async (text: string, expected: RegExp | ((rs: Reply[]) => unknown), label = text): Promise<Reply[]> => {
      const replies = await say(text, label);
      const ok = expected instanceof RegExp ? expected.test(texts(replies)) : Boolean(expected(replies));
      if (!ok) {
        this.derailment = { step: label, deliveries: lastDeliveries, reply: texts(replies).replace(/\s+/g, ' ').slice(0, 160) };
        throw new Derailed(label);
      }
      return replies;
    };
    try {
      await step('你好', /请回复数字/);
      await step('申请额度', /请选择要申请的产品/);
      await step('1', /真实姓名/, '产品 1');
      await step(this.name, /身份证号/, '<姓名>');
      await step(this.idNumber, /手机号/, '<身份证号>');
      await step(this.mobile, /验证码/, '<手机号>');
      await step('123456', /借款用途/, '<验证码>');
      await step('日常消费', /申请多少额度/);
      await step(this.prng.pick(['5万', '8万', '10万']), /确认提交/, '<申请额度>');
      await step('确认提交', (rs) => card(rs, 'consent'));
      const decided = await say('同意全部授权');
      if (!card(decided, 'offer')) {
        const said = texts(decided);
        if (/人工审核/.test(said)) this.outcome = 'manual_review';
        else if (/未通过/.test(said)) this.outcome = 'declined';
        else {
          this.derailment = { step: '同意全部授权', deliveries: lastDeliveries, reply: said.replace(/\s+/g, ' ').slice(0, 160) };
          this.outcome = 'derailed';
        }
        return;
      }
      this.offered = true;
      await step('接受额度', /我已阅读并同意/);
      await step('我已阅读并同意', /额度已开通/);
      for (let round = 0; round < this.rounds; round++) {
        const asked = await step('借款', /可用额度/);
        // Within what is available: a smaller line may not take two of the larger amounts.
        const available = Number(/可用额度 ¥([\d,]+)/.exec(texts(asked))?.[1]?.replaceAll(',', '') ?? Infinity);
        const amount = this.prng.pick(DRAW_AMOUNTS);
        await step(amount <= available ? String(amount) : String(Math.max(1_000, Math.floor(available / 200) * 100)), /借款期限/, '<借款金额>');
        await step('12', /还款方式/, '<期限>');
        await step('等额本息', (rs) => card(rs, 'schedule'));
        await step('确认借款', /需要短信确认/);
        const drawn = await step('123456', receiptOr('drawdown'), '<借款验证码>');
        if (interrupted(drawn, 'drawdowns')) return;
        this.drawdownReceipts++;
        await step('还款', /提前还下一期|还款/);
        await step('1', /确认还款/, '还款选项 1');
        const paid = await step('确认还款', receiptOr('repayment', /余额不足/));
        if (interrupted(paid, 'repayments')) return;
        if (card(paid, 'receipt', 'repayment')) this.repaymentReceipts++;
        else this.repaymentsDeclined++;
      }
      await step('还款', /全部结清/);
      // With more than one loan it first asks which: all of them.
      const which = await step('全部结清', /含截至今日的利息|全部借款/);
      if (!/含截至今日的利息/.test(texts(which))) await step('全部借款', /含截至今日的利息/);
      const payoff = await step('确认还款', receiptOr('repayment', /已全部结清|余额不足/));
      if (interrupted(payoff, 'repayments')) return;
      if (/余额不足/.test(texts(payoff))) this.repaymentsDeclined++;
      else this.repaymentReceipts++;
      this.outcome = 'completed';
    } catch (e) {
      if (e instanceof Derailed) this.outcome = 'derailed';
      else if (e instanceof DeadlinePassed) this.outcome = 'timed_out';
      else if (e instanceof RefusedMessage) {
        this.outcome = 'refused';
        this.derailment = { step: this.unanswered?.label ?? '?', deliveries: 0, reply: e.message };
      } else throw e;
    }
  }
}
