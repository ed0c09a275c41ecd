import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimitsConfig } from '../config/index.js';
import { readCookie } from '../channels/web/webSessions.js';
import { AppError } from '../errors.js';

/** What a limited route counts a request against, besides the client address. */
interface RoutePolicy {
  /** The bearer token (after authentication: a wrong token is the address's problem). */
  readonly token?: boolean;
  /** The user the request acts as, when the route names one. */
  readonly user?: (request: FastifyRequest) => string | undefined;
}

const stringField = (source: unknown, name: string): string | undefined => {
  const value = typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && value ? value : undefined;
};

const CHAT: RoutePolicy = { token: true, user: (r) => ((id) => id && `chat:${id}`)(stringField(r.body, 'userId') ?? stringField(r.query, 'userId')) };
// Per staff session (the console's cookie, hashed); the login itself per address and per username typed.
const STAFF: RoutePolicy = {
  token: true,
  user: (r) => {
    const session = readCookie(r.headers.cookie, 'kd_staff');
    if (session) return `staff:${createHash('sha256').update(session).digest('base64url').slice(0, 22)}`;
    return ((name) => name && `staff-login:${name.trim().toLowerCase()}`)(stringField(r.body, 'username'));
  },
};
const ADDRESS_ONLY: RoutePolicy = {};

/**
 * Every limited route, by its path: REST chat, the quote calculator, the staff API, the web chat's
 * session and socket, and the official-account callback (whose openid is counted inside the route,
 * once the message is opened). Health checks and static assets are not limited.
 */
function policyOf(url: string | undefined, callbackPaths: ReadonlySet<string>): RoutePolicy | undefined {
  if (url === undefined) return undefined;
  if (url === '/api/v1/chat' || url === '/api/v1/chat/messages') return CHAT;
  if (url.startsWith('/api/v1/staff/')) return STAFF;
  if (url === '/api/v1/quote' || url === '/api/web/session' || url === '/api/web/session/renew' || url === '/api/web/logout' || url === '/ws/chat' || url === '/') return ADDRESS_ONLY;
  return callbackPaths.has(url) ? ADDRESS_ONLY : undefined;
}

/** Counts requests; past a budget the request is refused 429 RATE_LIMITED with Retry-After. */
export interface RequestLimits {
  /** Counts the request against `userKey` (a route that learns its user late: the official-account callback). */
  user(request: FastifyRequest, reply: FastifyReply, userKey: string): Promise<void>;
  /** Counts a web session about to be issued against the client address. */
  newSession(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

const tokenKey = (authorization: string): string => `token:${createHash('sha256').update(authorization).digest('base64url').slice(0, 22)}`;

/**
 * Installs the limits on the app (before its routes): per client address on `onRequest` (before
 * authentication and before a body is read), per bearer token and per user on `preHandler` (the
 * token checked, the body parsed). Budgets are per window and per process (@fastify/rate-limit's
 * in-memory store): N instances allow N times as much, which the bank's gateway bounds
 * (docs/security.md). Client addresses are only as good as TRUST_PROXY.
 */
export async function installRateLimits(app: FastifyInstance, settings: RateLimitsConfig, options: { callbackPaths?: readonly string[] } = {}): Promise<RequestLimits> {
  await app.register(rateLimit, { global: false });
  const callbackPaths = new Set(options.callbackPaths ?? []);
  const keys = new WeakMap<FastifyRequest, string>();
  const limiter = (max: number) =>
    app.createRateLimit({ max, timeWindow: settings.windowMs, keyGenerator: (request: FastifyRequest) => keys.get(request) ?? `ip:${request.ip}` });
  const byIp = limiter(settings.perIp);
  const byToken = limiter(settings.perToken);
  const byUser = limiter(settings.perUser);
  const byStaffSession = limiter(settings.perStaffSession);
  const bySession = limiter(settings.newSessionsPerIp);

  const count = async (check: ReturnType<typeof limiter>, request: FastifyRequest, reply: FastifyReply, key: string): Promise<void> => {
    keys.set(request, key);
    const result = await check(request);
    if (result.isAllowed || !result.isExceeded) return;
    void reply.header('retry-after', String(result.ttlInSeconds));
    throw new AppError('RATE_LIMITED');
  };

  app.addHook('onRequest', async (request, reply) => {
    if (policyOf(request.routeOptions.url, callbackPaths)) await count(byIp, request, reply, `ip:${request.ip}`);
  });
  app.addHook('preHandler', async (request, reply) => {
    const policy = policyOf(request.routeOptions.url, callbackPaths);
    if (!policy) return;
    const authorization = request.headers.authorization;
    if (policy.token && authorization) await count(byToken, request, reply, tokenKey(authorization));
    const user = policy.user?.(request);
    // A console session works all day (many reads per minute); the login is counted per username as a user.
    if (user) await count(user.startsWith('staff:') ? byStaffSession : byUser, request, reply, user);
  });

  return {
    user: (request, reply, userKey) => count(byUser, request, reply, userKey),
    newSession: (request, reply) => count(bySession, request, reply, `session:${request.ip}`),
  };
}
