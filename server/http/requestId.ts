import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

// What a gateway's id looks like (UUIDs, hex, dotted or colon-separated trace ids); anything else is replaced, never logged.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify options giving every request an id: the caller's `X-Request-Id` when it looks like one,
 * else a new UUID. Logged as `reqId` (fastify's label) on the request's lines and on its conversation turn's.
 */
export function requestIdOptions() {
  return {
    requestIdHeader: false as const,
    genReqId: (request: IncomingMessage): string => {
      const given = request.headers[REQUEST_ID_HEADER];
      return typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
    },
  };
}

/** Every response says its request's id (`X-Request-Id`), errors and 404s included, so a borrower's report can be found in the logs. */
export function echoRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
