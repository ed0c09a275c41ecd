import { assign, enqueueActions, setup } from 'xstate';
import { formatPercent, formatYuan, shanghaiDateOf, type Fen, type Product } from '../../core/index.js';
import type { PrecreditOffer, SubmitApplicationOutput } from '../host.js';
import { aprRange, percentRange } from '../shared/rateStory.js';
import type { Reply } from '../reply.js';
import { BUSY_TAG } from '../runtimeContract.js';
import type { ChildEvent, FlowBase } from '../shared/childEvents.js';
import type { FlowSettings } from '../shared/flowSettings.js';
import { effectKey } from '../shared/effectKeys.js';
import { effect } from '../shared/notProvided.js';
import { optionHint } from '../shared/optionHint.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';
import {
  clearField,
  CORRECTABLE,
  fieldOptions,
  fieldsFor,
  nextField,
  readAnswer,
  summarizeDraft,
  type ApplicationDraft,
  type FieldId,
} from './applicationFields.js';

export interface ApplicationInput {
  readonly conversationId: string;
  readonly channel: string;
  readonly locale: Locale;
  readonly at: number;
  /** A draft saved when the borrower paused earlier: the flow offers to continue it. */
  readonly draft?: ApplicationDraft;
  readonly referral?: string;
  /** An amount the borrower named when asking ("我想借5万"): filled in, unless outside the product's range. */
  readonly amount?: Fen;
}

export type ApplicationOutput =
  | {
      readonly status: 'submitted';
      readonly borrowerId: string;
      readonly applicationId: string;
      readonly productId: string;
      readonly borrowerName: string;
      /** 一键激活: the application activates a pre-approved limit (accepted by the host at submission). */
      readonly precredit?: { readonly entryId: string; readonly limit: Fen; readonly annualRate: number };
    }
  /** The person already holds a line, an offer or an application for the product: shown, not opened again. */
  | Extract<SubmitApplicationOutput, { status: 'existing' }>
  /** Name, ID number and mobile did not verify: nothing was stored; the borrower was told and offered a person. */
  | { readonly status: 'identity_mismatch' }
  | { readonly status: 'paused'; readonly draft: ApplicationDraft }
  | { readonly status: 'cancelled' };

interface ApplicationContext extends FlowBase {
  readonly draft: ApplicationDraft;
  readonly field: FieldId | null;
  /** Answering a correction returns to the confirmation screen. */
  readonly correcting: boolean;
  readonly otpCode: string | null;
  /** The message that typed the code: its redelivery is recognised by the host as the same attempt. */
  readonly otpKey: string | null;
  /** The message that asked for the SMS code (the mobile typed, or 重新发送): its redelivery sends no second SMS. */
  readonly sendKey: string | null;
  /** That message's origin tag (the client's address, where the channel knows it): SMS budgets count per address too. */
  readonly sendOrigin?: string | undefined;
  readonly otpFailures: number;
  readonly submitKey: string | null;
  readonly referral: string | undefined;
  readonly result: SubmitApplicationOutput | null;
  readonly hadDraft: boolean;
  /** The amount the borrower named when asking, acknowledged before the first question. */
  readonly amountNamed?: Fen | undefined;
  readonly outcome: 'submitted' | 'paused' | 'cancelled' | 'identity_mismatch' | null;
  /** 一键激活: looked up once the mobile is verified; `activating` once the borrower chose 激活. */
  readonly precreditChecked?: boolean;
  readonly precredit?: PrecreditOffer | null;
  readonly activating?: boolean;
  /**
   * The nudge job: when the scheduled one is due (null: none is), and when a nudge is wanted (the
   * last question's time + nudgeAfterMinutes). Each answer moves only `nudgeWanted`; the job is
   * moved when it fires early, so a turn does not rewrite its row (absent in snapshots from before).
   */
  readonly nudgeAt?: number | null;
  readonly nudgeWanted?: number;
}

const MAX_OTP_FAILURES = 5;

/** application: collects who the borrower is and what they want, validating every answer with core/. */
export function createApplicationMachine(products: readonly Product[], settings: FlowSettings) {
  const productOf = (draft: ApplicationDraft): Product | undefined =>
    products.length === 1 ? products[0] : products.find((p) => p.id === draft.productId);
  /** A named amount outside the chosen product's range is asked again (with the range) rather than kept. */
  const fitAmount = (draft: ApplicationDraft): ApplicationDraft => {
    const product = productOf(draft);
    return product && draft.amount !== undefined && (draft.amount < product.amount.min || draft.amount > product.amount.max) ? { ...draft, amount: undefined } : draft;
  };
  const fieldsOf = (draft: ApplicationDraft) => fieldsFor(productOf(draft), products.length);

  const question = (ctx: ApplicationContext, field: FieldId): Reply => {
    const product = productOf(ctx.draft);
    const options = fieldOptions(field, ctx.locale, products, product);
    const key = field === 'amount' && product ? 'ask.amount' : (`ask.${field}` as const);
    const text = t(ctx.locale, key, product ? { min: yuan(product.amount.min), max: yuan(product.amount.max), mobile: maskedMobile(ctx.draft.mobile) } : { mobile: maskedMobile(ctx.draft.mobile) });
    const expects = field === 'idNumber' ? 'id_number' : field === 'mobile' ? 'mobile' : field === 'otp' ? 'otp' : field === 'amount' ? 'amount' : 'text';
    return { text, ...(options ? { options } : {}), expects };
  };

  const confirmation = (ctx: ApplicationContext): Reply => ({
    text: `${t(ctx.locale, 'confirm.title')}\n${summarizeDraft(ctx.draft, ctx.locale, productOf(ctx.draft))}`,
    options: [
      { label: t(ctx.locale, 'confirm.submit'), value: 'submit' },
      { label: t(ctx.locale, 'confirm.edit'), value: 'edit' },
      { label: t(ctx.locale, 'common.cancel'), value: 'cancel' },
    ],
    sensitive: true,
  });

  const correctionMenu = (ctx: ApplicationContext): Reply => {
    const fields = fieldsOf(ctx.draft).filter((f) => CORRECTABLE.includes(f));
    return { text: t(ctx.locale, 'confirm.whichField'), options: fields.map((f) => ({ label: t(ctx.locale, `field.${f}` as 'field.name'), value: f })) };
  };

  return setup({
    types: {
      context: {} as ApplicationContext,
      events: {} as ChildEvent,
      input: {} as ApplicationInput,
      output: {} as ApplicationOutput,
    },
    actions: {
      ...sinkDefaults,
      ask: assign({ prompt: ({ context }) => (context.field ? question(context, context.field) : context.prompt) }),
      askConfirmation: assign({ prompt: ({ context }) => confirmation(context) }),
      askCorrection: assign({ prompt: ({ context }) => correctionMenu(context) }),
      armNudge: enqueueActions(({ context, enqueue }) => {
        const wanted = context.lastAt + settings.nudgeAfterMinutes * 60_000;
        enqueue.assign({ nudgeWanted: wanted });
        if (context.nudgeAt != null) return;
        enqueue({ type: 'scheduleDeadline', params: { key: 'nudge', kind: 'nudge', dueAt: wanted } });
        enqueue.assign({ nudgeAt: wanted });
      }),
      disarmNudge: enqueueActions(({ enqueue }) => {
        enqueue({ type: 'cancelDeadline', params: { key: 'nudge' } });
        enqueue.assign({ nudgeAt: null });
      }),
      nudge: enqueueActions(({ context, enqueue }) => {
        // Fired before the time the last question wants: moved there, not said.
        if (context.nudgeWanted !== undefined && context.nudgeAt != null && context.nudgeWanted > context.nudgeAt) {
          enqueue({ type: 'scheduleDeadline', params: { key: 'nudge', kind: 'nudge', dueAt: context.nudgeWanted } });
          enqueue.assign({ nudgeAt: context.nudgeWanted });
          return;
        }
        enqueue.assign({ nudgeAt: null });
        enqueue({ type: 'reply', params: { text: t(context.locale, 'nudge.application'), options: [{ label: t(context.locale, 'common.continue'), value: 'continue' }] } });
      }),
    },
    actors: {
      sendOtp: effect('sendOtp'),
      verifyOtp: effect('verifyOtp'),
      submitApplication: effect('submitApplication'),
      findPrecreditOffer: effect('findPrecreditOffer'),
    },
    guards: {
      hasDraft: ({ context }) => context.hadDraft,
      complete: ({ context }) => nextField(context.draft, fieldsOf(context.draft)) === undefined,
      answerValid: ({ context, event }) =>
        event.type === 'user.text' && context.field !== null && readAnswer(context.field, event.text, { locale: context.locale, channel: context.channel, at: event.at, products, product: productOf(context.draft) }).ok,
      atMobile: ({ context }) => context.field === 'mobile',
      atOtp: ({ context }) => context.field === 'otp',
      wantsResend: ({ context, event }) => context.field === 'otp' && event.type === 'user.text' && ['resend', '重新发送', '重发', '重新获取'].includes(normalizeText(event.text)),
      correcting: ({ context }) => context.correcting,
      isNudge: ({ event }) => event.type === 'deadline.due' && event.kind === 'nudge',
      isOtpExpiry: ({ context, event }) => event.type === 'deadline.due' && event.kind === 'otp.expiry' && context.field === 'otp',
    },
  }).createMachine({
    id: 'application',
    context: ({ input }) => ({
      conversationId: input.conversationId,
      channel: input.channel,
      locale: input.locale,
      prompt: null,
      draft: fitAmount({ ...input.draft, ...(input.amount !== undefined ? { amount: input.amount } : {}) }),
      field: null,
      correcting: false,
      otpCode: null,
      otpKey: null,
      sendKey: null,
      otpFailures: 0,
      submitKey: null,
      referral: input.referral,
      result: null,
      hadDraft: input.draft !== undefined && Object.keys(input.draft).length > 0,
      amountNamed: input.amount,
      outcome: null,
      lastAt: input.at,
    }),
    initial: 'start',
    on: {
      'flow.tick': { actions: assign({ lastAt: ({ event }) => event.at }) },
      'flow.reprompt': { actions: { type: 'reply', params: ({ context }) => context.prompt ?? { text: t(context.locale, 'common.continue') } } },
      'flow.locale': { actions: [assign({ locale: ({ event }) => event.locale }), 'ask', { type: 'reply', params: ({ context }) => context.prompt ?? { text: '' } }] },
      'flow.cancel': { target: '.cancelled' },
      'flow.pause': { target: '.paused' },
      'user.media': { actions: { type: 'reply', params: ({ context }) => ({ ...(context.prompt ?? { text: '' }), text: `${t(context.locale, 'hint.media')}\n${context.prompt?.text ?? ''}` }) } },
      'deadline.due': [
        {
          guard: 'isNudge',
          actions: 'nudge',
        },
        {
          guard: 'isOtpExpiry',
          actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'otp.expired'), options: [{ label: t(context.locale, 'otp.resend'), value: 'resend' }] }) },
        },
      ],
    },
    states: {
      start: {
        entry: enqueueActions(({ context, enqueue }) => {
          if (context.amountNamed !== undefined) enqueue({ type: 'reply', params: { text: t(context.locale, 'apply.amountNoted', { amount: formatYuan(context.amountNamed) }) } });
        }),
        always: [{ guard: 'hasDraft', target: 'resumeOffer' }, { target: 'route' }],
      },
      route: {
        always: [{ guard: 'complete', target: 'confirm' }, { target: 'asking' }],
      },
      resumeOffer: {
        entry: [
          assign({
            prompt: ({ context }) => {
              const field = nextField(context.draft, fieldsOf(context.draft));
              return {
                text: t(context.locale, 'resume.question', { step: t(context.locale, `field.${field ?? 'amount'}` as 'field.name') }),
                options: [
                  { label: t(context.locale, 'common.continue'), value: 'continue' },
                  { label: t(context.locale, 'resume.restart'), value: 'restart' },
                ],
              };
            },
          }),
          { type: 'reply', params: ({ context }) => context.prompt! },
        ],
        on: {
          'user.text': [
            { guard: ({ event, context }) => pickOption(event.text, context.prompt!.options!)?.value === 'continue' || /^(继续|好|好的|是|ok|yes)$/.test(normalizeText(event.text)), target: 'route' },
            { guard: ({ event, context }) => pickOption(event.text, context.prompt!.options!)?.value === 'restart' || /^(重新开始|重新填写|重填)$/.test(normalizeText(event.text)), target: 'route', actions: assign({ draft: ({ context }) => (products.length === 1 ? {} : { productId: context.draft.productId }) }) },
            { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${optionHint(context)}\n${context.prompt!.text}` }) } },
          ],
        },
      },
      asking: {
        entry: [
          assign({ field: ({ context }) => nextField(context.draft, fieldsOf(context.draft)) ?? null }),
          'ask',
          { type: 'reply', params: ({ context }) => context.prompt! },
          'armNudge',
        ],
        on: {
          'flow.back': [
            // Back from the first question leaves the application (there is nothing before it).
            { guard: ({ context }) => context.field !== null && fieldsOf(context.draft).indexOf(context.field) <= 0, target: 'cancelled' },
            {
              target: 'route',
              actions: assign({
                draft: ({ context }) => {
                  const fields = fieldsOf(context.draft);
                  const i = context.field ? fields.indexOf(context.field) : fields.length;
                  const previous = fields.slice(0, Math.max(i, 0)).reverse().find((f) => f !== 'otp') ?? fields[0]!;
                  return clearField(context.draft, previous);
                },
              }),
            },
          ],
          'user.text': [
            {
              guard: 'wantsResend',
              target: 'sendingOtp',
              actions: assign({ sendKey: ({ context, event }) => effectKey('sms', context.conversationId, event.id), sendOrigin: ({ event }) => (event.type === 'user.text' ? event.origin : undefined) }),
            },
            {
              guard: ({ context, event }) => context.field === 'otp' && /^\d{6}$/.test(normalizeText(event.text)),
              target: 'verifyingOtp',
              actions: assign({ otpCode: ({ event }) => normalizeText(event.text), otpKey: ({ context, event }) => effectKey('otp', context.conversationId, event.id) }),
            },
            {
              guard: 'answerValid',
              actions: assign({
                draft: ({ context, event }) => {
                  const a = readAnswer(context.field!, event.text, { locale: context.locale, channel: context.channel, at: event.at, products, product: productOf(context.draft) });
                  return a.ok ? fitAmount({ ...context.draft, ...a.patch }) : context.draft;
                },
                // A mobile answered here sends the code next (`answered` → `sendingOtp`), keyed by this message.
                sendKey: ({ context, event }) => (context.field === 'mobile' ? effectKey('sms', context.conversationId, event.id) : context.sendKey),
                sendOrigin: ({ context, event }) => (context.field === 'mobile' ? event.origin : context.sendOrigin),
              }),
              target: 'answered',
            },
            {
              actions: {
                type: 'reply',
                params: ({ context, event }) => {
                  const a = readAnswer(context.field!, event.text, { locale: context.locale, channel: context.channel, at: event.at, products, product: productOf(context.draft) });
                  const hint = a.ok ? optionHint(context) : a.hint;
                  return { ...context.prompt!, text: `${hint}\n${context.prompt!.text}` };
                },
              },
            },
          ],
        },
      },
      answered: {
        always: [
          { guard: 'atMobile', target: 'sendingOtp' },
          // The mobile just verified (the SMS code; its sending checked name, ID and mobile together): a pre-approved limit?
          { guard: ({ context }) => context.draft.mobileVerified === true && !context.precreditChecked && !context.correcting && productOf(context.draft) !== undefined, target: 'checkingPrecredit' },
          { guard: ({ context }) => context.correcting && nextField(context.draft, fieldsOf(context.draft)) === undefined, target: 'confirm' },
          { target: 'route' },
        ],
      },
      sendingOtp: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'sendOtp',
          src: 'sendOtp',
          input: ({ context }) => ({
            conversationId: context.conversationId,
            mobile: context.draft.mobile!,
            ...(context.draft.name && context.draft.idNumber ? { identity: { name: context.draft.name, idNumber: context.draft.idNumber } } : {}),
            ...(context.sendOrigin ? { origin: context.sendOrigin } : {}),
            requestKey: context.sendKey!,
            at: context.lastAt,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'asking',
              actions: [
                { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'otp.sent', { mobile: maskedMobile(context.draft.mobile) }) }) },
                { type: 'scheduleDeadline', params: ({ event }) => ({ key: 'otp.expiry', kind: 'otp.expiry', dueAt: event.output.ok ? event.output.expiresAt : 0 }) },
              ],
            },
            // Not this person's mobile (or not this person): no SMS was sent; the mobile is asked again.
            {
              guard: ({ event }) => !event.output.ok && event.output.reason === 'identity_mismatch',
              target: 'asking',
              actions: [{ type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'otp.identityMismatch') }) }, assign({ draft: ({ context }) => clearField(context.draft, 'mobile') })],
            },
            { target: 'asking', actions: { type: 'reply', params: ({ context, event }) => ({ text: t(context.locale, !event.output.ok && event.output.reason === 'locked' ? 'otp.locked' : 'otp.rateLimited') }) } },
          ],
          onError: {
            target: 'asking',
            actions: [
              { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) },
              assign({ draft: ({ context }) => clearField(context.draft, 'mobile') }),
            ],
          },
        },
      },
      verifyingOtp: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'verifyOtp',
          src: 'verifyOtp',
          input: ({ context }) => ({ conversationId: context.conversationId, mobile: context.draft.mobile!, code: context.otpCode!, attemptKey: context.otpKey!, at: context.lastAt }),
          onDone: [
            {
              guard: ({ event }) => event.output.result === 'ok',
              target: 'answered',
              actions: [
                assign({ draft: ({ context }) => ({ ...context.draft, mobileVerified: true }), otpCode: null, otpFailures: 0 }),
                { type: 'cancelDeadline', params: { key: 'otp.expiry' } },
                { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'otp.verified') }) },
              ],
            },
            {
              guard: ({ event, context }) => event.output.result === 'too_many_attempts' || context.otpFailures + 1 >= MAX_OTP_FAILURES,
              target: 'asking',
              actions: [
                { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'otp.tooMany') }) },
                assign({ draft: ({ context }) => clearField(context.draft, 'mobile'), otpCode: null, otpFailures: 0 }),
              ],
            },
            {
              guard: ({ event }) => event.output.result === 'expired',
              target: 'asking',
              actions: [
                assign({ otpCode: null }),
                { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'otp.expired'), options: [{ label: t(context.locale, 'otp.resend'), value: 'resend' }] }) },
              ],
            },
            {
              target: 'asking',
              actions: [
                assign({ otpCode: null, otpFailures: ({ context }) => context.otpFailures + 1 }),
                { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'otp.wrong', { left: MAX_OTP_FAILURES - context.otpFailures }) }) },
              ],
            },
          ],
          onError: { target: 'asking', actions: [assign({ otpCode: null }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) }] },
        },
      },
      checkingPrecredit: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'findPrecreditOffer',
          src: 'findPrecreditOffer',
          input: ({ context }) => ({ productId: productOf(context.draft)!.id, idNumber: context.draft.idNumber!, mobile: context.draft.mobile!, at: context.lastAt }),
          onDone: [
            { guard: ({ event }) => event.output.found, target: 'precreditOffered', actions: assign({ precreditChecked: true, precredit: ({ event }) => (event.output.found ? event.output : null) }) },
            { target: 'route', actions: assign({ precreditChecked: true }) },
          ],
          // Not found out: the usual application goes on.
          onError: { target: 'route', actions: assign({ precreditChecked: true }) },
        },
      },
      precreditOffered: {
        entry: [
          assign({
            prompt: ({ context }) => {
              const offer = context.precredit!;
              const product = productOf(context.draft)!;
              const range = aprRange(product, offer.annualRate, shanghaiDateOf(context.lastAt));
              return {
                text: t(context.locale, 'precredit.offer', {
                  limit: yuan(offer.limit),
                  apr: range ? percentRange(range.lowest.compound, range.highest.compound) : formatPercent(offer.annualRate),
                  rate: formatPercent(offer.annualRate),
                  expires: shanghaiDateOf(offer.expiresAt - 1),
                }),
                options: [
                  { label: t(context.locale, 'precredit.activate'), value: 'activate' },
                  { label: t(context.locale, 'precredit.notNow'), value: 'not_now' },
                ],
                sensitive: true,
              };
            },
          }),
          { type: 'reply', params: ({ context }) => context.prompt! },
          'disarmNudge',
        ],
        on: {
          'user.text': [
            {
              guard: ({ event, context }) => pickOption(event.text, context.prompt?.options ?? [])?.value === 'activate' || /^(激活|一键激活|activate)$/.test(normalizeText(event.text)),
              target: 'submitting',
              actions: assign({
                activating: true,
                // The purpose and amount the batch decided for (the product's first purpose, the pre-approved limit): not asked.
                draft: ({ context }) => {
                  const [purpose, purposeDetail] = (fieldOptions('purpose', context.locale, products, productOf(context.draft))![0]!.value.split(':')) as [ApplicationDraft['purpose'], string];
                  return { ...context.draft, purpose, purposeDetail, amount: context.precredit!.limit };
                },
                submitKey: ({ context, event }) => effectKey('app', context.conversationId, event.id),
              }),
            },
            {
              guard: ({ event, context }) => pickOption(event.text, context.prompt?.options ?? [])?.value === 'not_now' || /^(暂不|不用|notnow)$/.test(normalizeText(event.text)),
              target: 'route',
              actions: [assign({ precredit: null }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'precredit.skipped') }) }],
            },
            { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${optionHint(context)}\n${context.prompt!.text}` }) } },
          ],
        },
      },
      confirm: {
        entry: [
          assign({ correcting: false, field: null }),
          'askConfirmation',
          { type: 'reply', params: ({ context }) => context.prompt! },
          'disarmNudge',
        ],
        on: {
          'flow.back': { target: 'correction' },
          'user.text': [
            { guard: ({ event, context }) => pickOption(event.text, context.prompt?.options ?? [])?.value === 'submit' || /^(确认|提交|确认提交|ok|yes|是)$/.test(normalizeText(event.text)), target: 'submitting', actions: assign({ submitKey: ({ context, event }) => effectKey('app', context.conversationId, event.id) }) },
            { guard: ({ event, context }) => pickOption(event.text, context.prompt?.options ?? [])?.value === 'edit' || /^(修改|改|更正)/.test(normalizeText(event.text)), target: 'correction' },
            { guard: ({ event, context }) => pickOption(event.text, context.prompt?.options ?? [])?.value === 'cancel', target: 'cancelled' },
            { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${optionHint(context)}\n${context.prompt!.text}` }) } },
          ],
        },
      },
      correction: {
        entry: ['askCorrection', { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': { target: 'confirm' },
          'user.text': [
            {
              guard: ({ event, context }) => pickOption(normalizeText(event.text).replace(/^(修改|改)/, ''), context.prompt?.options ?? []) !== undefined,
              target: 'asking',
              actions: assign({
                correcting: true,
                draft: ({ context, event }) => clearField(context.draft, pickOption(normalizeText(event.text).replace(/^(修改|改)/, ''), context.prompt!.options!)!.value as FieldId),
              }),
            },
            { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${optionHint(context)}\n${context.prompt!.text}` }) } },
          ],
        },
      },
      submitting: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'submitApplication',
          src: 'submitApplication',
          input: ({ context }) => {
            const d = context.draft;
            const product = productOf(d)!;
            return {
              conversationId: context.conversationId,
              channel: context.channel,
              productId: product.id,
              name: d.name!,
              idNumber: d.idNumber!,
              mobile: d.mobile!,
              ...(d.companyName && d.uscc && d.role ? { enterprise: { name: d.companyName, uscc: d.uscc, role: d.role } } : {}),
              purpose: d.purpose!,
              purposeDetail: d.purposeDetail!,
              requestedAmount: d.amount!,
              ...(context.referral ? { referral: context.referral } : {}),
              ...(context.activating && context.precredit ? { precreditEntryId: context.precredit.entryId } : {}),
              idempotencyKey: context.submitKey!,
              at: context.lastAt,
            };
          },
          onDone: [
            { guard: ({ event }) => event.output.status === 'identity_mismatch', target: 'identityMismatch' },
            { target: 'submitted', actions: assign({ result: ({ event }) => event.output }) },
          ],
          onError: {
            target: 'confirm',
            actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) },
          },
        },
      },
      submitted: { type: 'final', entry: [assign({ outcome: 'submitted' }), 'disarmNudge'] },
      identityMismatch: {
        type: 'final',
        entry: [
          // What was typed is dropped: nothing of it is kept in the conversation either.
          assign({ outcome: 'identity_mismatch', draft: {} }),
          'disarmNudge',
          { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'application.identityMismatch'), options: [{ label: t(context.locale, 'menu.human'), value: '转人工' }] }) },
        ],
      },
      cancelled: {
        type: 'final',
        entry: [assign({ outcome: 'cancelled' }), 'disarmNudge', { type: 'cancelDeadline', params: { key: 'otp.expiry' } }, { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'application.cancelled') }) }],
      },
      paused: {
        type: 'final',
        entry: [assign({ outcome: 'paused' }), 'disarmNudge', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'application.paused') }) }],
      },
    },
    output: ({ context }): ApplicationOutput => {
      if (context.outcome === 'identity_mismatch') return { status: 'identity_mismatch' };
      if (context.outcome === 'submitted' && context.result?.status === 'existing') return context.result;
      if (context.outcome === 'submitted' && context.result?.status === 'submitted') {
        const { borrowerId, applicationId, borrowerName, precreditEntryId } = context.result;
        const offer = context.precredit;
        const precredit = precreditEntryId && offer && offer.entryId === precreditEntryId ? { precredit: { entryId: offer.entryId, limit: offer.limit, annualRate: offer.annualRate } } : {};
        return { status: 'submitted', borrowerId, applicationId, borrowerName, productId: productOf(context.draft)!.id, ...precredit };
      }
      return context.outcome === 'paused' && Object.keys(context.draft).length ? { status: 'paused', draft: context.draft } : { status: 'cancelled' };
    },
  });
}

const yuan = (fen: number) => (fen % 100 === 0 ? `${(fen / 100).toLocaleString('en-US')}` : (fen / 100).toFixed(2));
const maskedMobile = (m: string | undefined) => (m ? `${m.slice(0, 3)}****${m.slice(7)}` : '');
