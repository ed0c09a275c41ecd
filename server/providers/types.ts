import type {
  BankRelationship,
  BusinessRegistryRecord,
  BusinessStatus,
  CreditBureauReport,
  DataSource,
  EnterpriseIdentity,
  Fen,
  HousingFundRecord,
  IdentityVerification,
  IsoDate,
  PersonIdentity,
  SocialSecurityRecord,
  TaxRecord,
  WatchlistCheck,
} from '../../core/index.js';

/**
 * What a bank implements to connect Kuaidai to its own systems (docs/providers.md). The services
 * call these only after the checks the law asks for (a data pull only with a recorded, unrevoked
 * consent). Expected outcomes are values; a thrown error counts as "provider unavailable".
 */

/** The borrower's authorisation a data source may ask to see (the bureau keeps it as evidence). */
export interface ConsentEvidence {
  readonly consentId: string;
  readonly source: DataSource;
  readonly textVersion: string;
  /** SHA-256 (hex) of the exact text the borrower agreed to. */
  readonly textHash: string;
  readonly grantedAt: number;
}

/** Who a query is about, with the consent that allows it and the moment (epoch ms) it is made. */
export interface DataQuery {
  readonly person: PersonIdentity;
  readonly enterprise?: EnterpriseIdentity;
  readonly consent: ConsentEvidence;
  readonly at: number;
}

/**
 * A provider's answer. `data: null` means the source has no record for this person (no housing
 * fund account): the decision treats it as missing. `synthetic` marks sandbox data made up from
 * the ID number rather than a demo persona's file.
 */
export type ProviderResult<T> =
  | { readonly ok: true; readonly data: T | null; readonly synthetic?: boolean }
  | { readonly ok: false; readonly reason: 'unavailable' | 'rejected'; readonly detail: string };

/** The PBoC credit report, through a licensed bureau interface (征信). */
export interface CreditBureauProvider {
  readonly name: string;
  report(query: DataQuery): Promise<ProviderResult<CreditBureauReport>>;
}

/** Government data exchanges: housing fund, social security, tax, business registry. */
export interface GovernmentDataProvider {
  readonly name: string;
  housingFund(query: DataQuery): Promise<ProviderResult<HousingFundRecord>>;
  socialSecurity(query: DataQuery): Promise<ProviderResult<SocialSecurityRecord>>;
  /** Enterprise tax (by the enterprise's USCC when given), else the person's. */
  tax(query: DataQuery): Promise<ProviderResult<TaxRecord>>;
  /** Needs `enterprise` in the query; answers `data: null` without one. */
  businessRegistry(query: DataQuery): Promise<ProviderResult<BusinessRegistryRecord>>;
}

/** The bank's own customer data: deposits, payroll (代发工资), relationship length. */
export interface BankDataProvider {
  readonly name: string;
  relationship(query: DataQuery): Promise<ProviderResult<BankRelationship>>;
}

/**
 * Who the bank watches after disbursement (贷后监测), under the loan contract's post-loan clause: a
 * borrower with money out on a line. No new consent is asked; the bank reads its own records and
 * the monitoring feeds it subscribes to.
 */
export interface BehaviourQuery {
  readonly borrowerId: string;
  readonly idNumber: string;
  /** The enterprise's unified social credit code, for a business borrower. */
  readonly uscc?: string;
  /** The business date observed. */
  readonly asOf: IsoDate;
  readonly at: number;
}

/**
 * What the bank observes about a borrower after the loan, beyond its own repayment records; any
 * field absent = not observed. Amounts in fen. The early-warning batch turns this into core
 * BehaviourSignals.
 */
export interface BehaviourObservation {
  /** Deposits at the bank now and their 6-month average. */
  readonly depositBalance?: Fen;
  readonly depositAvg6m?: Fen;
  /** Lawsuits, enforcement or other court records since approval; the court defaulter list. */
  readonly newCourtRecords?: number;
  readonly courtDefaulter?: boolean;
  /** The enterprise's status in the business registry. */
  readonly businessStatus?: BusinessStatus;
  /** Lenders with unsettled credit at approval and now; hard inquiries in the last 3 months (credit bureau monitoring). */
  readonly unsettledLendersAtApproval?: number;
  readonly unsettledLendersNow?: number;
  readonly hardInquiries3m?: number;
}

/** Post-loan monitoring data (deposits, court, business registry, other lenders); `data: null` when the bank observes nothing for this borrower. */
export interface BehaviourDataProvider {
  readonly name: string;
  observe(query: BehaviourQuery): Promise<ProviderResult<BehaviourObservation>>;
}

/** Identity checks made on what the applicant submitted; they need no data-source consent. */
export interface IdentityQuery {
  readonly person: PersonIdentity;
  readonly at: number;
}

export interface IdentityVerifier {
  readonly name: string;
  /** Name + ID number against the public security record; mobile registered to the ID (operator 3-factor). */
  verify(query: IdentityQuery): Promise<ProviderResult<IdentityVerification>>;
  /** Court defaulter list (失信被执行人) and the bank's blacklist, on the ID number. */
  watchlist(query: IdentityQuery): Promise<ProviderResult<WatchlistCheck>>;
}

export type SmsResult = { readonly ok: true; readonly messageId: string } | { readonly ok: false; readonly reason: 'unavailable' | 'rejected'; readonly detail: string };

/** SMS gateway; verification codes go through the operator's approved template. */
export interface SmsSender {
  readonly name: string;
  sendVerificationCode(message: { readonly mobile: string; readonly code: string; readonly ttlMinutes: number; /** `drawdown`: the step-up before money moves (the text says so). */ readonly purpose?: 'verify_mobile' | 'drawdown' }): Promise<SmsResult>;
  /**
   * A post-loan notice (repayment reminder, overdue notice, …) to the borrower's own mobile, through
   * the operator's approved notice template. Idempotent by `key` (the contact's key): the same key
   * again sends nothing and answers the first result, so a contact retried after a crash is one SMS.
   */
  sendNotice(message: SmsNotice): Promise<SmsResult>;
}

export interface SmsNotice {
  readonly key: string;
  readonly mobile: string;
  /** The notice template's name (reminder.T-1, …): what the operator's template is chosen by. */
  readonly template: string;
  /** The words, rendered in the borrower's language. */
  readonly text: string;
}

export interface PaymentRequest {
  /** The same key always gives the same result and moves money at most once. */
  readonly idempotencyKey: string;
  readonly borrowerId: string;
  readonly amount: Fen;
  /** Our reference (drawdown or repayment id), shown on the statement. */
  readonly reference: string;
  readonly at: number;
}

export type PaymentResult =
  | {
      readonly ok: true;
      /** The gateway's payment reference. */
      readonly paymentRef: string;
      /** Fen actually moved: equal to the request except when a key is replayed with another amount (the first wins). */
      readonly amount: Fen;
      /** The card on file, masked (`6217 **** **** 0123`). */
      readonly card: string;
    }
  | { readonly ok: false; readonly reason: 'insufficient_funds' | 'card_missing' | 'declined' | 'unavailable'; readonly detail: string };

export type PaymentKind = 'disburse' | 'collect';

/**
 * Moves money to and from the borrower's card on file; both calls idempotent by key. The gateway
 * keeps its own record of every payment by (kind, key), durably, like a bank's payment system.
 */
export interface PaymentGateway {
  readonly name: string;
  /** Pays a drawdown out to the card on file. */
  disburse(request: PaymentRequest): Promise<PaymentResult>;
  /** Collects a repayment from the card on file (代扣). */
  collect(request: PaymentRequest): Promise<PaymentResult>;
  /**
   * The gateway's own record of a payment by key (a status query, 交易状态查询): the successful
   * result, exactly as `disburse`/`collect` returned or would replay it, or null when the gateway
   * never moved money under this key. The recovery job settles payments whose outcome was unknown
   * with it, so it must answer from the gateway's books, never guess; throw when it cannot tell.
   */
  lookup(kind: PaymentKind, idempotencyKey: string): Promise<PaymentResult | null>;
}

/** Everything the services call out to. */
export interface Providers {
  readonly creditBureau: CreditBureauProvider;
  readonly government: GovernmentDataProvider;
  readonly bank: BankDataProvider;
  /** Post-loan monitoring for early warning and the yearly review. */
  readonly behaviour: BehaviourDataProvider;
  readonly identity: IdentityVerifier;
  readonly sms: SmsSender;
  readonly payments: PaymentGateway;
}
