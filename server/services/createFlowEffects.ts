import type { FlowEffects } from '../../flows/host.js';
import { accountEffects } from './accountService.js';
import { applicationEffects } from './applicationService.js';
import { consentEffects } from './consentService.js';
import { dataPullEffects } from './dataPullService.js';
import { decisionEffects } from './decisionService.js';
import { drawdownEffects } from './drawdownService.js';
import { handoffEffects } from './handoffService.js';
import { marketingPreferenceEffects } from './marketingPreferenceService.js';
import { offerEffects } from './offerService.js';
import { otpEffects } from './otpService.js';
import { precreditEffects } from './precreditActivation.js';
import { renewalEffects } from './renewalService.js';
import { repaymentEffects } from './repaymentService.js';
import { serviceContext, type FlowEffectsDeps } from './serviceDeps.js';
import { workOrderEffects } from './workOrderEffects.js';

/**
 * The effects the conversation machines call (flows/host.ts), on the database and the configured
 * providers. Each group lives in its own service file; all of them take time from the input's
 * `at`, never from the system clock.
 */
export function createFlowEffects(deps: FlowEffectsDeps): FlowEffects {
  const ctx = serviceContext(deps);
  return {
    ...otpEffects(ctx),
    ...applicationEffects(ctx),
    ...precreditEffects(ctx),
    ...consentEffects(ctx),
    ...dataPullEffects(ctx),
    ...decisionEffects(ctx),
    ...offerEffects(ctx),
    ...accountEffects(ctx),
    ...drawdownEffects(ctx),
    ...repaymentEffects(ctx),
    ...handoffEffects(ctx),
    ...workOrderEffects(ctx),
    ...marketingPreferenceEffects(ctx),
    ...renewalEffects(ctx),
  };
}
