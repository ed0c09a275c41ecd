import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffRole } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { readCookie } from '../channels/web/webSessions.js';
import type { StaffPrincipal, StaffSessions } from '../staff/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is acting on a staff route (set by staffAuth's hooks). */
    staff?: StaffPrincipal;
  }
}

/** The staff console's session cookie. */
export const STAFF_COOKIE = 'kd_staff';
/** The header a state-changing request made with the session cookie carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

const digest = (s: string) => createHash('sha256').update(s).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface StaffAuthDeps {
  readonly sessions: StaffSessions;
  /** STAFF_API_TOKEN and the service account its requests act as (machine clients). */
  readonly service?: { readonly token: string; readonly principal: StaffPrincipal } | undefined;
  /** The local command line's token (`npm run staff`), accepted from loopback only, acting as an admin. */
  readonly local?: { readonly token: string; readonly principal: StaffPrincipal } | undefined;
}

/**
 * Who may use a staff route, checked on the server for every request: a staff session cookie (a
 * person in the console; a state-changing request must also carry the session's CSRF token), or a
 * bearer token (STAFF_API_TOKEN: the named service account; the local command line's token from
 * loopback). No staff route answers without one, in any mode. `require(...roles)` makes an
 * onRequest hook admitting anyone with at least one of `roles`.
 */
export function staffAuth(deps: StaffAuthDeps) {
  const bearer = (header: string | undefined): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  const same = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));
  const loopback = (ip: string) => ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';

  async function principalOf(request: FastifyRequest): Promise<StaffPrincipal> {
    const token = bearer(request.headers.authorization);
    if (token !== undefined) {
      if (deps.service && same(token, deps.service.token)) return deps.service.principal;
      if (deps.local && loopback(request.socket.remoteAddress ?? '') && same(token, deps.local.token)) return deps.local.principal;
      throw new AppError('UNAUTHORIZED');
    }
    const principal = await deps.sessions.find(readCookie(request.headers.cookie, STAFF_COOKIE));
    if (!principal?.sessionId) throw new AppError('UNAUTHORIZED');
    // The cookie is sent by the browser on its own; only our page knows the token (SameSite=Strict as well).
    if (!SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER];
      if (!deps.sessions.csrfMatches(principal.sessionId, typeof given === 'string' ? given : undefined)) throw new AppError('CSRF_FAILED');
    }
    return principal;
  }

  return {
    principalOf,
    /** An onRequest hook: a staff member with at least one of `roles` (any staff member when none are named). */
    require(...roles: StaffRole[]) {
      return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
        let principal: StaffPrincipal;
        try {
          principal = await principalOf(request);
        } catch (e) {
          if (e instanceof AppError && e.code === 'UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer realm="kuaidai-staff"');
          throw e;
        }
        if (roles.length && !roles.some((r) => principal.roles.includes(r))) throw new AppError('FORBIDDEN', { reason: `this needs one of the roles ${roles.join(', ')}` });
        request.staff = principal;
      };
    },
  };
}

export type StaffAuth = ReturnType<typeof staffAuth>;
