import { coreError, err, ok, type Result } from '../result.js';
import { evaluateAdmissionRules, type RuleFacts, type RuleResult, type RuleSeverity } from './admissionRules.js';
import { applicationFeatures, deriveApplicantFacts } from './applicantFacts.js';
import type { ApplicantProfile, DataSource } from './applicantProfile.js';
import { addDays, addMonths, ageOn, parseIsoDate, type CivilDate, type IsoDate } from '../calendar/index.js';
import { computeCreditLimit, type LimitBinding } from './creditLimit.js';
import { MAX_PRINCIPAL_FEN as MAX_PRINCIPAL, quoteLoan, REPAYMENT_METHODS as LENDING_METHODS, roundFen as lendingRoundFen, type Apr, type Fen, type RepaymentMethod } from './lendingBridge.js';
import { gradeForScore, priceRate } from './pricing.js';
import { validateProduct, type Grade, type Product } from './product.js';
import { RISK_REASONS, type RiskReasonCode } from './riskReasons.js';
import { score, type VariableScore } from './scorecard.js';
import { scoreScaling, scoreToPd, type ScoreScaling } from './scoreScaling.js';

export type DecisionOutcome = 'approved' | 'declined' | 'manual_review';

export interface DecisionReason {
  readonly code: RiskReasonCode;
  readonly severity: RuleSeverity;
  /** Borrower-safe Chinese explanation. */
  readonly messageZh: string;
  /** Internal English detail for staff. */
  readonly detail: string;
}

export interface CreditDecision {
  readonly outcome: DecisionOutcome;
  readonly productId: string;
  readonly asOf: IsoDate;
  /** Failed and insufficient-data rules plus outcome-level reasons, declines first; empty when approved. */
  readonly reasons: readonly DecisionReason[];
  readonly score: number;
  /** Probability of default at the score, when the card has a scaling. */
  readonly pd: number | null;
  readonly scoreBreakdown: readonly VariableScore[];
  readonly grade: Grade | null;
  /** Approved (or, for manual review, provisional) limit in fen; 0 when declined. */
  readonly limit: Fen;
  readonly limitBinding: LimitBinding | null;
  /** min(requested, limit); 0 when declined. */
  readonly offeredAmount: Fen;
  /** Annual rate (decimal) for the grade; null when declined. */
  readonly rate: number | null;
  /** APR of the offer at that rate, term and method (PBoC 2021 No. 3), from core/lending; null when declined. */
  readonly apr: { readonly simple: number; readonly compound: number; readonly simpleText: string; readonly compoundText: string } | null;
  readonly termMonths: number;
  readonly repaymentMethod: RepaymentMethod;
  /** Level monthly instalment of the offered amount used for the DTI test (equal instalments at the rate over the product's DTI horizon); null without a DTI rule. */
  readonly monthlyInstalmentForDti: Fen | null;
  /** Debt-to-income including that instalment; null without a DTI rule or when income or existing debt is unknown. */
  readonly dti: number | null;
  readonly incomeBasis: 'verified' | 'declared' | 'none';
  /** Last day the offer may be accepted; null when declined. */
  readonly offerExpiresOn: IsoDate | null;
  /** Line end (revolving) or loan maturity; null when declined. */
  readonly lineExpiresOn: IsoDate | null;
  /** `<scorecard id>@<version> / <product id>@<version>`. */
  readonly modelVersion: string;
  /** Every rule's result, passed ones included, for audit. */
  readonly ruleResults: readonly RuleResult[];
}

/**
 * Per-product memo (products are treated as immutable once decided on: configure a new object to
 * change one). APR depends only on (grade → rate, term, method) — plus the start date for the
 * daily methods, whose interest runs on actual days — and the DTI instalment factor only on
 * (rate, amortisation months); dates only on asOf. Quotes use a ¥100,000 reference principal: the
 * APR of a fee-free loan does not depend on the principal beyond fen rounding.
 */
interface QuoteMemo {
  readonly apr: Apr;
  /** Level monthly instalment (等额本息) per fen of principal over the DTI horizon. */
  readonly factor: number;
  /** Start date the APR was computed for (daily methods); null when it does not matter. */
  readonly asOf: IsoDate | null;
}

interface DateMemo {
  readonly asOf: IsoDate;
  readonly offerExpiresOn: IsoDate;
  readonly lineExpiresOn: IsoDate;
  /** Term → maturity used for the age test (the line end when revolving). */
  readonly maturity: Map<number, { readonly iso: IsoDate; readonly civil: CivilDate | null }>;
}

interface CompiledProduct {
  readonly dtiMax: number | null;
  readonly pd: ScoreScaling | null;
  readonly modelVersion: string;
  readonly quotes: Map<number, QuoteMemo>;
  dates: DateMemo | null;
}

// Bound once: this path runs ~200k times a second, and some loaders turn each use of a
// re-exported binding into a getter call.
const REPAYMENT_METHODS = LENDING_METHODS;
const MAX_PRINCIPAL_FEN = MAX_PRINCIPAL;
const roundFen = lendingRoundFen;

const compiledProducts = new WeakMap<Product, CompiledProduct>();
const REFERENCE_PRINCIPAL: Fen = 10_000_000;
const GRADE_INDEX: Readonly<Record<Grade, number>> = { A: 0, B: 1, C: 2 };

function compileProduct(product: Product): Result<CompiledProduct> {
  const hit = compiledProducts.get(product);
  if (hit !== undefined) return ok(hit);
  const v = validateProduct(product);
  if (!v.ok) return v;
  let dtiMax: number | null = null;
  for (const r of product.rules) if (r.kind === 'debt_to_income') dtiMax = r.max;
  const scaling = product.scorecard.scaling === undefined ? null : scoreScaling(product.scorecard.scaling);
  const compiled: CompiledProduct = {
    dtiMax,
    pd: scaling !== null && scaling.ok ? scaling.value : null,
    modelVersion: `${product.scorecard.id}@${product.scorecard.version} / ${product.id}@${product.version}`,
    quotes: new Map(),
    dates: null,
  };
  compiledProducts.set(product, compiled);
  return ok(compiled);
}

function quoteFor(c: CompiledProduct, product: Product, grade: Grade | null, rate: number, termMonths: number, method: RepaymentMethod, asOf: IsoDate): Result<QuoteMemo> {
  const daily = method === 'bullet' || method === 'daily_revolving';
  const key = (grade === null ? 3 : GRADE_INDEX[grade]) * 1_000_000 + termMonths * 100 + REPAYMENT_METHODS.indexOf(method);
  const hit = c.quotes.get(key);
  if (hit !== undefined && (!daily || hit.asOf === asOf)) return ok(hit);
  const q = quoteLoan({ principal: REFERENCE_PRINCIPAL, annualRate: rate, termMonths, method, startDate: asOf });
  if (!q.ok) return q;
  const months = product.limitPolicy.dtiAmortisationMonths ?? termMonths;
  const level = method === 'equal_installment' && months === termMonths ? q : quoteLoan({ principal: REFERENCE_PRINCIPAL, annualRate: rate, termMonths: months, method: 'equal_installment', startDate: asOf });
  if (!level.ok) return level;
  const memo: QuoteMemo = { apr: q.value.apr, factor: (level.value.schedule.levelAmount as number) / REFERENCE_PRINCIPAL, asOf: daily ? asOf : null };
  c.quotes.set(key, memo);
  return ok(memo);
}

function datesFor(c: CompiledProduct, product: Product, asOf: IsoDate, termMonths: number): { readonly memo: DateMemo; readonly maturity: CivilDate | null } {
  let memo = c.dates;
  if (memo === null || memo.asOf !== asOf) {
    memo = { asOf, offerExpiresOn: addDays(asOf, product.offerValidityDays), lineExpiresOn: addMonths(asOf, product.lineValidityMonths), maturity: new Map() };
    c.dates = memo;
  }
  let m = memo.maturity.get(termMonths);
  if (m === undefined) {
    const iso = addMonths(asOf, product.revolving ? Math.max(product.lineValidityMonths, termMonths) : termMonths);
    m = { iso, civil: parseIsoDate(iso) };
    memo.maturity.set(termMonths, m);
  }
  return { memo, maturity: m.civil };
}

const inputError = (code: string, message: string, field: string, messageZh: string) => err(coreError(code, message, field, messageZh));

function checkRequest(product: Product, profile: ApplicantProfile): Result<RepaymentMethod> {
  const r = profile.request;
  if (typeof r !== 'object' || r === null) return inputError('REQUEST_MISSING', 'the profile has no loan request', 'request', '请填写借款金额和期限');
  if (typeof r.amount !== 'number' || !Number.isSafeInteger(r.amount) || r.amount <= 0 || r.amount > MAX_PRINCIPAL_FEN) {
    return inputError('AMOUNT_INVALID', `amount must be whole fen in 1–${MAX_PRINCIPAL_FEN}, got ${String(r.amount)}`, 'request.amount', '借款金额不正确');
  }
  if (r.amount < product.amount.min) {
    return inputError('AMOUNT_BELOW_MINIMUM', `amount ${r.amount} is below the product minimum ${product.amount.min}`, 'request.amount', '借款金额低于本产品最低金额');
  }
  if (!product.termsMonths.includes(r.termMonths)) {
    return inputError('TERM_NOT_OFFERED', `term ${String(r.termMonths)} not in ${product.termsMonths.join('/')}`, 'request.termMonths', '本产品不提供所选借款期限');
  }
  if (!REPAYMENT_METHODS.includes(r.repaymentMethod as RepaymentMethod)) {
    return inputError('METHOD_UNKNOWN', `unknown repayment method ${JSON.stringify(r.repaymentMethod)}`, 'request.repaymentMethod', '不支持的还款方式');
  }
  if (!product.repaymentMethods.includes(r.repaymentMethod as RepaymentMethod)) {
    return inputError('METHOD_NOT_OFFERED', `method ${r.repaymentMethod} not offered by ${product.id}`, 'request.repaymentMethod', '本产品不提供所选还款方式');
  }
  if (!product.purposes.includes(r.purpose)) {
    return inputError('PURPOSE_NOT_OFFERED', `purpose ${String(r.purpose)} not offered by ${product.id}`, 'request.purpose', '本产品不支持所选借款用途');
  }
  return ok(r.repaymentMethod as RepaymentMethod);
}

function missingOf(required: readonly DataSource[], missing: readonly DataSource[]): DataSource[] {
  const out: DataSource[] = [];
  for (const s of required) if (missing.includes(s)) out.push(s);
  return out;
}

const SEVERITY_RANK: Readonly<Record<RuleSeverity, number>> = { decline: 0, manual_review: 1 };

/**
 * The credit decision: rules + scorecard + grade + pricing + limit (+ APR via core/lending) for
 * one product, authorised data and decision date. Deterministic. Bad input (invalid product,
 * malformed ID/mobile/USCC, amount, term, method or purpose not offered) is a typed error;
 * everything about the applicant's credit is in the decision.
 */
export function decideApplication(product: Product, profile: ApplicantProfile, asOf: IsoDate): Result<CreditDecision> {
  const compiled = compileProduct(product);
  if (!compiled.ok) return compiled;
  const c = compiled.value;
  const on = parseIsoDate(asOf);
  if (on === null) return err(coreError('AS_OF_INVALID', `asOf is not an ISO date: ${String(asOf)}`, 'asOf'));
  if (typeof profile !== 'object' || profile === null) return err(coreError('PROFILE_INVALID', 'profile must be an object', 'profile'));
  const method = checkRequest(product, profile);
  if (!method.ok) return method;
  const facts = deriveApplicantFacts(profile, product.segment, product.limitPolicy, asOf);
  if (!facts.ok) return facts;
  const f = facts.value;
  const request = profile.request;

  const result = score(product.scorecard, applicationFeatures(f, profile));
  const grade = gradeForScore(product.gradeBands, result.total);
  const rate = grade === null ? product.pricing.cap : priceRate(product.pricing, grade);
  const quote = quoteFor(c, product, grade, rate, request.termMonths, method.value, asOf);
  if (!quote.ok) return quote;
  const factor = quote.value.factor;
  const dtiMax = c.dtiMax;
  const consumerCap = request.purpose === 'consumer' ? product.consumerCap : null;
  const limit = grade === null
    ? null
    : computeCreditLimit({
      grade,
      policy: product.limitPolicy,
      productMax: product.amount.max,
      consumerCap,
      assessedMonthlyIncome: f.assessedMonthlyIncome,
      existingMonthlyDebt: f.existingMonthlyDebt,
      depositAvg6m: profile.sources.bank?.depositAvg6m ?? null,
      annualTaxPaid: product.segment === 'enterprise' ? profile.sources.tax?.annualTaxPaid ?? null : null,
      maxDti: dtiMax,
      instalmentPerFen: factor,
    });
  const limitFen = limit?.limit ?? 0;
  const offered = Math.min(request.amount, limitFen);
  // DTI is measured on what would be lent: the offer, at least the product minimum, so a limit
  // squeezed below the minimum by debt shows as a DTI failure.
  const dtiAmount = limit === null ? Math.min(request.amount, product.amount.max, consumerCap ?? Infinity) : Math.max(offered, product.amount.min);
  const instalment = dtiMax === null ? null : roundFen(dtiAmount * factor);
  const income = f.assessedMonthlyIncome;
  const debt = f.existingMonthlyDebt;
  const dti = instalment !== null && income !== null && debt !== null ? (debt + instalment) / income : null;

  const dates = datesFor(c, product, asOf, request.termMonths);
  if (dates.maturity === null) return err(coreError('AS_OF_INVALID', `maturity from ${asOf} falls after 2999-12-31`, 'asOf'));
  const ruleFacts: RuleFacts = {
    idValid: true,
    age: f.identity.age,
    ageAtMaturity: ageOn(f.birth, dates.maturity),
    usccValid: f.enterprise === null ? null : true,
    enterpriseRole: f.enterprise?.role ?? null,
    businessStatus: f.businessStatus,
    businessYears: f.businessYears,
    bureau: profile.sources.credit_bureau ?? null,
    watchlist: profile.watchlist ?? null,
    verification: profile.verification ?? null,
    dti,
    dtiUnknown: dti !== null ? null : income === null ? 'INCOME_UNKNOWN' : 'DATA_MISSING_CREDIT_BUREAU',
    missingRequiredSources: missingOf(product.dataSources.required, f.missingSources),
  };
  const ruleResults = evaluateAdmissionRules(product.rules, ruleFacts, product.insufficientDataSeverity);

  const reasons: DecisionReason[] = [];
  let dtiFailed = false;
  for (const r of ruleResults) {
    if (r.code === null || r.severity === null) continue;
    if (r.rule === 'debt_to_income' && r.status === 'failed') dtiFailed = true;
    if (reasons.some((x) => x.code === r.code)) continue;
    reasons.push({ code: r.code, severity: r.severity, messageZh: r.messageZh as string, detail: r.detail });
  }
  if (grade === null) {
    const lowest = product.gradeBands[product.gradeBands.length - 1]?.minScore;
    reasons.push({ code: 'SCORE_BELOW_CUTOFF', severity: 'decline', messageZh: RISK_REASONS.SCORE_BELOW_CUTOFF.zh, detail: `score ${result.total} below ${lowest}` });
  } else if (limitFen < product.amount.min && !dtiFailed) {
    reasons.push({ code: 'LIMIT_BELOW_MINIMUM', severity: 'decline', messageZh: RISK_REASONS.LIMIT_BELOW_MINIMUM.zh, detail: `limit ${limitFen} fen below minimum ${product.amount.min} (bound: ${limit?.binding})` });
  }
  if (reasons.length > 1) reasons.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const outcome: DecisionOutcome = reasons.length === 0 ? 'approved' : reasons[0]?.severity === 'decline' ? 'declined' : 'manual_review';
  const live = outcome !== 'declined';
  const a = quote.value.apr;

  return ok({
    outcome,
    productId: product.id,
    asOf,
    reasons,
    score: result.total,
    pd: c.pd === null ? null : scoreToPd(c.pd, result.total),
    scoreBreakdown: result.variables,
    grade,
    limit: live ? limitFen : 0,
    limitBinding: live ? (limit?.binding ?? null) : null,
    offeredAmount: live ? offered : 0,
    rate: live ? rate : null,
    apr: live ? { simple: a.simple, compound: a.compound, simpleText: a.simpleText, compoundText: a.compoundText } : null,
    termMonths: request.termMonths,
    repaymentMethod: method.value,
    monthlyInstalmentForDti: instalment,
    dti,
    incomeBasis: f.incomeBasis,
    offerExpiresOn: live ? dates.memo.offerExpiresOn : null,
    lineExpiresOn: live ? (product.revolving ? dates.memo.lineExpiresOn : (dates.memo.maturity.get(request.termMonths)?.iso ?? null)) : null,
    modelVersion: c.modelVersion,
    ruleResults,
  });
}
