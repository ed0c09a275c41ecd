import { seedDemoStaff } from './staff/demoStaff.js';
import { hasAdmin } from './staff/staffAccounts.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { conversationOfEffectKey, type ConversationSpec } from '../flows/index.js';
import { buildApp, type ConversationServices } from './app.js';
import { ConsoleFeed, consoleTurnRecorder } from './console/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/index.js';
import { applyMigrations, migrationNames, openDatabase, readMigrations, redactUrl, type Database } from './db/index.js';
import { conversationDeadlineHandler, PAYMENT_RECOVERY_JOB_KIND, paymentRecoveryHandler, schedulePaymentRecovery, Scheduler } from './jobs/index.js';
import { WORK_ORDER_ESCALATE_JOB, WORK_ORDER_WARN_JOB, workOrderDeadlineHandler } from './workOrders/index.js';
import { AppError, databaseFault } from './errors.js';
import type { ConversationContext } from './lendingConversation.js';
import { createProviders, type Providers } from './providers/index.js';
import { createFieldCipher, type FieldCipher } from './security/fieldCipher.js';
import { createPaymentRecovery } from './services/index.js';
import { ConversationRuntime, DEADLINE_JOB_KIND, inProcessLock, localPushSignal, openSql, OutboxDeliverer, postgresAdvisoryLock, postgresPushSignal, type ChannelSender, type ConversationLock, type PushSignal } from './runtime/index.js';

export interface Server {
  readonly app: FastifyInstance;
  readonly db: Database;
  /** Migrations this boot applied (empty when the database was up to date). */
  readonly appliedMigrations: readonly string[];
  /** The conversation runtime, scheduler and outbox; absent when booted without a conversation spec. */
  readonly conversations: ConversationServices | undefined;
}

export interface BootOptions {
  readonly clock?: Clock;
  /** How often the console feed sends a heartbeat and checks the session (15 s; tests shorten it). */
  readonly consoleHeartbeatMs?: number;
  /**
   * The conversation machine the chat channels talk to. Without one the server has no runtime,
   * scheduler or outbox and registers no chat routes (`/api/v1/chat` answers 404).
   */
  readonly spec?: ConversationSpec | ((ctx: ConversationContext) => ConversationSpec | Promise<ConversationSpec>);
  /** Senders of push channels (WeChat, official account, WeCom); more can be registered on `conversations.outbox`. */
  readonly senders?: readonly ChannelSender[];
  /** The bank's own providers, required with PROVIDERS=bank (docs/providers.md); the sandbox otherwise. */
  readonly providers?: Providers;
  /** The local command line's token (`npm run staff`), accepted from loopback as an admin; main.ts writes it to the data directory. */
  readonly staffCliToken?: string;
}

/**
 * Opens the database, applies pending migrations in-process and builds the app. Closing the app
 * stops the scheduler and the outbox, waits for conversation turns under way, and closes the
 * database. Used by main.ts and by tests alike.
 */
export async function bootServer(config: Config, logger: Logger, options: BootOptions = {}): Promise<Server> {
  const db = await openDatabase(config.database, { connectTimeoutMs: config.dbConnectTimeoutMs });
  const clock = options.clock ?? systemClock;
  let conversations: (ConversationServices & { close(): Promise<void> }) | undefined;
  // Work orders the conversation opens (hand-off requests, complaints) are told to the consoles' feed once the app has one.
  let publishWorkOrder: (event: { readonly kind: 'workOrder'; readonly id: string }) => void = () => {};
  try {
    const migrations = await readMigrations();
    const appliedMigrations = await applyMigrations(db.adapterFactory, migrations);
    logger.info({ database: db.where, applied: appliedMigrations }, appliedMigrations.length ? 'migrations applied' : 'database schema up to date');
    if (config.dataKeyIsDevelopmentDefault) logger.warn('KUAIDAI_DATA_KEY is not set: using the public development key; never do this with real borrowers');
    const cipher = createFieldCipher(config.dataKey, config.oldDataKeys);
    if (options.spec) {
      // One set of providers for the conversation's services and the payment recovery job.
      const providers = createProviders(config, logger, db.prisma, options.providers);
      const spec = typeof options.spec === 'function' ? await options.spec({ config, db, cipher, clock, logger, providers, publishWorkOrder: (event) => publishWorkOrder(event) }) : options.spec;
      conversations = await startConversations({ config, db, clock, logger, spec, cipher, providers, senders: options.senders ?? [] });
    }
    // Development and sandbox: the demo staff accounts (README). Production has none: the console waits for an admin.
    if (config.env !== 'production' && config.providers === 'sandbox') await seedDemoStaff(db.prisma, logger);
    else if (!(await hasAdmin(db.prisma))) {
      logger.error('the staff console has no admin account and stays closed: create one with `npm run staff -- add --username <u> --name <n> --roles admin`');
    }
    const app = await buildApp({ config, db, logger, clock, cipher, expectedMigrations: migrationNames(migrations), conversations, staffCliToken: options.staffCliToken, consoleHeartbeatMs: options.consoleHeartbeatMs });
    if (conversations) {
      const { scheduler, outbox } = conversations;
      // Work-order deadlines: the warning before each, the escalation to supervisors when one passed (超时督办).
      scheduler.register(WORK_ORDER_WARN_JOB, workOrderDeadlineHandler(app.workOrders)).register(WORK_ORDER_ESCALATE_JOB, workOrderDeadlineHandler(app.workOrders));
      publishWorkOrder = (event) => app.consoleFeed.publish(event);
      app.addHook('onReady', async () => {
        // Payments a crash left half-done are settled from start-up on (the job then recurs by itself).
        if (config.jobsPollMs > 0) await schedulePaymentRecovery(scheduler, clock.now());
        scheduler.start(config.jobsPollMs);
        if (config.jobsPollMs > 0) outbox.start(config.jobsPollMs);
      });
    }
    app.addHook('onClose', async () => {
      await conversations?.close();
      await db.close();
    });
    return { app, db, appliedMigrations, conversations };
  } catch (e) {
    await conversations?.close().catch(() => {});
    await db.close().catch(() => {});
    throw e;
  }
}

/**
 * bootServer, retried while PostgreSQL cannot be reached (refusing connections, starting up, a
 * connection dropped during the migrations) for up to `DB_START_WAIT_MS`: the wait doubles from
 * 0.5 s up to `DB_RETRY_MAX_MS`, one warn line per attempt. A database restarted after the app, or
 * still starting beside it, is then waited for instead of ending the process for a supervisor to
 * restart in a loop. A refused login, a missing database and anything that is no database fault fail
 * at once; so does everything on embedded PGlite.
 */
export async function bootServerWhenDatabaseAnswers(config: Config, logger: Logger, options: BootOptions = {}): Promise<Server> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootServer(config, logger, options);
    } catch (e) {
      const fault = config.database.kind === 'postgres' ? databaseFault(e) : undefined;
      const left = config.dbStartWaitMs - (Date.now() - started);
      if (!fault?.transient || left <= 0) throw e;
      const wait = Math.min(config.dbRetryMaxMs, 500 * 2 ** Math.min(attempt - 1, 20), left);
      logger.warn(
        { code: 'DB_UNAVAILABLE', reason: fault.reason, database: config.database.kind === 'postgres' ? redactUrl(config.database.url) : undefined, attempt, retryInMs: wait, giveUpInMs: left },
        'database unavailable at start-up; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Assembles the runtime around the spec: lock by database kind, outbox with its senders, scheduler with the deadline and payment recovery jobs. */
async function startConversations(args: {
  config: Config;
  db: Database;
  clock: Clock;
  logger: Logger;
  spec: ConversationSpec;
  cipher: FieldCipher;
  providers: Providers;
  senders: readonly ChannelSender[];
}): Promise<ConversationServices & { close(): Promise<void> }> {
  const { config, db, clock, logger, spec } = args;
  // A turn waits for the one before it: at most its settle time plus the database work.
  const waitTimeoutMs = 2 * config.turnSettleTimeoutMs + 5_000;
  const lock: ConversationLock =
    config.database.kind === 'postgres' ? postgresAdvisoryLock({ url: config.database.url, waitTimeoutMs, poolSize: 10 }) : inProcessLock({ waitTimeoutMs });
  const sql = await openSql(db, config.database.kind === 'postgres' ? { postgresUrl: config.database.url, poolSize: 5, connectTimeoutMs: config.dbConnectTimeoutMs } : {});
  const outbox = new OutboxDeliverer({ sql, clock, logger, maxPollBackoffMs: config.dbRetryMaxMs });
  let push: PushSignal = localPushSignal();
  if (config.database.kind === 'postgres') {
    const signal = postgresPushSignal({ url: config.database.url, sql, logger, maxReconnectMs: config.dbRetryMaxMs, connectTimeoutMs: config.dbConnectTimeoutMs });
    push = signal;
    await signal.ready.catch(async (e: unknown) => {
      await Promise.allSettled([signal.close(), lock.close(), sql.close()]);
      throw new AppError('DB_UNAVAILABLE', { reason: `push signal: ${(e as Error).message}` }, { cause: e });
    });
  }
  for (const sender of args.senders) outbox.register(sender);
  // Consoles hear of every committed turn (and of work orders and reviews), across processes through the push signal.
  const consoleFeed = new ConsoleFeed({ push, logger });
  const runtime = await ConversationRuntime.create({ db, spec, clock, logger, lock, settleTimeoutMs: config.turnSettleTimeoutMs, outbox, sql, cipher: args.cipher, onCommitted: consoleTurnRecorder(sql, consoleFeed) });
  const scheduler = new Scheduler({ sql, clock, logger, maxPollBackoffMs: config.dbRetryMaxMs }).register(DEADLINE_JOB_KIND, conversationDeadlineHandler(runtime));
  const recovery = createPaymentRecovery({
    db,
    clock,
    logger,
    payments: args.providers.payments,
    recoveryAfterMs: config.recoveryAfterMs,
    // The borrower who was told "processing" hears the outcome in the conversation the effect's key names.
    notify: async ({ key, notice, amount }) => {
      const conversationId = conversationOfEffectKey(key);
      if (conversationId) await runtime.dispatch(conversationId, { type: 'system.notice', notice, amount, at: clock.now().getTime() });
    },
  });
  scheduler.register(PAYMENT_RECOVERY_JOB_KIND, paymentRecoveryHandler(recovery, scheduler, config.recoveryAfterMs / 2));
  logger.info({ machineId: spec.machineId, version: spec.version, lock: config.database.kind === 'postgres' ? 'advisory' : 'in-process' }, 'conversation runtime ready');
  return {
    runtime,
    scheduler,
    outbox,
    push,
    consoleFeed,
    // No new jobs, then the turns under way finish, then their deliveries.
    async close() {
      await scheduler.stop();
      await runtime.close();
      await outbox.stop();
      await lock.close();
      await push.close();
      await sql.close();
    },
  };
}
