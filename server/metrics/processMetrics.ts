import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, register } from 'prom-client';
import { KuaidaiMetrics } from './kuaidaiMetrics.js';

let metrics: KuaidaiMetrics | undefined;

/**
 * This process's metrics, made once: prom-client's default registry (so a cluster primary can
 * aggregate its workers', serveClusterMetrics) with Node's default metrics — CPU, memory, heap,
 * GC, handles and event-loop lag (`nodejs_eventloop_lag_*`, from monitorEventLoopDelay) under their
 * standard names, which dashboards for Node expect — and ours, prefixed `kuaidai_`.
 */
export function processMetrics(): KuaidaiMetrics {
  if (metrics) return metrics;
  collectDefaultMetrics({ register, eventLoopMonitoringPrecision: 20 });
  metrics = new KuaidaiMetrics(register);
  // A worker answers the primary's requests for its metrics once an AggregatorRegistry exists in it (prom-client installs the listener then).
  if (cluster.isWorker) new AggregatorRegistry();
  return metrics;
}
