import {
  formatYuan,
  maskIdNumber,
  maskMobile,
  parseChineseAmount,
  personalNumberAnswer,
  shanghaiDateOf,
  validateMobile,
  validateResidentId,
  validateSocialCreditCode,
  type EnterpriseRole,
  type Fen,
  type LoanPurpose,
  type Product,
} from '../../core/index.js';
import type { ReplyOption } from '../reply.js';
import { optionHint } from '../shared/optionHint.js';
import { t, type Locale, type MessageKey } from '../text/translate.js';
import { pickOption } from '../understanding/pickOption.js';

/** What the borrower has told us so far; fields fill in order and any can be corrected. */
export interface ApplicationDraft {
  readonly productId?: string;
  readonly name?: string;
  readonly idNumber?: string;
  readonly mobile?: string;
  readonly mobileVerified?: boolean;
  readonly companyName?: string;
  readonly uscc?: string;
  readonly role?: EnterpriseRole;
  readonly purpose?: LoanPurpose;
  readonly purposeDetail?: string;
  readonly amount?: Fen;
}

export type FieldId = 'product' | 'name' | 'idNumber' | 'mobile' | 'otp' | 'companyName' | 'uscc' | 'role' | 'purpose' | 'amount';

/** Fields a borrower may choose to correct from the confirmation screen. */
export const CORRECTABLE: readonly FieldId[] = ['name', 'idNumber', 'mobile', 'companyName', 'uscc', 'role', 'purpose', 'amount'];

export function fieldsFor(product: Product | undefined, productCount: number): FieldId[] {
  const fields: FieldId[] = productCount > 1 ? ['product'] : [];
  fields.push('name', 'idNumber', 'mobile', 'otp');
  if (product?.segment === 'enterprise') fields.push('companyName', 'uscc', 'role');
  fields.push('purpose', 'amount');
  return fields;
}

export const isFilled = (draft: ApplicationDraft, field: FieldId): boolean => {
  switch (field) {
    case 'product':
      return draft.productId !== undefined;
    case 'otp':
      return draft.mobileVerified === true;
    case 'purpose':
      return draft.purposeDetail !== undefined;
    default:
      return draft[field] !== undefined;
  }
};

/** The first field still to answer, or undefined when the draft is complete. */
export const nextField = (draft: ApplicationDraft, fields: readonly FieldId[]): FieldId | undefined => fields.find((f) => !isFilled(draft, f));

/** Clears a field (and what depends on it: a new mobile must be verified again). */
export function clearField(draft: ApplicationDraft, field: FieldId): ApplicationDraft {
  switch (field) {
    case 'product':
      return {};
    case 'mobile':
    case 'otp':
      return { ...draft, mobile: undefined, mobileVerified: undefined };
    case 'purpose':
      return { ...draft, purpose: undefined, purposeDetail: undefined };
    default:
      return { ...draft, [field]: undefined };
  }
}

const PURPOSES: Record<LoanPurpose, readonly { key: MessageKey; value: string }[]> = {
  consumer: [
    { key: 'purpose.daily', value: 'consumer:daily' },
    { key: 'purpose.renovation', value: 'consumer:renovation' },
    { key: 'purpose.education', value: 'consumer:education' },
    { key: 'purpose.travel', value: 'consumer:travel' },
  ],
  business: [
    { key: 'purpose.stock', value: 'business:stock' },
    { key: 'purpose.working_capital', value: 'business:working_capital' },
    { key: 'purpose.equipment', value: 'business:equipment' },
  ],
};

export const ROLES: readonly { key: MessageKey; value: EnterpriseRole }[] = [
  { key: 'role.legal_representative', value: 'legal_representative' },
  { key: 'role.shareholder', value: 'shareholder' },
  { key: 'role.individual_business_owner', value: 'individual_business_owner' },
];

export function fieldOptions(field: FieldId, locale: Locale, products: readonly Product[], product: Product | undefined): ReplyOption[] | undefined {
  switch (field) {
    case 'product':
      return products.map((p) => ({ label: locale === 'en' ? p.nameEn : p.nameZh, value: p.id }));
    case 'role':
      return ROLES.map((r) => ({ label: t(locale, r.key), value: r.value }));
    case 'purpose':
      return (product?.purposes ?? ['consumer']).flatMap((p) => PURPOSES[p].map((o) => ({ label: t(locale, o.key), value: o.value })));
    case 'otp':
      return [{ label: t(locale, 'otp.resend'), value: 'resend' }];
    default:
      return undefined;
  }
}

export type Answer = { ok: true; patch: ApplicationDraft } | { ok: false; hint: string };

/**
 * Reads one answer with core/'s validators. A failed answer carries a specific hint in the
 * borrower's language; the question is asked again after it.
 */
export function readAnswer(field: FieldId, text: string, ctx: { locale: Locale; channel?: string; at: number; products: readonly Product[]; product: Product | undefined }): Answer {
  const { locale } = ctx;
  const fail = (key: MessageKey, params: Record<string, string | number> = {}): Answer => ({ ok: false, hint: t(locale, key, params) });
  const pickAgain: Answer = { ok: false, hint: optionHint({ locale, channel: ctx.channel ?? '' }) };
  const trimmed = text.trim();
  switch (field) {
    case 'product': {
      const o = pickOption(trimmed, fieldOptions('product', locale, ctx.products, undefined) ?? []);
      return o ? { ok: true, patch: { productId: o.value } } : pickAgain;
    }
    case 'name': {
      const name = trimmed.replace(/\s+/g, ' ');
      if (!/^[\p{Script=Han}·•]{2,20}$|^[A-Za-z][A-Za-z .'-]{1,39}$/u.test(name)) return fail('hint.name');
      return { ok: true, patch: { name: name.replace('•', '·') } };
    }
    case 'idNumber': {
      // However typed (separators, full-width, inside a sentence), the 18 characters are validated and stored.
      const r = validateResidentId(personalNumberAnswer(trimmed, 'id_number'), shanghaiDateOf(ctx.at));
      if (!r.ok) return { ok: false, hint: locale === 'zh' && r.error.messageZh ? `${r.error.messageZh}，${t(locale, 'hint.idNumber')}` : t(locale, 'hint.idNumber') };
      return { ok: true, patch: { idNumber: r.value.idNumber } };
    }
    case 'mobile': {
      // The 11 digits, without +86/0086, separators or full-width forms, are validated and stored.
      const r = validateMobile(personalNumberAnswer(trimmed, 'mobile'));
      return r.ok ? { ok: true, patch: { mobile: r.value, mobileVerified: false } } : fail('hint.mobile');
    }
    case 'otp':
      return /^\d{6}$/.test(trimmed.replace(/\s/g, '')) ? { ok: true, patch: {} } : fail('hint.otp');
    case 'companyName':
      return trimmed.length >= 2 && trimmed.length <= 60 && !/^\d+$/.test(trimmed) ? { ok: true, patch: { companyName: trimmed } } : fail('hint.companyName');
    case 'uscc': {
      const r = validateSocialCreditCode(trimmed.replace(/\s/g, ''));
      if (!r.ok) return { ok: false, hint: locale === 'zh' && r.error.messageZh ? `${r.error.messageZh}。` : t(locale, 'hint.uscc') };
      return { ok: true, patch: { uscc: trimmed.replace(/\s/g, '').toUpperCase() } };
    }
    case 'role': {
      const o = pickOption(trimmed, fieldOptions('role', locale, ctx.products, ctx.product) ?? []);
      return o ? { ok: true, patch: { role: o.value as EnterpriseRole } } : pickAgain;
    }
    case 'purpose': {
      const o = pickOption(trimmed, fieldOptions('purpose', locale, ctx.products, ctx.product) ?? []);
      if (!o) return pickAgain;
      const [purpose, detail] = o.value.split(':') as [LoanPurpose, string];
      return { ok: true, patch: { purpose, purposeDetail: detail } };
    }
    case 'amount': {
      const r = parseChineseAmount(trimmed);
      const p = ctx.product;
      const outOfRange = () => fail('hint.amountRange', { min: formatYuan(p!.amount.min), max: formatYuan(p!.amount.max) });
      // Above what core reads at all (100亿) is out of range too, not "not understood".
      if (!r.ok) return p && r.error.code === 'AMOUNT_OUT_OF_RANGE' ? outOfRange() : fail('hint.amount');
      if (p && (r.value < p.amount.min || r.value > p.amount.max)) return outOfRange();
      return { ok: true, patch: { amount: r.value } };
    }
  }
}

/** The draft as the borrower sees it on the confirmation screen: personal data masked. */
export function summarizeDraft(draft: ApplicationDraft, locale: Locale, product: Product | undefined): string {
  const rows: [MessageKey, string | undefined][] = [
    ['field.product', product ? (locale === 'en' ? product.nameEn : product.nameZh) : undefined],
    ['field.name', draft.name],
    ['field.idNumber', draft.idNumber && maskIdNumber(draft.idNumber)],
    ['field.mobile', draft.mobile && maskMobile(draft.mobile)],
    ['field.companyName', draft.companyName],
    ['field.uscc', draft.uscc],
    ['field.role', draft.role && t(locale, `role.${draft.role}`)],
    ['field.purpose', draft.purposeDetail && t(locale, `purpose.${draft.purposeDetail}` as MessageKey)],
    ['field.amount', draft.amount !== undefined ? `¥${formatYuan(draft.amount)}` : undefined],
  ];
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${t(locale, k)}${t(locale, 'common.colon')}${v}`)
    .join('\n');
}
