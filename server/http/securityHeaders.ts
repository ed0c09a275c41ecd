import type { FastifyInstance } from 'fastify';

/** One year: what HSTS preload lists ask for; the bank's gateway may add includeSubDomains for its own domain. */
const HSTS = 'max-age=31536000';

/**
 * Headers on every response, errors included: `Cache-Control: no-store` (borrowers' data stays out
 * of caches; a route that chose its own, like the hashed assets, keeps it), `nosniff`, and in
 * production HSTS, whatever scheme the request claims (behind the gateway it is always https).
 */
export function securityHeaders(app: FastifyInstance, options: { readonly hsts: boolean }): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    void reply.header('x-content-type-options', 'nosniff');
    if (options.hsts) void reply.header('strict-transport-security', HSTS);
    return payload;
  });
}
