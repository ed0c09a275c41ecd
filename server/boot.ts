import { seedDemoStaff } from './staff/demoStaff.js';
import { hasAdmin } from './staff/staffAccounts.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { conversationOfEffectKey, type ConversationSpec } from '../flows/index.js';
import { buildApp, type ConversationServices } from './app.js';
import { ConsoleFeed } from './console/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/index.js';
import { applyMigrations, migrationNames, openDatabase, readMigrations, redactUrl, type Database } from './db/index.js';
import { shanghaiDateOf } from '../core/index.js';
import { BUSINESS_CLOCK_SIGNAL, BusinessClock, conversationDeadlineHandler, DeadlineSweep, JobRunner, PAYMENT_RECOVERY_JOB_KIND, paymentRecoveryHandler, schedulePaymentRecovery, Scheduler } from './jobs/index.js';
import { createContactService } from './contact/index.js';
import { contactsNotWired, createPostLoanContext, DAILY_JOBS, dailyJobsWithMonitoring, DemoAdvance, demoClockRefusal, type Contacts } from './postLoan/index.js';
import { startCampaignSending } from './studio/startCampaignSending.js';
import type { CampaignSender } from './studio/campaignSender.js';
import { WORK_ORDER_ESCALATE_JOB, WORK_ORDER_WARN_JOB, workOrderDeadlineHandler } from './workOrders/index.js';
import { AppError, databaseFault } from './errors.js';
import type { ConversationContext } from './lendingConversation.js';
import { createProviders, SandboxBehaviourData, type Providers } from './providers/index.js';
import { createFieldCipher, type FieldCipher } from './security/fieldCipher.js';
import { createPaymentRecovery } from './services/index.js';
import { DatabaseMaintenance, MAINTENANCE_QUEUE } from './maintenance/index.js';
import { processMetrics } from './metrics/index.js';
import { ConversationRuntime, DEADLINE_JOB_KIND, inProcessLock, localPushSignal, openSql, OutboxDeliverer, postgresAdvisoryLock, postgresPushSignal, type ChannelSender, type CommittedTurn, type ConversationLock, type PushSignal, type Sql } from './runtime/index.js';

export interface Server {
  readonly app: FastifyInstance;
  readonly db: Database;
  /** Migrations this boot applied (empty when the database was up to date). */
  readonly appliedMigrations: readonly string[];
  /** The conversation runtime, scheduler and outbox; absent when booted without a conversation spec. */
  readonly conversations: ConversationServices | undefined;
  /** The one job runner (pg-boss); started when JOBS_POLL_MS > 0. */
  readonly jobs: JobRunner;
  /** The sandbox's demo clock (the server's clock); absent in production and outside the sandbox. */
  readonly businessClock: BusinessClock | undefined;
  /** `demo:advance` and the console's 推进营业日. */
  readonly demo: DemoAdvance;
  /** The campaign sender (server/studio): its jobs on the runner; `useRooms` once a wechaty bot is logged in. */
  readonly campaigns: CampaignSender;
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
  /**
   * The contact-policy component the post-loan jobs send through, built once the app exists (its
   * channels are on it). By default the server's own ContactService (server/contact/) on its runtime,
   * SMS provider and official account; without a conversation spec there is none, and a job that
   * contacts a borrower fails with a clear error.
   */
  readonly contacts?: (deps: { app: FastifyInstance; db: Database; clock: Clock; config: Config; logger: Logger; conversations: ConversationServices | undefined }) => Contacts;
}

/**
 * Opens the database, applies pending migrations in-process and builds the app. Closing the app
 * stops the scheduler and the outbox, waits for conversation turns under way, and closes the
 * database. Used by main.ts and by tests alike.
 */
export async function bootServer(config: Config, logger: Logger, options: BootOptions = {}): Promise<Server> {
  const db = await openDatabase(config.database, { connectTimeoutMs: config.dbConnectTimeoutMs });
  const baseClock = options.clock ?? systemClock;
  // The sandbox's demo clock replaces it once the database can be read (below).
  let clock: Clock = baseClock;
  let conversations: (ConversationServices & { close(): Promise<void> }) | undefined;
  let postLoanSql: Sql | undefined;
  const runner = new JobRunner({ db, postgresUrl: config.database.kind === 'postgres' ? config.database.url : undefined, logger, observeJob: processMetrics().observeJob, maxKeepSeconds: config.retention.jobDays * 86_400 });
  // Work orders the conversation opens (hand-off requests, complaints) are told to the consoles' feed once the app has one.
  let publishWorkOrder: (event: { readonly kind: 'workOrder'; readonly id: string }) => void = () => {};
  try {
    const migrations = await readMigrations();
    const appliedMigrations = await applyMigrations(db.adapterFactory, migrations);
    logger.info({ database: db.where, applied: appliedMigrations }, appliedMigrations.length ? 'migrations applied' : 'database schema up to date');
    if (config.dataKeyIsDevelopmentDefault) logger.warn('KUAIDAI_DATA_KEY is not set: using the public development key; never do this with real borrowers');
    const cipher = createFieldCipher(config.dataKey, config.oldDataKeys);
    // Sandbox: the server's clock is the demo clock, the system clock plus the offset demo:advance stored.
    const businessClock = demoClockRefusal(config) ? undefined : await BusinessClock.load(db.prisma, baseClock);
    if (businessClock) {
      clock = businessClock;
      if (businessClock.offsetMs) logger.warn({ businessDate: businessClock.businessDate(), offsetDays: businessClock.offsetDays() }, 'demo clock: the business date is moved ahead of the system clock (npm run demo:advance)');
    }
    let providers: Providers | undefined;
    if (options.spec) {
      // One set of providers for the conversation's services and the payment recovery job.
      providers = createProviders(config, logger, db.prisma, options.providers);
      const spec = typeof options.spec === 'function' ? await options.spec({ config, db, cipher, clock, logger, providers, publishWorkOrder: (event) => publishWorkOrder(event) }) : options.spec;
      conversations = await startConversations({ config, db, clock, logger, spec, cipher, providers, senders: options.senders ?? [], runner });
    }
    // The post-loan daily jobs: each on its cron (Shanghai time) for the date it fires on; demo:advance runs them per date.
    postLoanSql = await openSql(db, config.database.kind === 'postgres' ? { postgresUrl: config.database.url, poolSize: 3, connectTimeoutMs: config.dbConnectTimeoutMs } : {});
    let contacts: Contacts = contactsNotWired;
    const postLoanDeps = { prisma: db.prisma, sql: postLoanSql, clock, config, logger };
    const postLoanContext = () => createPostLoanContext(postLoanDeps, contacts);
    // Early warning, renewal screening and the yearly review read the monitoring provider: the bank's, or the sandbox's demo personas.
    const behaviour = providers?.behaviour ?? options.providers?.behaviour ?? (config.providers === 'sandbox' ? new SandboxBehaviourData(logger) : undefined);
    if (!behaviour) logger.warn('no post-loan monitoring provider (BootOptions.providers.behaviour): early warning, renewal screening and the yearly review do not run');
    const dailyJobs = behaviour ? dailyJobsWithMonitoring({ behaviour, cipher }) : DAILY_JOBS;
    // The embedded database's upkeep: PGlite has no checkpointer and no autovacuum (server/maintenance).
    const maintenance = db.embedded ? new DatabaseMaintenance({ db, thresholds: config.maintenance, logger }) : undefined;
    for (const job of dailyJobs) {
      const run = async () => {
        const summary = await job.run(postLoanContext(), shanghaiDateOf(clock.now().getTime()));
        if (job.bulk) maintenance?.afterBulk(job.name);
        return summary;
      };
      if (job.cron) runner.cron(job.name, job.cron, run, { retryLimit: 3, retryDelaySeconds: 60, expireInSeconds: 3_600 });
    }
    if (maintenance) {
      const maintain = async (data: { full?: boolean }) => {
        const run = await maintenance.run({ full: data.full === true, reason: data.full === true ? 'nightly' : 'schedule' });
        // While the log grows fast, look again in 10 s rather than a minute: a checkpoint by volume, as PostgreSQL's checkpointer does.
        if ((run.walWrittenSinceLastRun ?? 0) > config.maintenance.checkpointWalBytes / 6) await runner.sendThrottled(MAINTENANCE_QUEUE, {}, 10, 'soon');
        return run;
      };
      runner
        .cron<{ full?: boolean }>(MAINTENANCE_QUEUE, '* * * * *', maintain, { retryLimit: 1, retryDelaySeconds: 60, expireInSeconds: 3_600, keepSeconds: 3_600, pollSeconds: 2 })
        .cron(MAINTENANCE_QUEUE, '15 4 * * *', undefined, { key: 'nightly', data: { full: true } });
    }
    const scheduler = conversations?.scheduler;
    const deadlines = conversations?.deadlines;
    // Other processes on the database (KUAIDAI_WORKERS, instances) move the demo clock too: read their move at once.
    const push = conversations?.push;
    if (businessClock && push) push.listen(BUSINESS_CLOCK_SIGNAL, () => void businessClock.reload().catch((e: unknown) => logger.warn({ err: e }, 'reading the moved demo clock failed; it is read again at the next move or start')));
    const demo = new DemoAdvance({
      config,
      clock: businessClock,
      context: postLoanContext,
      jobs: dailyJobs,
      // Deadlines the move made due fire before the day's jobs (an offer expires, then the reminders run).
      afterMove: async () => {
        await push?.notify(BUSINESS_CLOCK_SIGNAL, 'moved');
        if (scheduler) await scheduler.runDue(clock.now());
        await deadlines?.wake();
      },
    });
    // Development and sandbox: the demo staff accounts (README). Production has none: the console waits for an admin.
    if (config.env !== 'production' && config.providers === 'sandbox') await seedDemoStaff(db.prisma, logger);
    else if (!(await hasAdmin(db.prisma))) {
      logger.error('the staff console has no admin account and stays closed: create one with `npm run staff -- add --username <u> --name <n> --roles admin`');
    }
    const app = await buildApp({ config, db, logger, clock, cipher, expectedMigrations: migrationNames(migrations), conversations, staffCliToken: options.staffCliToken, consoleHeartbeatMs: options.consoleHeartbeatMs, jobs: { runner, scheduler, demo, maintenance }, sessionClock: baseClock });
    // Every borrower contact of the post-loan jobs goes through the one contact component (server/contact/):
    // the borrower's own conversation (stored and pushed by the outbox), the official account's template
    // message outside its 48-hour window, else SMS; inside the contact window and caps, every contact logged.
    if (options.contacts) contacts = options.contacts({ app, db, clock, config, logger, conversations });
    else if (conversations && providers) contacts = createContactService({ config, db, sql: postLoanSql, clock, logger, runtime: conversations.runtime, sms: providers.sms, cipher });
    // Campaigns: the sweep starts due ones, the send queue delivers them at their channels' rates (docs/studio.md).
    const campaigns = startCampaignSending({ app, config, db, clock, logger, runner });
    if (conversations) {
      const { scheduler } = conversations;
      // Work-order deadlines: the warning before each, the escalation to supervisors when one passed (超时督办).
      scheduler.register(WORK_ORDER_WARN_JOB, workOrderDeadlineHandler(app.workOrders)).register(WORK_ORDER_ESCALATE_JOB, workOrderDeadlineHandler(app.workOrders));
      publishWorkOrder = (event) => app.consoleFeed.publish(event);
    }
    // Jobs run only when enabled: tests boot with JOBS_POLL_MS=0, drive the sweep and the jobs by hand and pay no pg-boss start-up.
    app.addHook('onReady', async () => {
      if (config.jobsPollMs <= 0) return;
      // Payments a crash left half-done are settled from start-up on (the round then recurs by itself).
      if (conversations) await schedulePaymentRecovery(conversations.scheduler, clock.now());
      await runner.start();
      await conversations?.deadlines.wake();
      conversations?.outbox.start(config.jobsPollMs);
    });
    app.addHook('onClose', async () => {
      // Handlers under way finish first (they dispatch to the runtime; half the grace), then the runtime, then the database.
      await runner.stop(Math.max(1_000, config.shutdownGraceMs / 2));
      await conversations?.close();
      await postLoanSql?.close();
      await db.close();
    });
    return { app, db, appliedMigrations, conversations, jobs: runner, businessClock, demo, campaigns };
  } catch (e) {
    await runner.stop().catch(() => {});
    await conversations?.close().catch(() => {});
    await postLoanSql?.close().catch(() => {});
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
  runner: JobRunner;
}): Promise<ConversationServices & { close(): Promise<void> }> {
  const { config, db, clock, logger, spec } = args;
  // A turn waits for the one before it: at most its settle time plus the database work.
  const waitTimeoutMs = 2 * config.turnSettleTimeoutMs + 5_000;
  const lock: ConversationLock =
    config.database.kind === 'postgres' ? postgresAdvisoryLock({ url: config.database.url, waitTimeoutMs, poolSize: 10 }) : inProcessLock({ waitTimeoutMs });
  const sql = await openSql(db, config.database.kind === 'postgres' ? { postgresUrl: config.database.url, poolSize: 5, connectTimeoutMs: config.dbConnectTimeoutMs } : {});
  const outbox = new OutboxDeliverer({ sql, clock, logger, maxPollBackoffMs: config.dbRetryMaxMs, observeDelivery: processMetrics().observeDelivery });
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
  // Events for the other processes go out gathered, one signal per 50 ms rather than one per turn.
  const consoleFeed = new ConsoleFeed({ push, logger, coalesceMs: 50 });
  const scheduler = new Scheduler({ sql, clock, logger });
  // The Job table's rows are fired by the job runner's deadline.sweep queue (server/jobs/deadlineSweep.ts says why they stay rows).
  const deadlines = new DeadlineSweep({ runner: args.runner, scheduler, clock, logger, minGapMs: Math.max(500, config.jobsPollMs) }).register();
  const onCommitted = async (turn: CommittedTurn) => {
    // The console's row was written with the turn (projectForConsole); the consoles hear of it.
    consoleFeed.publish({ kind: 'conversation', id: turn.conversationId });
    // A deadline sooner than the queued sweep wakes one (the row itself is stored with the turn).
    if (turn.deadlinesDueAt?.length) await deadlines.deadlinesWritten(turn.deadlinesDueAt).catch((e: unknown) => logger.warn({ err: e }, 'the turn is stored; waking the deadline sweep failed (the next sweep fires it)'));
  };
  const runtime = await ConversationRuntime.create({ db, spec, clock, logger, lock, settleTimeoutMs: config.turnSettleTimeoutMs, outbox, sql, cipher: args.cipher, onCommitted, projectForConsole: true, observeTurn: processMetrics().observeTurn });
  scheduler.register(DEADLINE_JOB_KIND, conversationDeadlineHandler(runtime));
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
    deadlines,
    outbox,
    push,
    consoleFeed,
    // The job runner stopped already (bootServer); the turns under way finish, then their deliveries.
    async close() {
      await runtime.close();
      await outbox.stop();
      await lock.close();
      consoleFeed.flush();
      await push.close();
      await sql.close();
    },
  };
}
