/** server/services: the FlowEffects the conversation machines call, on the database and the providers. */
export { createFlowEffects } from './createFlowEffects.js';
export { DEFAULT_SERVICE_OPTIONS, serviceOptionsFromConfig, type FlowEffectsDeps, type ServiceOptions } from './serviceDeps.js';
export { planRepayment } from './repaymentService.js';
export { createPaymentRecovery, type PaymentRecovery, type PaymentRecoveryDeps, type RecoverySummary } from './paymentRecovery.js';
export { checkBooks, type Discrepancy } from './checkBooks.js';
export { loadLine, saveLine, laterOf, type LoadedLine } from './creditLineStore.js';
export { inTransaction, audit, fromDbDate, toDbDate, toFen, toBigFen, type Tx } from './persistence.js';
