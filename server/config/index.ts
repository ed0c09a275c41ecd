export { loadConfig, parseDatabaseUrl, ConfigError, CONFIG_SETTINGS } from './loadConfig.js';
export { armedCrashPoints } from './crashPoints.js';
export type { Config, DatabaseTarget, WebChatConfig, WechatyConfig, OfficialAccountConfig, WecomConfig, HttpLimitsConfig, RateLimitsConfig } from './loadConfig.js';
