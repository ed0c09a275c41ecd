export { loadConfig, parseDatabaseUrl, ConfigError, CONFIG_SETTINGS } from './loadConfig.js';
export { armedCrashPoints } from './crashPoints.js';
export { clusterWorkerEnv, workerFromPrimary, workerIndexEnv } from './workerSettings.js';
export { DEFAULT_WORK_ORDER_CONFIG, DEFAULT_WORK_ORDER_SLA, WORK_ORDER_KINDS, parseWorkOrderSettings, type WorkOrderConfig, type WorkOrderKind } from './workOrderSettings.js';
export type { Config, DatabaseTarget, WebChatConfig, WechatyConfig, OfficialAccountConfig, WecomConfig, HttpLimitsConfig, RateLimitsConfig } from './loadConfig.js';
export { parseContactSettings, type ContactConfig } from './contactSettings.js';
export type { MetricsConfig } from './metricsSettings.js';
export type { RetentionConfig } from './retentionSettings.js';
