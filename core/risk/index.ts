/**
 * core/risk: identity checks, scorecards, admission rules, products, pricing, limits, the credit
 * decision, post-loan warning, renewal and reminders, and the working-hours calendar of service
 * levels. Pure functions over plain data; the decision date or moment is always a parameter.
 */

// Identity: validate as the borrower types, generate test values, mask for display.
export { validateResidentId, generateResidentId, residentIdCheckChar, ageAt, type ResidentIdInfo, type ResidentIdSpec, type Sex } from './residentId.js';
export {
  validateSocialCreditCode, generateSocialCreditCode, socialCreditCheckChar, USCC_CHARSET,
  type SocialCreditCodeInfo, type SocialCreditCodeSpec, type UsccEntityKind,
} from './socialCreditCode.js';
export { validateMobile, generateMobile } from './mobile.js';
export { maskBankCard, maskIdNumber, maskMobile, maskName, maskSocialCreditCode } from './mask.js';
export {
  findPersonalNumbers, containsPersonalNumber, maskPersonalNumbers, maskPersonalNumber, personalNumberAnswer, compactNumber, toHalfWidth,
  type PersonalNumber, type PersonalNumberKind,
} from './personalNumbers.js';
export { PROVINCE_CODES, isPlausibleRegionCode } from './regionCodes.js';

// Scorecards as data, score scaling, importers, stability.
export {
  loadScorecard, score, scoreTotal, adverseFactors, compileScorecard, formatInterval,
  type Scorecard, type ScorecardVariable, type NumericVariable, type CategoricalVariable, type NumericBin, type CategoricalBin, type FallbackBin,
  type FeatureValue, type FeatureVector, type ScoreResult, type VariableScore, type ScoreScalingParams, type CompiledScorecard,
} from './scorecard.js';
export { scoreScaling, scoreToOdds, scoreToPd, oddsToScore, pdToScore, DEFAULT_SCALING_PARAMS, type ScoreScaling } from './scoreScaling.js';
export { importOptbinningTable } from './importOptbinning.js';
export { importScorecardpyTable } from './importScorecardpy.js';
export { importToadCard } from './importToad.js';
export { parseIntervalLabel, type ScorecardImportOptions } from './scorecardImport.js';
export { psi, psiBand, countInBands, PSI_DEFAULT_EPSILON, type PsiBand, type PsiResult } from './psi.js';
export { informationValue, ivBand, type IvBand } from './informationValue.js';
export { DEMO_APPLICATION_SCORECARD, DEMO_BEHAVIOUR_SCORECARD } from './demoScorecards.js';

// Applicant data the decision consumes.
export {
  DATA_SOURCES, DATA_SOURCE_NAMES,
  type DataSource, type ApplicantProfile, type AuthorisedData, type PersonIdentity, type EnterpriseIdentity, type EnterpriseRole, type LoanPurpose,
  type LoanRequest, type CreditBureauReport, type HousingFundRecord, type SocialSecurityRecord, type TaxRecord, type BusinessRegistryRecord,
  type BusinessStatus, type BankRelationship, type WatchlistCheck, type IdentityVerification,
} from './applicantProfile.js';
export { deriveApplicantFacts, applicationFeatures, type ApplicantFacts } from './applicantFacts.js';

// Rules, reasons, products.
export {
  evaluateAdmissionRules, missingSourceCode, RULE_KINDS,
  type AdmissionRule, type RuleKind, type RuleResult, type RuleSeverity, type RuleStatus, type RuleFacts,
} from './admissionRules.js';
export { RISK_REASONS, type RiskReasonCode, type RiskReason } from './riskReasons.js';
export {
  validateProduct, GRADES, CONSUMER_CREDIT_CAP_FEN, PRODUCT_RATE_CEILING,
  type Product, type Grade, type GradeBand, type PricingTable, type LimitPolicy,
} from './product.js';
export { consentSources, type ConsentSource } from './consentSources.js';
export { DEMO_PRODUCTS, DEMO_PERSONAL_PRODUCT, DEMO_ENTERPRISE_PRODUCT, DEFAULT_ADMISSION_RULES } from './demoProducts.js';

// Pricing, limits, the decision.
export { gradeForScore, priceRate } from './pricing.js';
export {
  reviewBounds, priceReviewedOffer, REVIEW_DECLINE_REASONS, REVIEW_DECLINE_CODES, DEFAULT_FOUR_EYES_ABOVE,
  type ReviewBounds, type ReviewedTerms, type ReviewedOffer, type ReviewDeclineReason,
} from './reviewedOffer.js';
export { computeCreditLimit, type LimitInput, type CreditLimit, type LimitBinding } from './creditLimit.js';
export { decideApplication, type CreditDecision, type DecisionOutcome, type DecisionReason } from './decideApplication.js';

// Post-loan: early warning, behaviour score, renewal, reminders.
export {
  earlyWarning, behaviourScore, behaviourFeatures, validateSignals, warningRank, DEFAULT_WARNING_POLICY, WARNING_LEVELS,
  type BehaviourSignals, type WarningLevel, type WarningPolicy, type WarningReason, type EarlyWarning,
} from './earlyWarning.js';
export {
  yearlyReview, validateYearlyReviewPolicy, DEFAULT_YEARLY_REVIEW_POLICY,
  type YearlyReview, type YearlyReviewInput, type YearlyReviewOutcome, type YearlyReviewPolicy,
} from './yearlyReview.js';
export { screenRenewal, DEFAULT_RENEWAL_POLICY, type RenewalPolicy, type RenewalInput, type RenewalScreen } from './screenRenewal.js';
export {
  planReminders, reminderKey, REMINDER_STEPS, DEFAULT_CONTACT_RULES,
  type ReminderKind, type ContactChannel, type ReminderInstallment, type ReminderLoan, type ContactRecord, type ContactRules, type PlannedReminder, type ReminderPlan,
} from './planReminders.js';
export {
  decideContact, nextInWindow, parseContactPolicy, DEFAULT_CONTACT_POLICY, EARLIEST_CONTACT_MINUTE, LATEST_CONTACT_MINUTE,
  type ContactPolicy, type ContactAttempt, type ContactDecision,
} from './contactPolicy.js';

// Working hours and service levels (work orders' deadlines), on the Shanghai calendar.
export {
  addBusinessMinutes, businessMinutesBetween, isBusinessDay, isBusinessDate, isWithinBusinessHours, validateBusinessCalendar, DEFAULT_BUSINESS_CALENDAR,
  type BusinessCalendar,
} from './businessHours.js';
export { serviceDeadlines, deadline, type ServiceLevel, type WarningLead, type Deadline, type ServiceDeadlines } from './serviceDeadlines.js';

// Demo and synthetic data (generated test identities; not real people).
export { DEMO_PERSONAS, DEMO_AS_OF, demoPersona, type DemoPersona, type DemoPersonaKey } from './demoPersonas.js';
export { createPrng, type Prng } from './prng.js';
export { syntheticApplicant, type SyntheticApplicantOptions } from './syntheticApplicant.js';
