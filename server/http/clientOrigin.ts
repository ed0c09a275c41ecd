import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * The origin tag of a request: a keyed hash of the client's address (`request.ip`, which honours
 * TRUST_PROXY), so budgets per address (SMS codes) can count it without the address being stored.
 * Undefined when the app has no field cipher (a bare app in tests).
 */
export function clientOrigin(app: FastifyInstance, request: FastifyRequest): string | undefined {
  if (!app.hasDecorator('cipher')) return undefined;
  return app.cipher.lookupHash(`client-address:${request.ip}`).slice(0, 32);
}
