export { loadConfig, parseDatabaseUrl, ConfigError, CONFIG_SETTINGS } from './loadConfig.js';
export type { Config, DatabaseTarget, WebChatConfig, WechatyConfig, OfficialAccountConfig, WecomConfig } from './loadConfig.js';
