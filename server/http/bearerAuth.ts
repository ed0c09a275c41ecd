import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * An onRequest hook requiring `Authorization: Bearer <token>` (compared in constant time). With no
 * token configured it lets everything through: the caller decides whether that is acceptable.
 */
export function bearerAuth(token: string | undefined, realm: string) {
  const expected = token === undefined ? undefined : digest(token);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!expected) return;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      void reply.header('www-authenticate', `Bearer realm="${realm}"`);
      throw new AppError('UNAUTHORIZED');
    }
  };
}
