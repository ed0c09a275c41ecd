export { loadConfig, parseDatabaseUrl, ConfigError, CONFIG_SETTINGS } from './loadConfig.js';
export type { Config, DatabaseTarget } from './loadConfig.js';
