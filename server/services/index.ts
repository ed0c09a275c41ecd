/** server/services: the FlowEffects the conversation machines call, on the database and the providers. */
export { createFlowEffects } from './createFlowEffects.js';
export { DEFAULT_SERVICE_OPTIONS, serviceOptionsFromConfig, type FlowEffectsDeps, type ServiceOptions } from './serviceDeps.js';
export { planRepayment } from './repaymentService.js';
