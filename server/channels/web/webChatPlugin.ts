import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { web } from '../../../bots/index.js';
import { systemClock, type Clock } from '../../clock.js';
import { ConfigError, type Config } from '../../config/index.js';
import type { PrismaClient } from '../../db/index.js';
import { AppError } from '../../errors.js';
import { PAGE_HEADERS, sharedPageAssets, WEB_CHAT_PAGE } from '../../http/pageAssets.js';
import { clientOrigin } from '../../http/clientOrigin.js';
import type { RequestLimits } from '../../http/rateLimits.js';
import type { ConversationRuntime, OutboxDeliverer, PushSignal } from '../../runtime/index.js';
import { DEFAULT_LIMITS, WebChannel, type WebChannelLimits } from './webChannel.js';
import { readCookie, sessionCookie, WebSessions, type IssuedSession, type WebSession } from './webSessions.js';
import { PUBLIC, doc } from '../../http/apiSchemas.js';
import { zodValidatorCompiler } from '../../http/zodValidation.js';

export interface WebChatDeps {
  readonly runtime: ConversationRuntime;
  /** Later messages (staff, deadlines) reach open sockets through the outbox: the plugin registers the 'web' sender on it. */
  readonly outbox?: OutboxDeliverer;
  /** Several server processes (PostgreSQL): how one tells the others that a borrower has later messages. */
  readonly push?: PushSignal;
  readonly config: Pick<Config, 'env' | 'web' | 'publicBaseUrl'>;
  /** Where the borrower sessions are kept (the app's database). */
  readonly prisma: PrismaClient;
  /** Session expiry; the business clock by default. */
  readonly clock?: Clock;
  /** Overrides of the per-socket limits not in the configuration (tests). */
  readonly limits?: Partial<WebChannelLimits>;
  /** Counts each session issued to a browser without one against its address (RATE_LIMIT_NEW_SESSIONS_PER_IP). */
  readonly newSessions?: Pick<RequestLimits, 'newSession'>;
}

const hostOf = (origin: string): string | undefined => {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
};

/** Where the page opens its socket. */
export const WEB_SOCKET_PATH = '/ws/chat';
/** Issues a session cookie when the request has no valid one, and tells the page its session tag. */
export const WEB_SESSION_PATH = '/api/web/session';

/**
 * The web chat: the page at `/` (and its hashed assets), the server-side session and its cookie,
 * logout and session renewal, and the websocket at /ws/chat that serves the conversation of the
 * session's user. Registers @fastify/websocket on the app (once) with the frame size limit, and the
 * 'web' sender on the outbox. Returns the channel (open sockets, for metrics and tests). Wiring, in
 * buildApp: `await webChatPlugin(app, { runtime, outbox, config, prisma })`.
 */
export async function webChatPlugin(app: FastifyInstance, deps: WebChatDeps): Promise<WebChannel> {
  const settings = deps.config.web;
  if (!settings.sessionSecret) {
    throw new ConfigError('SESSION_SECRET', 'is required in production: it signs the web chat session cookies (at least 32 random characters, e.g. `openssl rand -base64 32`)');
  }
  if (settings.sessionSecretIsDevelopmentDefault && deps.config.env === 'development') {
    app.log.warn('SESSION_SECRET is not set: web chat sessions are signed with the public development secret');
  }
  const clock = deps.clock ?? systemClock;
  const sessions = new WebSessions(deps.prisma, clock, { secret: settings.sessionSecret, idleMs: settings.sessionIdleMs, maxMs: settings.sessionMaxMs });
  const assets = await sharedPageAssets(WEB_CHAT_PAGE);
  const { spec } = deps.runtime;
  const channel = new WebChannel({
    runtime: deps.runtime,
    logger: app.log,
    ...(spec.welcome ? { welcome: (locale: 'zh' | 'en') => spec.welcome!(locale) } : {}),
    ...(deps.push ? { push: deps.push } : {}),
    sessions,
    limits: {
      ...DEFAULT_LIMITS,
      maxFrameBytes: settings.maxFrameBytes,
      ratePerSec: settings.ratePerSec,
      rateBurst: settings.rateBurst,
      maxSocketsPerSession: settings.maxSocketsPerSession,
      ...deps.limits,
    },
  });
  deps.outbox?.register(channel);
  // Before @fastify/websocket's own preClose (which closes sockets without a code): pages see 1001 and reconnect.
  app.addHook('preClose', async () => channel.close(web.CLOSE.GOING_AWAY, 'server restarting'));
  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload: settings.maxFrameBytes, perMessageDeflate: false } });
  }

  const allowedOrigin = new URL(deps.config.publicBaseUrl).origin;

  /** Browsers always send Origin on a websocket and a POST; a page of another site must not ride the cookie. */
  const fromThisSite = (request: FastifyRequest): boolean => {
    const origin = request.headers.origin;
    return origin === undefined || origin === allowedOrigin || hostOf(origin) === request.headers.host;
  };
  const cookieOf = (request: FastifyRequest): string | undefined => readCookie(request.headers.cookie, settings.cookieName);
  /** Secure in production whatever the request claims. */
  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number): void => {
    const secure = deps.config.env === 'production' || request.protocol === 'https';
    void reply.header('set-cookie', sessionCookie(settings.cookieName, token, { maxAgeMs, secure }));
  };
  // The cookie lives as long as the session could (from when it began); the server enforces the rest.
  const issued = (request: FastifyRequest, reply: FastifyReply, { session, token }: IssuedSession): WebSession => {
    setCookie(request, reply, token, session.expiresAt - session.createdAt);
    return session;
  };

  /**
   * The request's valid session, or a new anonymous one with a new user (so a new conversation: a
   * stale, revoked or copied-after-logout cookie never reaches the old chat), counted against the
   * address so minting sessions cannot get round the per-socket limits.
   */
  const pageSession = async (request: FastifyRequest, reply: FastifyReply): Promise<WebSession> => {
    void reply.header('cache-control', 'no-store');
    const session = await sessions.find(cookieOf(request));
    if (session) return session;
    await deps.newSessions?.newSession(request, reply);
    return issued(request, reply, await sessions.start());
  };
  const describe = (session: WebSession) => ({ session: WebSessions.tagOf(session.userId), expiresAt: new Date(session.expiresAt).toISOString() });

  const api = app.withTypeProvider<ZodTypeProvider>();
  app.get('/', { schema: { ...doc('web-chat', 'The web chat page (HTML); starts a session cookie · 网页聊天', PUBLIC) } }, async (request, reply) => {
    await pageSession(request, reply);
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(assets.html);
  });

  // Hashed static files of the page, not an API.
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.files.get(request.params.name);
    if (!asset) throw new AppError('NOT_FOUND', { method: 'GET', url: request.url });
    return reply.header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').type(asset.type).send(asset.body);
  });

  app.get(WEB_SESSION_PATH, { schema: { ...doc('web-chat', 'The page’s session: its tag and expiry (issued when absent) · 会话', PUBLIC) } }, async (request, reply) => describe(await pageSession(request, reply)));

  // The page exchanges the ticket of a `session` frame (sent after the borrower verified an SMS code) for the new cookie.
  const renewSchema = {
    ...doc('web-chat', 'Exchange the ticket of a `session` frame (after an SMS code) for the new cookie · 续期会话', PUBLIC, 'Pages of this site only.'),
    body: web.sessionRenewSchema,
  };
  // The site is checked before the body is.
  const renewFromThisSite = async (request: FastifyRequest) => {
    if (!fromThisSite(request)) throw new AppError('FORBIDDEN', { reason: 'sessions are renewed only by pages of this site' });
  };
  // Its own validator too: the plugin also runs on apps without the API docs (useZodSchemas).
  api.post(web.SESSION_RENEW_PATH, { preValidation: renewFromThisSite, schema: renewSchema, validatorCompiler: zodValidatorCompiler as unknown as FastifySchemaCompiler<typeof renewSchema> }, async (request, reply) => {
    const { ticket } = request.body;
    const renewed = await sessions.redeem(ticket);
    if (!renewed) throw new AppError('UNAUTHORIZED');
    void reply.header('cache-control', 'no-store');
    return describe(issued(request, reply, renewed));
  });

  // Logout: the session is revoked (the cookie, wherever copied, is refused from now on), its sockets closed, the cookie cleared.
  app.post(web.LOGOUT_PATH, { schema: { ...doc('web-chat', 'Log out: the session is revoked, its sockets closed, the cookie cleared · 退出', PUBLIC, 'Pages of this site only.') } }, async (request, reply) => {
    if (!fromThisSite(request)) throw new AppError('FORBIDDEN', { reason: 'logout is only for pages of this site' });
    const id = sessions.idOf(cookieOf(request));
    if (id === undefined) throw new AppError('UNAUTHORIZED');
    const revoked = await sessions.revoke(id, 'logout');
    if (revoked) channel.closeSession(revoked.userId, id, web.CLOSE.LOGGED_OUT, 'logged out');
    setCookie(request, reply, '', 0);
    return reply.header('cache-control', 'no-store').code(204).send();
  });

  /** The session each upgraded request was checked with. */
  const upgraded = new WeakMap<FastifyRequest, WebSession>();

  app.route({
    method: 'GET',
    url: WEB_SOCKET_PATH,
    // The page's websocket (bots/web/protocol.ts), which OpenAPI cannot describe; a plain GET only answers 426.
    schema: { hide: true },
    // Checked before the upgrade: without a valid session cookie (or from another site's page) there is no socket.
    preValidation: async (request) => {
      if (!fromThisSite(request)) throw new AppError('FORBIDDEN', { reason: 'the web chat socket only serves pages of this site' });
      const session = await sessions.find(cookieOf(request));
      if (!session) throw new AppError('UNAUTHORIZED');
      upgraded.set(request, session);
    },
    handler: async (_request, reply) => reply.code(426).header('upgrade', 'websocket').send({ error: { code: 'UPGRADE_REQUIRED', message: `${WEB_SOCKET_PATH} is a websocket` } }),
    wsHandler: (socket, request) => {
      const session = upgraded.get(request);
      if (session) channel.accept(socket, session, clientOrigin(app, request), request.id);
      else socket.close(web.CLOSE.POLICY, 'session expired');
    },
  });

  return channel;
}
