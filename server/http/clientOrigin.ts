import type { FastifyInstance, FastifyRequest } from 'fastify';

/** At most this many addresses' tags are kept per cipher; past it the memory starts afresh. */
const KEPT = 1_000;
/** Recent addresses' tags, per cipher: a keyed hash on every request cost ~1 % of the server's thread under load. */
const recent = new WeakMap<object, Map<string, string>>();

/**
 * The origin tag of a request: a keyed hash of the client's address (`request.ip`, which honours
 * TRUST_PROXY), so budgets per address (SMS codes) can count it without the address being stored.
 * Undefined when the app has no field cipher (a bare app in tests).
 */
export function clientOrigin(app: FastifyInstance, request: FastifyRequest): string | undefined {
  if (!app.hasDecorator('cipher')) return undefined;
  const cipher = app.cipher;
  let tags = recent.get(cipher);
  if (!tags) recent.set(cipher, (tags = new Map()));
  let tag = tags.get(request.ip);
  if (tag === undefined) {
    tag = cipher.lookupHash(`client-address:${request.ip}`).slice(0, 32);
    if (tags.size >= KEPT) tags.clear();
    tags.set(request.ip, tag);
  }
  return tag;
}
