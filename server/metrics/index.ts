/** server/metrics: Prometheus metrics (GET /metrics, METRICS_PORT, the cluster primary's aggregate); docs/operations.md lists them. */
export { KuaidaiMetrics } from './kuaidaiMetrics.js';
export type { EffectResult, JobResult, DeliveryResult } from './kuaidaiMetrics.js';
export { processMetrics } from './processMetrics.js';
export { instrumentEffects } from './instrumentEffects.js';
export { metricsRoutes } from './metricsRoutes.js';
export { listenForMetrics } from './metricsServer.js';
export type { MetricsServer } from './metricsServer.js';
export { serveClusterMetrics } from './serveClusterMetrics.js';
export { SCRAPE_QUERY_TIMEOUT_MS } from './scrapeGauges.js';
export type { ScrapeSource } from './scrapeGauges.js';
