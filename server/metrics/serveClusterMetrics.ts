import { AggregatorRegistry } from 'prom-client';
import { listenForMetrics, type MetricsServer } from './metricsServer.js';

/**
 * For the primary of a node:cluster (KUAIDAI_WORKERS > 1): serves `GET /metrics` on `port`/`host`
 * with every worker's metrics aggregated (counters and histograms summed; database-wide gauges
 * their max; event-loop lag averaged). Workers need nothing but `processMetrics()`, which the app
 * calls when it builds; a worker that does not answer within 5 s fails the scrape (500).
 */
export function serveClusterMetrics(port: number, host: string): Promise<MetricsServer> {
  const aggregator = new AggregatorRegistry();
  return listenForMetrics(port, host, async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }));
}
