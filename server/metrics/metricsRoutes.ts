import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { MetricsConfig } from '../config/index.js';
import { bearerAuth } from '../http/bearerAuth.js';
import type { KuaidaiMetrics } from './kuaidaiMetrics.js';
import { listenForMetrics, type MetricsServer } from './metricsServer.js';
import type { ScrapeSource } from './scrapeGauges.js';
import { PUBLIC, doc } from '../http/apiSchemas.js';

/**
 * GET /metrics for Prometheus, as configured (docs/operations.md):
 * - on the main port when METRICS_TOKEN is set (a bearer token), or in development and test mode
 *   without METRICS_PORT (open: development listens on loopback only); production without a token
 *   does not serve it there (404), fail-closed;
 * - on METRICS_PORT (METRICS_HOST, 127.0.0.1 by default) without a token, started when the app
 *   listens — except in a cluster worker, whose primary serves the workers' sum (serveClusterMetrics).
 * The scrape-time gauges read `source` while the app is open.
 */
export function metricsRoutes(app: FastifyInstance, deps: { metrics: KuaidaiMetrics; config: MetricsConfig; source: ScrapeSource }): void {
  const { metrics, config } = deps;
  const unwatch = metrics.watch(deps.source);
  app.addHook('onClose', async () => unwatch());
  const render = () => metrics.render(deps.source);
  if (config.mainPort !== 'off') {
    const schema = doc('operations', 'Prometheus metrics: turns, effects, outbox, jobs, database, event loop · 监控指标', config.mainPort === 'token' ? [{ metricsToken: [] }] : PUBLIC);
    app.get('/metrics', { onRequest: bearerAuth(config.mainPort === 'token' ? config.token : undefined, 'metrics'), schema }, async (_request, reply) => {
      const { contentType, body } = await render();
      return reply.header('cache-control', 'no-store').type(contentType).send(body);
    });
  }
  if (config.port !== undefined && !cluster.isWorker) {
    const { port, host } = config;
    let server: MetricsServer | undefined;
    app.addHook('onListen', async () => {
      server ??= await listenForMetrics(port, host, render);
      app.log.info({ metrics: `http://${host.includes(':') ? `[${host}]` : host}:${server.port}/metrics` }, 'metrics served on their own port');
    });
    app.addHook('onClose', async () => server?.close());
  }
}
