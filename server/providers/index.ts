/** server/providers: the interfaces a bank implements to connect its systems, and the sandbox set. */
export type {
  BankDataProvider, BehaviourDataProvider, BehaviourObservation, BehaviourQuery, ConsentEvidence, CreditBureauProvider, DataQuery, GovernmentDataProvider, IdentityQuery, IdentityVerifier,
  PaymentGateway, PaymentKind, PaymentRequest, PaymentResult, ProviderResult, Providers, SmsNotice, SmsResult, SmsSender,
} from './types.js';
export { createProviders, createSandboxProviders, type SandboxProviders } from './createProviders.js';
export { SandboxBankData, SandboxCreditBureau, SandboxGovernmentData } from './sandboxDataProviders.js';
export { SandboxBehaviourData } from './sandboxBehaviourData.js';
export { SandboxIdentityVerifier } from './sandboxIdentityVerifier.js';
export { SandboxSmsSender } from './sandboxSmsSender.js';
export { SANDBOX_CARD_BALANCE, SANDBOX_INSUFFICIENT_FUNDS_FEN, SandboxPaymentGateway } from './sandboxPaymentGateway.js';
export { sandboxFileFor, type SandboxFile } from './sandboxFiles.js';
