import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import { installOfficialAccount } from './channels/officialAccount/index.js';
import { webChatPlugin } from './channels/web/index.js';
import { chatRoutes } from './http/chatRoutes.js';
import { installErrorHandling } from './http/errorHandling.js';
import { installApiDocs } from './http/installApiDocs.js';
import { healthRoutes } from './http/healthRoutes.js';
import { echoRequestId, requestIdOptions } from './http/requestId.js';
import { metricsRoutes, processMetrics } from './metrics/index.js';
import { capConnections, httpServerOptions } from './http/httpServerOptions.js';
import { installRateLimits } from './http/rateLimits.js';
import { securityHeaders } from './http/securityHeaders.js';
import type { DeadlineSweep, JobRunner, Scheduler } from './jobs/index.js';
import type { DatabaseMaintenance } from './maintenance/index.js';
import { jobRoutes } from './http/jobRoutes.js';
import type { DemoAdvance } from './postLoan/index.js';
import type { ConversationRuntime, OutboxDeliverer, PushSignal } from './runtime/index.js';
import { quoteRoutes } from './http/quoteRoutes.js';
import { staffRoutes } from './http/staffRoutes.js';
import { riskRoutes } from './http/riskRoutes.js';
import { workOrderRoutes } from './http/workOrderRoutes.js';
import { installStaffAccounts } from './http/installStaffAccounts.js';
import { installReviews } from './http/reviewRoutes.js';
import { ConsoleFeed, installConsole } from './console/index.js';
import { installStudio } from './studio/installStudio.js';
import { borrowerExportRoutes } from './borrowerExport/index.js';
import type { FieldCipher } from './security/fieldCipher.js';

export interface AppDeps {
  readonly config: Config;
  readonly db: Database;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * What staff and web chat sessions count their timeouts in: real time, so the sandbox's demo clock
   * moving days ahead (boot.ts) ends nobody's login. The app's clock when not given.
   */
  readonly sessionClock?: Clock | undefined;
  /** Field encryption for ID numbers and phones, keyed by KUAIDAI_DATA_KEY. */
  readonly cipher: FieldCipher;
  /** Migration names found in prisma/migrations at boot; /readyz checks they are applied. */
  readonly expectedMigrations: readonly string[];
  /** Present when the server hosts a conversation machine: then the chat routes are registered. */
  readonly conversations?: ConversationServices | undefined;
  /** The local command line's token (`npm run staff`, from loopback only), when this process wrote one (server/main.ts). */
  readonly staffCliToken?: string | undefined;
  /** How often the console feed sends a heartbeat and checks the session (default 15 s). */
  readonly consoleHeartbeatMs?: number | undefined;
  /** The job runner, the due-at rows and the demo clock, for the admins' Jobs page (server/http/jobRoutes.ts). */
  readonly jobs?:
    | {
        readonly runner: JobRunner;
        readonly scheduler?: Scheduler | undefined;
        readonly demo: DemoAdvance;
        /** The embedded database's upkeep; bulk work (a pre-credit import, a retention run) asks it for a full pass. */
        readonly maintenance?: DatabaseMaintenance | undefined;
      }
    | undefined;
}

/** The conversation runtime and what runs beside it; staff APIs dispatch through `runtime`. */
export interface ConversationServices {
  readonly runtime: ConversationRuntime;
  /** The Job table's due-at rows (deadlines, work-order warnings, payment recovery); `runDue(now)` fires the due ones. */
  readonly scheduler: Scheduler;
  /** The job runner's queue that calls `scheduler.runDue`; `wake()` sweeps at once. */
  readonly deadlines: DeadlineSweep;
  readonly outbox: OutboxDeliverer;
  /** Tells the other server processes about later messages for their sockets (a no-op on PGlite). */
  readonly push: PushSignal;
  /** What changed, for the staff consoles (told after every committed turn). */
  readonly consoleFeed: ConsoleFeed;
}

declare module 'fastify' {
  interface FastifyInstance {
    readonly deps: AppDeps;
    readonly cipher: FieldCipher;
    /** Null when the server was booted without a conversation spec. */
    readonly conversations: ConversationServices | null;
    /**
     * The staff consoles' live feed: `app.consoleFeed.publish({ kind: 'workOrder', id })` after a
     * committed change tells every console (web/console/PAGES.md).
     */
    readonly consoleFeed: ConsoleFeed;
    /** The official account's API client, sender and passive-reply book; null when not configured. */
    readonly officialAccount: ReturnType<typeof installOfficialAccount> | null;
  }
}

/** Builds the HTTP app around already-opened dependencies; it neither listens nor migrates. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app: FastifyInstance = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps FastifyInstance's default generics.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 256 * 1024,
    // X-Request-Id taken when it looks like an id, else a new UUID; echoed on every response (server/http/requestId.ts).
    ...requestIdOptions(),
    // Timeouts, keep-alive, and X-Forwarded-* believed only from the proxies named in TRUST_PROXY.
    ...httpServerOptions(config),
  });
  capConnections(app, config.http.maxConnections);
  echoRequestId(app);
  app.decorate('deps', deps);
  app.decorate('cipher', deps.cipher);
  installErrorHandling(app);
  securityHeaders(app, { hsts: config.env === 'production' });
  // Before the routes: the zod validator and the OpenAPI document collected from their schemas (/docs).
  await installApiDocs(app, { publicBaseUrl: config.publicBaseUrl });
  // Before the routes: per address, token and user on chat, quote, staff, web session and callbacks.
  const limits = await installRateLimits(app, config.rateLimits, { callbackPaths: config.officialAccount ? [config.officialAccount.path] : [] });
  app.decorate('conversations', deps.conversations ?? null);
  // Without a conversation runtime there is no push signal either: this process's consoles only.
  app.decorate('consoleFeed', deps.conversations?.consoleFeed ?? new ConsoleFeed({ logger: deps.logger }));
  healthRoutes(app, { db: deps.db, expectedMigrations: deps.expectedMigrations });
  // GET /metrics (Prometheus): token, a port of its own, or off, as configured; database gauges read at scrape time.
  metricsRoutes(app, { metrics: processMetrics(), config: config.metrics, source: { query: (sql) => deps.db.prisma.$queryRawUnsafe(sql) } });
  quoteRoutes(app);
  if (deps.conversations) chatRoutes(app, { runtime: deps.conversations.runtime, token: deps.config.chatApiToken });
  // Staff identity: sessions of people in the console, the service account of STAFF_API_TOKEN, the local command line.
  const staff = await installStaffAccounts(app, deps);
  if (deps.jobs) jobRoutes(app, { ...deps.jobs, auth: staff.auth });
  if (deps.conversations) staffRoutes(app, { runtime: deps.conversations.runtime, db: deps.db, clock: deps.clock, auth: staff.auth });
  // Work orders (工单) and staff notices; `app.workOrders` also fires their deadlines (boot.ts).
  workOrderRoutes(app, { db: deps.db, clock: deps.clock, config: deps.config.workOrders, auth: staff.auth });
  // Early-warning signals (风险预警): the risk view's list, detail, confirm and clear.
  riskRoutes(app, { db: deps.db, clock: deps.clock, auth: staff.auth });
  // A borrower's own data as a file, handed over on their request (PIPL art. 45); audited.
  borrowerExportRoutes(app, { prisma: deps.db.prisma, cipher: deps.cipher, clock: deps.clock, auth: staff.auth });
  // Manual review (人工审批): the reviewers' queue and decisions, told to the borrower's conversation.
  if (deps.conversations) await installReviews(app, { config, db: deps.db, cipher: deps.cipher, clock: deps.clock, logger: deps.logger, runtime: deps.conversations.runtime, auth: staff.auth });
  // The managers' studio: branches, codes and links, campaigns, funnels and dashboards, pre-credit.
  await installStudio(app, { app: deps, auth: staff.auth });
  // The staff console: its page at /console, the live feed, the queue.
  await installConsole(app, { auth: staff.auth, db: deps.db, clock: deps.clock, heartbeatMs: deps.consoleHeartbeatMs });
  // The web chat at `/` (page, session cookie, websocket); a server without a conversation shows a placeholder.
  if (deps.conversations) await webChatPlugin(app, { runtime: deps.conversations.runtime, outbox: deps.conversations.outbox, push: deps.conversations.push, config: deps.config, prisma: deps.db.prisma, clock: deps.sessionClock ?? deps.clock, newSessions: limits });
  // The WeChat official account's callback and its customer-service sender, when configured.
  app.decorate(
    'officialAccount',
    deps.conversations && deps.config.officialAccount
      ? installOfficialAccount(app, {
          settings: deps.config.officialAccount,
          publicBaseUrl: deps.config.publicBaseUrl,
          db: deps.db,
          runtime: deps.conversations.runtime,
          outbox: deps.conversations.outbox,
          clock: deps.clock,
          logger: deps.logger,
          limits,
        })
      : null,
  );
  // Without a conversation there is no web chat: `/` says the server is up.
  if (!deps.conversations) app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(
      '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>快贷助手 Kuaidai</title><h1>快贷助手</h1><p>服务已启动。Kuaidai is running.</p><ul><li><a href="/healthz">/healthz</a></li><li><a href="/readyz">/readyz</a></li></ul></html>',
    ),
  );
  return app;
}
