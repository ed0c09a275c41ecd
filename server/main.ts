// Entry point: `npm start`. Everything it does is in bootServer; this file owns the process:
// configuration errors, listening, and shutdown on SIGTERM/SIGINT.
import cluster from 'node:cluster';
import { bootServerWhenDatabaseAnswers } from './boot.js';
import { clusterWorkerEnv, ConfigError, loadConfig, workerFromPrimary, type Config } from './config/index.js';
import { databaseFault, isAppError } from './errors.js';
import { attachWechatyChannel, WechatyStartError } from './channels/wechaty/index.js';
import { wechatyRoomSender } from './studio/deliveryChannels.js';
import { createLendingConversation } from './lendingConversation.js';
import { createLogger } from './logging/index.js';
import { writeCliToken } from './staff/cliToken.js';
import { runCluster } from './runCluster.js';
import { serveClusterMetrics } from './metrics/index.js';

let config: Config;
try {
  config = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`kuaidai: configuration error: ${e.message}`);
  process.exit(1);
}

const logFormat = config.logFormat === 'auto' ? (config.env === 'development' && process.stdout.isTTY ? 'pretty' : 'json') : config.logFormat;
const rootLogger = createLogger(config.logLevel, logFormat);
// KUAIDAI_WORKERS > 1: this process is one of the primary's workers; its lines say which.
const worker = cluster.isWorker ? workerFromPrimary() : undefined;
const logger = worker ? rootLogger.child({ worker: worker.index }) : rootLogger;

// The last guard, not the fix: every connection has its 'error' handled where it is opened. Should
// an error still escape, the process logs one coded line with the stack (instead of Node's bare
// dump) and exits, because its state is unknown; a supervisor restarts it.
process.on('uncaughtException', (e, origin) => {
  const fault = databaseFault(e);
  logger.fatal({ code: fault ? 'DB_UNAVAILABLE' : 'INTERNAL', err: e, origin }, 'uncaught exception; exiting');
  process.exit(1);
});

try {
  // Several processes (KUAIDAI_WORKERS): this one forks the workers (server/runCluster.ts), which run what follows.
  if (cluster.isPrimary && config.workers > 1) {
    // One token file for `npm run staff`, accepted by every worker.
    const workerEnv = clusterWorkerEnv(await writeCliToken(config.dataDir));
    // METRICS_PORT: the primary serves every worker's metrics summed (the workers do not listen on it).
    const { port, host } = config.metrics;
    const metrics = port === undefined ? undefined : await serveClusterMetrics(port, host).catch((e: unknown) => Promise.reject(new ConfigError('METRICS_PORT', `cannot listen on ${host}:${port}: ${(e as Error).message}`)));
    if (metrics) logger.info({ port: metrics.port, host }, 'metrics of all workers on METRICS_PORT');
    const code = await runCluster({ workers: config.workers, logger, shutdownGraceMs: config.shutdownGraceMs, workerEnv });
    await metrics?.close();
    process.exit(code);
  }
  // `npm run staff` on this machine talks to this process with a token it reads from the data directory.
  const staffCliToken = worker?.staffCliToken ?? (await writeCliToken(config.dataDir));
  const server = await bootServerWhenDatabaseAnswers(config, logger, { spec: (ctx) => createLendingConversation(ctx), staffCliToken });
  // Personal WeChat through wechaty, when WECHATY_PUPPET is set (it stops before the runtime on close).
  const wechaty = await attachWechatyChannel(server, config, logger);
  // Campaigns into WeChat rooms go through the same bot.
  if (wechaty) server.campaigns.useRooms(wechatyRoomSender(wechaty.bot));
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    server.app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await server.app.listen({ host: config.host, port: config.port });
  logger.info(`快贷助手 Kuaidai is ready: http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/ (${server.db.where})`);
} catch (e) {
  if (e instanceof ConfigError) {
    // A configuration file (products, FAQ) that does not validate.
    console.error(`kuaidai: configuration error: ${e.message}`);
  } else if (e instanceof WechatyStartError) {
    console.error(`kuaidai: ${e.code}: ${e.message}`);
  } else if (isAppError(e)) {
    // Infrastructure the operator must fix (database unreachable, port taken): one line, no stack.
    console.error(`kuaidai: ${e.code}: ${e.message}`);
  } else if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`kuaidai: port ${config.port} on ${config.host} is already in use; set PORT to another port`);
  } else {
    logger.fatal({ err: e }, 'start-up failed');
  }
  process.exit(1);
}
