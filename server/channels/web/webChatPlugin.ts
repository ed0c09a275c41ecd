import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { web } from '../../../bots/index.js';
import { systemClock, type Clock } from '../../clock.js';
import { ConfigError, type Config } from '../../config/index.js';
import { AppError } from '../../errors.js';
import type { RequestLimits } from '../../http/rateLimits.js';
import type { ConversationRuntime, OutboxDeliverer, PushSignal } from '../../runtime/index.js';
import { readCookie, sessionCookie, SessionTokens, type WebSession } from './sessionToken.js';
import { sharedWebAssets } from './webAssets.js';
import { DEFAULT_LIMITS, WebChannel, type WebChannelLimits } from './webChannel.js';

export interface WebChatDeps {
  readonly runtime: ConversationRuntime;
  /** Later messages (staff, deadlines) reach open sockets through the outbox: the plugin registers the 'web' sender on it. */
  readonly outbox?: OutboxDeliverer;
  /** Several server processes (PostgreSQL): how one tells the others that a borrower has later messages. */
  readonly push?: PushSignal;
  readonly config: Pick<Config, 'env' | 'web' | 'publicBaseUrl'>;
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
/** Issues (or renews) the session cookie and tells the page its session tag. */
export const WEB_SESSION_PATH = '/api/web/session';

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // `?ref=` codes and anything else in the URL stay on this site.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/**
 * The web chat: the page at `/` (and its hashed assets), the session cookie, and the websocket at
 * /ws/chat that serves the conversation of the cookie's user. Registers @fastify/websocket on the app
 * (once) with the frame size limit, and the 'web' sender on the outbox. Returns the channel (open
 * sockets, for metrics and tests). Wiring, in buildApp: `await webChatPlugin(app, { runtime, outbox, config })`.
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
  const tokens = new SessionTokens(settings.sessionSecret, settings.sessionTtlMs);
  const assets = await sharedWebAssets();
  const { spec } = deps.runtime;
  const channel = new WebChannel({
    runtime: deps.runtime,
    logger: app.log,
    ...(spec.welcome ? { welcome: (locale: 'zh' | 'en') => spec.welcome!(locale) } : {}),
    ...(deps.push ? { push: deps.push } : {}),
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

  /** The request's valid session, if its cookie carries one. */
  const sessionOf = (request: FastifyRequest): WebSession | undefined => tokens.verify(readCookie(request.headers.cookie, settings.cookieName), clock.now().getTime());

  /**
   * The request's session, renewed (sliding expiry), or a new one (counted against the address, so
   * minting sessions cannot get round the per-socket limits); sets the cookie either way, Secure
   * in production whatever the request claims.
   */
  const renewSession = async (request: FastifyRequest, reply: FastifyReply): Promise<WebSession> => {
    let userId = sessionOf(request)?.userId;
    if (!userId) {
      await deps.newSessions?.newSession(request, reply);
      userId = SessionTokens.newUserId();
    }
    const { token, session } = tokens.issue(userId, clock.now().getTime());
    const secure = deps.config.env === 'production' || request.protocol === 'https';
    void reply.header('set-cookie', sessionCookie(settings.cookieName, token, { maxAgeMs: settings.sessionTtlMs, secure }));
    void reply.header('cache-control', 'no-store');
    return session;
  };

  app.get('/', async (request, reply) => {
    await renewSession(request, reply);
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(assets.html);
  });

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.files.get(request.params.name);
    if (!asset) throw new AppError('NOT_FOUND', { method: 'GET', url: request.url });
    return reply.header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').type(asset.type).send(asset.body);
  });

  app.get(WEB_SESSION_PATH, async (request, reply) => {
    const session = await renewSession(request, reply);
    return { session: SessionTokens.tagOf(session.userId), expiresAt: new Date(session.expiresAt).toISOString() };
  });

  app.route({
    method: 'GET',
    url: WEB_SOCKET_PATH,
    // Checked before the upgrade: without a valid session cookie (or from another site's page) there is no socket.
    preValidation: async (request) => {
      const origin = request.headers.origin;
      // Browsers always send Origin on a websocket; a page of another site must not ride the cookie.
      if (origin !== undefined && origin !== allowedOrigin && hostOf(origin) !== request.headers.host) {
        throw new AppError('FORBIDDEN', { reason: 'the web chat socket only serves pages of this site' });
      }
      if (!sessionOf(request)) throw new AppError('UNAUTHORIZED');
    },
    handler: async (_request, reply) => reply.code(426).header('upgrade', 'websocket').send({ error: { code: 'UPGRADE_REQUIRED', message: `${WEB_SOCKET_PATH} is a websocket` } }),
    wsHandler: (socket, request) => {
      const session = sessionOf(request);
      if (session) channel.accept(socket, session.userId);
      else socket.close(web.CLOSE.POLICY, 'session expired');
    },
  });

  return channel;
}
