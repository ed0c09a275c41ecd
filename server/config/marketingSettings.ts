import { parseContactPolicy, type ContactPolicy } from '../../core/index.js';
import { ConfigError } from './configError.js';

/** Marketing (campaigns) as the bank configures it: its name, the sending window, caps and channel rates. */
export interface MarketingConfig {
  /** Put in front of every campaign message (广告法 art. 43: the advertiser is named). */
  readonly bankName: string;
  /** Window and per-person caps: only inside the window (Shanghai time), at most maxPerDay a day and maxPerWeek a rolling week. */
  readonly policy: ContactPolicy;
  /** Messages per second on the web chat and on the official account (WeCom robots are held to 20 a minute each by their client). */
  readonly ratePerSecond: { readonly web: number; readonly officialAccount: number };
  /** Template id for official-account followers outside WeChat's 48-hour window; unset: they are suppressed (oa_window), never spammed. */
  readonly officialAccountTemplate: string | undefined;
}

export interface MarketingSettings {
  readonly BANK_NAME: string;
  readonly MARKETING_WINDOW: string;
  readonly MARKETING_MAX_PER_DAY: number;
  readonly MARKETING_MAX_PER_WEEK: number;
  readonly CAMPAIGN_RATE_WEB: number;
  readonly CAMPAIGN_RATE_OA: number;
  readonly OA_TEMPLATE_MARKETING?: string | undefined;
}

/** Marketing never reaches into 21:00–08:00, whatever a bank configures (stricter than the service messages' 22:00). */
const LATEST_MARKETING_MINUTE = 21 * 60;

export function parseMarketingSettings(raw: MarketingSettings): MarketingConfig {
  const policy = parseContactPolicy(raw.MARKETING_WINDOW, raw.MARKETING_MAX_PER_DAY, raw.MARKETING_MAX_PER_WEEK);
  if (!policy.ok) {
    const setting = policy.error.field === 'maxPerDay' ? 'MARKETING_MAX_PER_DAY' : policy.error.field === 'maxPerWeek' ? 'MARKETING_MAX_PER_WEEK' : 'MARKETING_WINDOW';
    throw new ConfigError(setting, policy.error.message.replace('contact window', 'marketing window'));
  }
  if (policy.value.windowEnd > LATEST_MARKETING_MINUTE) throw new ConfigError('MARKETING_WINDOW', 'the marketing window must end by 21:00 (no marketing 21:00-08:00)');
  return {
    bankName: raw.BANK_NAME,
    policy: policy.value,
    ratePerSecond: { web: raw.CAMPAIGN_RATE_WEB, officialAccount: raw.CAMPAIGN_RATE_OA },
    officialAccountTemplate: raw.OA_TEMPLATE_MARKETING,
  };
}
