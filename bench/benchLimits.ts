/**
 * A benchmark loads one server from one address (127.0.0.1), often with one token: with the rate and
 * connection limits of a real deployment (server/http/rateLimits.ts, HTTP_MAX_CONNECTIONS) it would
 * measure the limits. Every bench starts its server with these settings on top of its own.
 */
export const BENCH_LIMITS: Readonly<Record<string, string>> = {
  RATE_LIMIT_PER_IP: '10000000',
  RATE_LIMIT_PER_TOKEN: '10000000',
  RATE_LIMIT_PER_USER: '1000000',
  RATE_LIMIT_NEW_SESSIONS_PER_IP: '1000000',
  HTTP_MAX_CONNECTIONS: '1000000',
  // SMS codes sent per client address per hour (the application's and the step-up's): every borrower comes from 127.0.0.1.
  SMS_MAX_PER_ADDRESS_PER_HOUR: '100000',
};
