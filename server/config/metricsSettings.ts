import { ConfigError } from './configError.js';
import { isLoopback } from './failClosed.js';

/** Where GET /metrics is served (server/metrics/metricsRoutes.ts, docs/operations.md). */
export interface MetricsConfig {
  /** METRICS_TOKEN: the bearer token /metrics on the main port requires. */
  readonly token: string | undefined;
  /** METRICS_PORT: a port of its own serving /metrics without a token; undefined: none. */
  readonly port: number | undefined;
  /** METRICS_HOST: the address METRICS_PORT listens on (127.0.0.1). */
  readonly host: string;
  /**
   * The main port: `token` — served, bearer token required; `open` — served without one (development
   * and test mode without METRICS_PORT: they listen on loopback only); `off` — not served (404).
   */
  readonly mainPort: 'token' | 'open' | 'off';
}

/**
 * Fail-closed: production serves /metrics on the main port only with METRICS_TOKEN, and on
 * METRICS_PORT wherever METRICS_HOST says (the operator's network decides who reaches it); without
 * either there are no metrics. Development keeps METRICS_HOST on loopback, like HOST.
 */
export function parseMetricsSettings(
  raw: { readonly METRICS_TOKEN?: string | undefined; readonly METRICS_PORT?: number | undefined; readonly METRICS_HOST: string; readonly PORT: number },
  envName: 'development' | 'test' | 'production',
): MetricsConfig {
  if (raw.METRICS_PORT !== undefined && raw.METRICS_PORT !== 0 && raw.METRICS_PORT === raw.PORT) {
    throw new ConfigError('METRICS_PORT', `is PORT itself (${raw.PORT}); give the metrics a port of their own, or leave it unset and set METRICS_TOKEN`);
  }
  if (envName !== 'production' && raw.METRICS_PORT !== undefined && !isLoopback(raw.METRICS_HOST)) {
    throw new ConfigError('METRICS_HOST', `${raw.METRICS_HOST} serves beyond this machine, which development mode refuses; leave METRICS_HOST at 127.0.0.1 or set KUAIDAI_ENV=production`);
  }
  const mainPort = raw.METRICS_TOKEN !== undefined ? 'token' : envName === 'production' || raw.METRICS_PORT !== undefined ? 'off' : 'open';
  return { token: raw.METRICS_TOKEN, port: raw.METRICS_PORT, host: raw.METRICS_HOST, mainPort };
}
