import { parseContactPolicy, type ContactPolicy } from '../../core/index.js';
import { ConfigError } from './configError.js';

/** The contact rules every post-loan message obeys, and the official account's template-message ids. */
export interface ContactConfig {
  readonly policy: ContactPolicy;
  /**
   * Template ids (the WeChat console's 模板消息) for notices outside the 48-hour customer-service window:
   * `reminder` before and on the due date, `overdue` after. Unset: such a borrower gets an SMS instead.
   */
  readonly officialAccountTemplates: { readonly reminder?: string; readonly overdue?: string };
}

export interface ContactSettings {
  readonly CONTACT_WINDOW: string;
  readonly CONTACT_MAX_PER_DAY: number;
  readonly CONTACT_MAX_PER_WEEK: number;
  readonly OA_TEMPLATE_REMINDER?: string | undefined;
  readonly OA_TEMPLATE_OVERDUE?: string | undefined;
}

/** CONTACT_WINDOW (`08:00-21:00`, never reaching into 22:00–08:00), CONTACT_MAX_PER_DAY, CONTACT_MAX_PER_WEEK, OA_TEMPLATE_*. */
export function parseContactSettings(raw: ContactSettings): ContactConfig {
  const policy = parseContactPolicy(raw.CONTACT_WINDOW, raw.CONTACT_MAX_PER_DAY, raw.CONTACT_MAX_PER_WEEK);
  if (!policy.ok) {
    const setting = policy.error.field === 'maxPerDay' ? 'CONTACT_MAX_PER_DAY' : policy.error.field === 'maxPerWeek' ? 'CONTACT_MAX_PER_WEEK' : 'CONTACT_WINDOW';
    throw new ConfigError(setting, policy.error.message);
  }
  return {
    policy: policy.value,
    officialAccountTemplates: { ...(raw.OA_TEMPLATE_REMINDER ? { reminder: raw.OA_TEMPLATE_REMINDER } : {}), ...(raw.OA_TEMPLATE_OVERDUE ? { overdue: raw.OA_TEMPLATE_OVERDUE } : {}) },
  };
}
