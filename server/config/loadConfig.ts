import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { YearlyReviewPolicy } from '../../core/index.js';
import { ConfigError } from './configError.js';
import { parseContactSettings, type ContactConfig } from './contactSettings.js';
import { parseMarketingSettings, type MarketingConfig } from './marketingSettings.js';
import { parseMetricsSettings, type MetricsConfig } from './metricsSettings.js';
import { parseRetentionSettings, type RetentionConfig } from './retentionSettings.js';
import { refuseOutsideDevelopment, refuseWeakProductionSecrets } from './failClosed.js';
import { parseWorkOrderSettings, type WorkOrderConfig } from './workOrderSettings.js';
import { parseWorkerSettings } from './workerSettings.js';
import { parseYearlyReviewSettings } from './yearlyReviewSettings.js';

export { ConfigError };

export type DatabaseTarget =
  // A directory, or 'memory://'. `template`: a tarball of PGlite's `dumpDataDir` an in-memory database
  // starts from instead of an empty cluster (the tests start each database from one migrated copy).
  | { readonly kind: 'pglite'; readonly dataDir: string; readonly template?: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface Config {
  readonly env: 'development' | 'test' | 'production';
  /** KUAIDAI_DATA_DIR, resolved: the embedded database, the staff command line's token, wechaty's memory. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** auto: readable lines on a terminal in development, JSON otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly database: DatabaseTarget;
  /** PostgreSQL: how long one connection attempt may take before the request answers DB_UNAVAILABLE. */
  readonly dbConnectTimeoutMs: number;
  /** PostgreSQL: how long start-up keeps retrying an unreachable database before it gives up (0: one attempt). */
  readonly dbStartWaitMs: number;
  /** The longest wait between two retries of an unreachable database (start-up, job and outbox polls, LISTEN). */
  readonly dbRetryMaxMs: number;
  /** 32-byte key for field encryption (ID numbers, phones); a fixed development key outside production. */
  readonly dataKey: Buffer;
  readonly dataKeyIsDevelopmentDefault: boolean;
  /** Earlier data keys, newest first: ciphertexts they wrote are still read; nothing new is written with them. */
  readonly oldDataKeys: readonly Buffer[];
  /**
   * Addresses (or CIDRs, or `loopback`/`linklocal`/`uniquelocal`) of the reverse proxies whose
   * X-Forwarded-For/-Proto are believed; empty: none, the peer address is the client.
   */
  readonly trustProxy: readonly string[];
  /** Time and connection limits of the HTTP server. */
  readonly http: HttpLimitsConfig;
  /** Requests per window, per client address, bearer token and user (server/http/rateLimits.ts). */
  readonly rateLimits: RateLimitsConfig;
  readonly shutdownGraceMs: number;
  /** KUAIDAI_WORKERS: server processes sharing the port (1: this process serves; more: server/runCluster.ts forks them; PostgreSQL only). */
  readonly workers: number;
  /** Bearer token the REST chat channel requires; unset means open (refused in production). */
  readonly chatApiToken: string | undefined;
  /** Bearer token of the staff API (hand-off: take over, relay, hand back). Unset: open in development, not served in production. */
  readonly staffApiToken: string | undefined;
  /** > 0: the job runner (pg-boss) starts, due-at rows are swept at most this often, and the outbox polls this often; 0: no jobs, no polling (tests drive them). */
  readonly jobsPollMs: number;
  /** How long a conversation turn may wait for its machine to settle (busy states) before it apologises. */
  readonly turnSettleTimeoutMs: number;
  /**
   * How old a payment whose outcome is unknown (a drawdown still `disbursing`, a repayment intent not
   * stored) must be before the recovery job settles it with the gateway's record; retries of the
   * same message resume it only during the first half of this time.
   */
  readonly recoveryAfterMs: number;
  /** Penalty interest on overdue principal = contract rate × this, fixed on each line when it opens (PENALTY_MULTIPLIER, 1.3–1.5). */
  readonly penaltyMultiplier: number;
  /** The end-of-day batch (日终): a line more than `freezeAfterDpd` days past due is frozen; lines read and written `chunkSize` at a time. */
  readonly endOfDay: { readonly freezeAfterDpd: number; readonly chunkSize: number };
  /** The staff console's sessions: idle timeout and absolute lifetime (STAFF_SESSION_IDLE_MS, STAFF_SESSION_MAX_MS). */
  readonly staffSessions: { readonly idleMs: number; readonly maxMs: number };
  /**
   * SMS codes (application and step-up) sent per rolling hour for messages from one client address
   * (web and REST; WeChat relays carry none), across chat users. Generous by default: mobile
   * carriers put many people behind one address.
   */
  readonly smsMaxPerAddressPerHour: number;
  /** External data, identity, SMS and payment providers: the built-in sandbox, or the bank's own (passed in code). */
  readonly providers: 'sandbox' | 'bank';
  /** Fixed sandbox SMS code for demos (development and test only); unset → a random code, logged by the sandbox SMS. */
  readonly sandboxOtpCode: string | undefined;
  /** Base of links the bot sends (group chats point people to the web chat): http://localhost:<port> by default. */
  readonly publicBaseUrl: string;
  /** A JSON file of products (the product factory); the demo products when unset. */
  readonly productsFile: string | undefined;
  /** A JSON file of FAQ entries; the default table when unset. */
  readonly faqFile: string | undefined;
  /** The web chat (server/channels/web): session cookie and per-connection limits. */
  readonly web: WebChatConfig;
  /** The personal-WeChat channel (server/channels/wechaty); undefined (off) unless WECHATY_PUPPET is set. */
  readonly wechaty: WechatyConfig | undefined;
  /** The WeChat official account (server/channels/officialAccount); undefined (off) unless its WECHAT_OA_* settings are present. */
  readonly officialAccount: OfficialAccountConfig | undefined;
  /** WeCom group robots (server/channels/wecom); `robots` is empty when none are configured. */
  readonly wecom: WecomConfig;
  /** Work orders: working hours (Shanghai), service level per kind, warning lead (WORK_* settings). */
  readonly workOrders: WorkOrderConfig;
  /** Post-loan contact rules (CONTACT_WINDOW, CONTACT_MAX_PER_DAY/WEEK) and OA template ids (OA_TEMPLATE_*). */
  readonly contact: ContactConfig;
  /** Campaigns: the bank's name in every message, the marketing window and caps, channel rates (BANK_NAME, MARKETING_*, CAMPAIGN_RATE_*, OA_TEMPLATE_MARKETING). */
  readonly marketing: MarketingConfig;
  /** Renewal screening (无还本续贷) looks at lines whose last valid day is within this many days (RENEWAL_WINDOW_DAYS). */
  readonly renewalWindowDays: number;
  /** The yearly review's keep / reduce / freeze thresholds on the behaviour score (REVIEW_* settings). */
  readonly yearlyReview: YearlyReviewPolicy;
  /** GET /metrics: bearer token on the main port, or a port of its own (METRICS_TOKEN, METRICS_PORT, METRICS_HOST). */
  readonly metrics: MetricsConfig;
  /** Periods per kind of record, archive or delete, and the archive directory (RETENTION_* settings, docs/retention.md). */
  readonly retention: RetentionConfig;
  /** The embedded database's upkeep (server/maintenance): when to checkpoint and vacuum. Unused on PostgreSQL (autovacuum). */
  readonly maintenance: { readonly checkpointWalBytes: number; readonly vacuumWalBytes: number; readonly quietBusyShare: number };
}

/** The official account (服务号) as configured in the WeChat console (基本配置 / 服务器配置). */
export interface OfficialAccountConfig {
  /** 开发者ID (AppID), `wx` and 16 characters. */
  readonly appId: string;
  /** 开发者密码 (AppSecret): fetches the access_token. */
  readonly appSecret: string;
  /** 令牌 (Token) entered in the server configuration: signs every callback. */
  readonly token: string;
  /** 消息加解密密钥 (EncodingAESKey), 43 characters; required in safe and compatible modes. */
  readonly encodingAesKey: string | undefined;
  /** 消息加解密方式: plain 明文, compatible 兼容, safe 安全. */
  readonly mode: 'plain' | 'safe' | 'compatible';
  /** Path of the callback URL (服务器地址). */
  readonly path: string;
  /** Base of WeChat's API (https://api.weixin.qq.com; a fake in tests, or the bank's egress proxy). */
  readonly apiBaseUrl: string;
  /** How long a callback waits for the conversation before it answers `success` and replies by customer-service message (WeChat waits 5 s). */
  readonly replyBudgetMs: number;
  /** stable: /cgi-bin/stable_token (shared safely by several instances); classic: /cgi-bin/token. */
  readonly tokenApi: 'stable' | 'classic';
}

export interface HttpLimitsConfig {
  /** Longest a client may take to send a whole request (headers and body); then 408. */
  readonly requestTimeoutMs: number;
  /** Longest a connection may stay silent (also while a request is handled) before it is closed. */
  readonly connectionTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Requests one keep-alive connection may carry before it is closed (0: no limit). */
  readonly maxRequestsPerSocket: number;
  /** Open connections (websockets included) this process accepts; more are closed at once. */
  readonly maxConnections: number;
}

export interface RateLimitsConfig {
  readonly windowMs: number;
  /** API requests (chat, quote, staff, callbacks, web session and socket) per client address. */
  readonly perIp: number;
  /** Requests per bearer token (REST chat, staff API). */
  readonly perToken: number;
  /** Requests per user: REST userId, official-account openid, staff login per username. */
  readonly perUser: number;
  /** Requests per staff console session: a page polls presence, reads transcripts and posts replies. */
  readonly perStaffSession: number;
  /** New web chat sessions (cookies issued to browsers without one) per client address. */
  readonly newSessionsPerIp: number;
}

export interface WecomConfig {
  readonly webhookBaseUrl: string;
  /** Robot name → webhook key. The key is a secret: whoever has it can post into the group. */
  readonly robots: Readonly<Record<string, string>>;
}

/** Settings of the personal-WeChat bot: passed to wechaty explicitly (it is never left to read the environment for these). */
export interface WechatyConfig {
  /** The puppet package, e.g. wechaty-puppet-service or wechaty-puppet-padlocal. */
  readonly puppet: string;
  /** The puppet's token (puppet option `token`). */
  readonly token: string | undefined;
  /** The puppet service's address (puppet option `endpoint`), e.g. a gateway on the bank's intranet. */
  readonly endpoint: string | undefined;
  /** The bot's name; with one, the login session is kept in `sessionFile` and survives restarts. */
  readonly name: string | undefined;
  /** `<KUAIDAI_DATA_DIR>/wechaty/<name>` (wechaty adds `.memory-card.json`); undefined without a name. */
  readonly sessionFile: string | undefined;
  /** Names the bot answers to in a group besides an @-mention ("快贷助手，利率多少？"). */
  readonly botNames: readonly string[];
  /** Accept friend requests: a person moved out of a group must be a friend to chat privately. */
  readonly acceptFriendships: boolean;
}

export interface WebChatConfig {
  /**
   * HMAC key of the borrower's session cookie. A public development default outside production;
   * undefined in production when SESSION_SECRET is unset (the web chat then refuses to start).
   */
  readonly sessionSecret: string | undefined;
  readonly sessionSecretIsDevelopmentDefault: boolean;
  readonly cookieName: string;
  /** A web session lapses this long after it was last used (the borrower must start again). */
  readonly sessionIdleMs: number;
  /** ... and this long after it began, however it is used. */
  readonly sessionMaxMs: number;
  /** Largest websocket frame accepted; a larger one closes the socket with 1009. */
  readonly maxFrameBytes: number;
  /** Frames a connection may send per second on average, and in a burst. */
  readonly ratePerSec: number;
  readonly rateBurst: number;
  /** Open sockets (tabs) one session may have; opening another closes the oldest. */
  readonly maxSocketsPerSession: number;
}

/** Publicly known, so only ever used outside production; the web chat refuses to start in production without SESSION_SECRET. */
const DEVELOPMENT_SESSION_SECRET = 'kuaidai-development-only-session-secret';

/** Publicly known, so only ever used outside production; production refuses to start without KUAIDAI_DATA_KEY. */
const DEVELOPMENT_DATA_KEY = Buffer.from('kuaidai-development-only-data-key').subarray(0, 32);

const schema = z.object({
  KUAIDAI_ENV: z.enum(['development', 'test', 'production']).optional(),
  NODE_ENV: z.string().optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: z.string().optional(),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  DB_START_WAIT_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  DB_RETRY_MAX_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  KUAIDAI_DATA_DIR: z.string().min(1).default('.data'),
  KUAIDAI_DATA_KEY: z.string().optional(),
  KUAIDAI_DATA_KEYS_OLD: z.string().optional(),
  TRUST_PROXY: z.string().optional(),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  HTTP_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(72_000),
  HTTP_MAX_REQUESTS_PER_SOCKET: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(2_000),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).max(10_000_000).default(600),
  RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(1).max(10_000_000).default(6_000),
  RATE_LIMIT_PER_USER: z.coerce.number().int().min(1).max(1_000_000).default(30),
  RATE_LIMIT_PER_STAFF_SESSION: z.coerce.number().int().min(1).max(1_000_000).default(600),
  RATE_LIMIT_NEW_SESSIONS_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(30),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  KUAIDAI_WORKERS: z.string().optional(),
  CHAT_API_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 24`)').optional(),
  STAFF_API_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 24`)').optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 24`)').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  JOBS_POLL_MS: z.coerce.number().int().min(0).max(600_000).default(1_000),
  PGLITE_CHECKPOINT_WAL_MB: z.coerce.number().int().min(16).max(4_096).default(64),
  PGLITE_VACUUM_WAL_MB: z.coerce.number().int().min(16).max(65_536).default(256),
  PGLITE_MAINTENANCE_QUIET_PERCENT: z.coerce.number().int().min(0).max(100).default(50),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://loans.example-bank.cn' }).optional(),
  PRODUCTS_FILE: z.string().min(1).optional(),
  FAQ_FILE: z.string().min(1).optional(),
  TURN_SETTLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  RECOVERY_AFTER_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(120_000),
  PENALTY_MULTIPLIER: z.coerce.number().min(1.3).max(1.5).default(1.5),
  EOD_FREEZE_AFTER_DPD: z.coerce.number().int().min(1).max(3_650).default(30),
  EOD_CHUNK_SIZE: z.coerce.number().int().min(10).max(20_000).default(1_000),
  SMS_MAX_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(60),
  PROVIDERS: z.enum(['sandbox', 'bank']).default('sandbox'),
  SANDBOX_OTP_CODE: z.string().regex(/^\d{6}$/, 'must be 6 digits').optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)').optional(),
  WEB_COOKIE_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -').default('kd_session'),
  WEB_SESSION_IDLE_MS: z.coerce.number().int().min(60_000).max(86_400_000).default(1_800_000),
  STAFF_SESSION_IDLE_MS: z.coerce.number().int().min(60_000).max(86_400_000).default(1_800_000),
  STAFF_SESSION_MAX_MS: z.coerce.number().int().min(600_000).max(7 * 86_400_000).default(43_200_000),
  WEB_SESSION_MAX_MS: z.coerce.number().int().min(60_000).max(30 * 86_400_000).default(43_200_000),
  WEB_MAX_FRAME_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  WEB_RATE_PER_SEC: z.coerce.number().min(0.1).max(1000).default(5),
  WEB_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(10),
  WEB_MAX_SOCKETS_PER_SESSION: z.coerce.number().int().min(1).max(100).default(5),
  WECHATY_PUPPET: z.string().regex(/^(@[a-z0-9][\w.-]*\/)?wechaty-puppet-[a-z0-9][\w.-]*$/, 'must be a wechaty puppet package, e.g. wechaty-puppet-service').optional(),
  WECHATY_PUPPET_TOKEN: z.string().min(1).optional(),
  WECHATY_PUPPET_ENDPOINT: z.string().min(1).optional(),
  WECHATY_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or - (it names the session file)').optional(),
  WECHATY_BOT_NAMES: z.string().default('快贷助手'),
  WECHAT_OA_APP_ID: z.string().regex(/^wx[A-Za-z0-9]{16}$/, 'must be the AppID from the WeChat console (wx and 16 letters or digits)').optional(),
  WECHAT_OA_APP_SECRET: z.string().regex(/^[A-Za-z0-9]{32}$/, 'must be the 32-character AppSecret from the WeChat console').optional(),
  WECHAT_OA_TOKEN: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3-32 letters and digits (the Token entered in the server configuration)').optional(),
  WECHAT_OA_AES_KEY: z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey (letters and digits)').optional(),
  WECHAT_OA_MODE: z.enum(['plain', 'safe', 'compatible']).optional(),
  WECHAT_OA_PATH: z.string().regex(/^\/[A-Za-z0-9/_.-]{0,127}$/, 'must be a path such as /wechat/official-account').default('/wechat/official-account'),
  WECHAT_OA_REPLY_BUDGET_MS: z.coerce.number().int().min(0).max(4_500).default(4_000),
  WECHAT_OA_TOKEN_API: z.enum(['stable', 'classic']).default('stable'),
  WECHAT_API_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://api.weixin.qq.com' }).default('https://api.weixin.qq.com'),
  WECOM_ROBOT_WEBHOOK_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://qyapi.weixin.qq.com' }).default('https://qyapi.weixin.qq.com'),
  WECOM_ROBOTS: z.string().optional(),
  WECHATY_ACCEPT_FRIENDS: z.enum(['true', 'false']).default('true'),
  WORK_HOURS: z.string().default('09:00-18:00'),
  WORK_DAYS: z.string().default('1-5'),
  WORK_HOLIDAYS: z.string().optional(),
  WORK_MAKEUP_DAYS: z.string().optional(),
  WORK_ORDER_SLA: z.string().optional(),
  WORK_ORDER_WARN_BEFORE: z.string().default('30'),
  CONTACT_WINDOW: z.string().default('08:00-21:00'),
  CONTACT_MAX_PER_DAY: z.coerce.number().int().min(1).max(6).default(3),
  CONTACT_MAX_PER_WEEK: z.coerce.number().int().min(1).max(42).default(10),
  OA_TEMPLATE_REMINDER: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'must be a template id from the WeChat console').optional(),
  OA_TEMPLATE_OVERDUE: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'must be a template id from the WeChat console').optional(),
  BANK_NAME: z.string().trim().min(1).max(32).default('快贷助手示范银行'),
  MARKETING_WINDOW: z.string().default('09:00-20:00'),
  MARKETING_MAX_PER_DAY: z.coerce.number().int().min(1).max(6).default(1),
  MARKETING_MAX_PER_WEEK: z.coerce.number().int().min(1).max(42).default(2),
  CAMPAIGN_RATE_WEB: z.coerce.number().min(0.1).max(10_000).default(200),
  CAMPAIGN_RATE_OA: z.coerce.number().min(0.1).max(1_000).default(20),
  OA_TEMPLATE_MARKETING: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'must be a template id from the WeChat console').optional(),
  RENEWAL_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  REVIEW_KEEP_FROM_SCORE: z.coerce.number().int().min(0).max(1000).default(600),
  REVIEW_FREEZE_BELOW_SCORE: z.coerce.number().int().min(0).max(1000).default(540),
  REVIEW_REDUCE_FACTOR: z.coerce.number().gt(0).lt(1).default(0.7),
  RETENTION_CONVERSATION_DAYS: z.coerce.number().int().min(0).max(36_500).default(1095),
  RETENTION_CONTACT_LOG_DAYS: z.coerce.number().int().min(0).max(36_500).default(730),
  RETENTION_CONSENT_DAYS: z.coerce.number().int().min(0).max(36_500).default(1095),
  RETENTION_LOAN_YEARS: z.coerce.number().int().min(0).max(100).default(5),
  RETENTION_AUDIT_DAYS: z.coerce.number().int().min(0).max(36_500).default(1825),
  RETENTION_IDEMPOTENCY_DAYS: z.coerce.number().int().min(0).max(36_500).default(7),
  RETENTION_JOB_DAYS: z.coerce.number().int().min(0).max(36_500).default(7),
  RETENTION_TECHNICAL_DAYS: z.coerce.number().int().min(0).max(36_500).default(7),
  RETENTION_ARCHIVE_DIR: z.string().min(1).optional(),
  RETENTION_MODES: z.string().optional(),
});

/** Settings this file reads; the README's configuration table lists the same ones. */
export const CONFIG_SETTINGS = Object.keys(schema.shape);

/**
 * Reads and validates configuration once. Only this module reads the environment; everything else
 * is handed a Config. Throws ConfigError naming the first setting that is wrong.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  // Empty strings count as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'configuration'), issue.message);
  }
  const raw = parsed.data;
  const envName = raw.KUAIDAI_ENV ?? (raw.NODE_ENV === 'production' ? 'production' : raw.NODE_ENV === 'test' ? 'test' : 'development');
  const dataDir = path.resolve(cwd, raw.KUAIDAI_DATA_DIR);
  // Fail closed: what `npm start` gives without settings is safe, and production takes no shortcut.
  if (envName !== 'production') refuseOutsideDevelopment(raw, envName);
  const dataKeys = parseDataKeys(raw.KUAIDAI_DATA_KEY, raw.KUAIDAI_DATA_KEYS_OLD, envName);
  const chatApiToken = parseChatApiToken(raw.CHAT_API_TOKEN, envName);
  const providers = parseProviders(raw, envName);
  if (envName === 'production') {
    refuseWeakProductionSecrets({
      dataKey: dataKeys.dataKey,
      oldDataKeys: dataKeys.oldDataKeys,
      values: {
        KUAIDAI_DATA_KEY: raw.KUAIDAI_DATA_KEY,
        KUAIDAI_DATA_KEYS_OLD: raw.KUAIDAI_DATA_KEYS_OLD,
        SESSION_SECRET: raw.SESSION_SECRET,
        CHAT_API_TOKEN: raw.CHAT_API_TOKEN,
        STAFF_API_TOKEN: raw.STAFF_API_TOKEN,
        METRICS_TOKEN: raw.METRICS_TOKEN,
        WECHAT_OA_TOKEN: raw.WECHAT_OA_TOKEN,
        WECHAT_OA_APP_SECRET: raw.WECHAT_OA_APP_SECRET,
        WECHAT_OA_AES_KEY: raw.WECHAT_OA_AES_KEY,
        WECHATY_PUPPET_TOKEN: raw.WECHATY_PUPPET_TOKEN,
      },
      known: { dataKey: DEVELOPMENT_DATA_KEY, sessionSecret: DEVELOPMENT_SESSION_SECRET },
    });
  }

  const database = parseDatabaseUrl(raw.DATABASE_URL, dataDir);
  const officialAccount = parseOfficialAccount(raw, cleaned, envName);
  const workers = parseWorkerSettings(raw.KUAIDAI_WORKERS, { database, wechatyPuppet: raw.WECHATY_PUPPET, officialAccountTokenApi: officialAccount?.tokenApi });

  return {
    env: envName,
    dataDir,
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT,
    database,
    dbConnectTimeoutMs: raw.DB_CONNECT_TIMEOUT_MS,
    dbStartWaitMs: raw.DB_START_WAIT_MS,
    dbRetryMaxMs: raw.DB_RETRY_MAX_MS,
    ...dataKeys,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    http: {
      requestTimeoutMs: raw.HTTP_REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: raw.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: raw.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxRequestsPerSocket: raw.HTTP_MAX_REQUESTS_PER_SOCKET,
      maxConnections: raw.HTTP_MAX_CONNECTIONS,
    },
    rateLimits: {
      windowMs: raw.RATE_LIMIT_WINDOW_MS,
      perIp: raw.RATE_LIMIT_PER_IP,
      perToken: raw.RATE_LIMIT_PER_TOKEN,
      perUser: raw.RATE_LIMIT_PER_USER,
      perStaffSession: raw.RATE_LIMIT_PER_STAFF_SESSION,
      newSessionsPerIp: raw.RATE_LIMIT_NEW_SESSIONS_PER_IP,
    },
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
    workers,
    chatApiToken,
    jobsPollMs: raw.JOBS_POLL_MS,
    turnSettleTimeoutMs: raw.TURN_SETTLE_TIMEOUT_MS,
    recoveryAfterMs: raw.RECOVERY_AFTER_MS,
    penaltyMultiplier: raw.PENALTY_MULTIPLIER,
    endOfDay: { freezeAfterDpd: raw.EOD_FREEZE_AFTER_DPD, chunkSize: raw.EOD_CHUNK_SIZE },
    smsMaxPerAddressPerHour: raw.SMS_MAX_PER_ADDRESS_PER_HOUR,
    staffSessions: { idleMs: raw.STAFF_SESSION_IDLE_MS, maxMs: raw.STAFF_SESSION_MAX_MS },
    ...providers,
    staffApiToken: raw.STAFF_API_TOKEN,
    publicBaseUrl: (raw.PUBLIC_BASE_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    productsFile: raw.PRODUCTS_FILE === undefined ? undefined : path.resolve(cwd, raw.PRODUCTS_FILE),
    faqFile: raw.FAQ_FILE === undefined ? undefined : path.resolve(cwd, raw.FAQ_FILE),
    web: {
      sessionSecret: raw.SESSION_SECRET ?? (envName === 'production' ? undefined : DEVELOPMENT_SESSION_SECRET),
      sessionSecretIsDevelopmentDefault: raw.SESSION_SECRET === undefined,
      cookieName: raw.WEB_COOKIE_NAME,
      sessionIdleMs: raw.WEB_SESSION_IDLE_MS,
      sessionMaxMs: raw.WEB_SESSION_MAX_MS,
      maxFrameBytes: raw.WEB_MAX_FRAME_BYTES,
      ratePerSec: raw.WEB_RATE_PER_SEC,
      rateBurst: raw.WEB_RATE_BURST,
      maxSocketsPerSession: raw.WEB_MAX_SOCKETS_PER_SESSION,
    },
    wechaty: parseWechaty(raw, envName, dataDir),
    officialAccount,
    wecom: { webhookBaseUrl: raw.WECOM_ROBOT_WEBHOOK_BASE_URL.replace(/\/+$/, ''), robots: parseWecomRobots(raw.WECOM_ROBOTS) },
    workOrders: parseWorkOrderSettings(raw),
    contact: parseContactSettings(raw),
    marketing: parseMarketingSettings(raw),
    renewalWindowDays: raw.RENEWAL_WINDOW_DAYS,
    yearlyReview: parseYearlyReviewSettings(raw),
    metrics: parseMetricsSettings(raw, envName),
    retention: parseRetentionSettings(raw, dataDir, cwd),
    maintenance: {
      checkpointWalBytes: raw.PGLITE_CHECKPOINT_WAL_MB * 2 ** 20,
      vacuumWalBytes: raw.PGLITE_VACUUM_WAL_MB * 2 ** 20,
      quietBusyShare: raw.PGLITE_MAINTENANCE_QUIET_PERCENT / 100,
    },
  };
}

/**
 * The official account is on when its settings are present, all or nothing: any WECHAT_OA_* setting
 * without AppID, AppSecret and Token names the first one missing. The mode defaults to safe when an
 * EncodingAESKey is given; plain mode is refused in production (borrowers type ID and phone numbers).
 */
function parseOfficialAccount(raw: z.infer<typeof schema>, present: Record<string, unknown>, envName: Config['env']): OfficialAccountConfig | undefined {
  const given = Object.keys(present).filter((k) => k.startsWith('WECHAT_OA_'));
  if (!given.length) return undefined;
  for (const setting of ['WECHAT_OA_APP_ID', 'WECHAT_OA_APP_SECRET', 'WECHAT_OA_TOKEN'] as const) {
    if (raw[setting] === undefined) throw new ConfigError(setting, `is required when the official account is configured (${given[0]} is set)`);
  }
  const mode = raw.WECHAT_OA_MODE ?? (raw.WECHAT_OA_AES_KEY ? 'safe' : 'plain');
  if (mode !== 'plain' && raw.WECHAT_OA_AES_KEY === undefined) throw new ConfigError('WECHAT_OA_AES_KEY', `is required in ${mode} mode (the EncodingAESKey from the server configuration)`);
  if (mode !== 'safe' && envName === 'production') {
    throw new ConfigError(
      'WECHAT_OA_MODE',
      `${mode === 'plain' ? 'plain (明文)' : 'compatible (兼容)'} mode is refused in production: it accepts plaintext callbacks, whose signature does not cover the message; choose 安全模式 in the console and set WECHAT_OA_MODE=safe with WECHAT_OA_AES_KEY`,
    );
  }
  return {
    appId: raw.WECHAT_OA_APP_ID!,
    appSecret: raw.WECHAT_OA_APP_SECRET!,
    token: raw.WECHAT_OA_TOKEN!,
    encodingAesKey: raw.WECHAT_OA_AES_KEY,
    mode,
    path: raw.WECHAT_OA_PATH,
    apiBaseUrl: raw.WECHAT_API_BASE_URL.replace(/\/+$/, ''),
    replyBudgetMs: raw.WECHAT_OA_REPLY_BUDGET_MS,
    tokenApi: raw.WECHAT_OA_TOKEN_API,
  };
}

/** `name=key,name2=key2`; a value may also be the whole webhook URL copied from WeCom. Errors never echo a key. */
function parseWecomRobots(value: string | undefined): Record<string, string> {
  const robots = new Map<string, string>();
  if (value === undefined) return {};
  const entries = value.split(/[,，;\s]+/).filter(Boolean);
  entries.forEach((entry, i) => {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq) : '';
    let key = eq > 0 ? entry.slice(eq + 1) : '';
    if (/^https?:\/\//i.test(key)) {
      try {
        key = new URL(key).searchParams.get('key') ?? '';
      } catch {
        key = '';
      }
    }
    if (!/^[\p{L}\p{N}_-]{1,64}$/u.test(name)) throw new ConfigError('WECOM_ROBOTS', `entry ${i + 1} must be name=key with a name of letters, digits, _ or - (e.g. branch_a=693a91f6-…)`);
    if (!/^[A-Za-z0-9-]{8,64}$/.test(key)) throw new ConfigError('WECOM_ROBOTS', `the key of robot ${name} is not a webhook key (the key=… part of its webhook URL)`);
    if (robots.has(name)) throw new ConfigError('WECOM_ROBOTS', `robot ${name} is listed twice`);
    robots.set(name, key);
  });
  return Object.fromEntries(robots);
}

/** The personal-WeChat channel is off unless a puppet is named; its other settings alone are a mistake worth naming. */
function parseWechaty(
  raw: {
    WECHATY_PUPPET?: string | undefined;
    WECHATY_PUPPET_TOKEN?: string | undefined;
    WECHATY_PUPPET_ENDPOINT?: string | undefined;
    WECHATY_NAME?: string | undefined;
    WECHATY_BOT_NAMES: string;
    WECHATY_ACCEPT_FRIENDS: 'true' | 'false';
  },
  envName: Config['env'],
  dataDir: string,
): WechatyConfig | undefined {
  if (raw.WECHATY_PUPPET === undefined) {
    const stray = (['WECHATY_PUPPET_TOKEN', 'WECHATY_PUPPET_ENDPOINT', 'WECHATY_NAME'] as const).find((k) => raw[k] !== undefined);
    if (stray) throw new ConfigError(stray, 'is set but WECHATY_PUPPET is not: name the puppet (e.g. WECHATY_PUPPET=wechaty-puppet-service) to turn the personal-WeChat channel on');
    return undefined;
  }
  if (raw.WECHATY_PUPPET === 'wechaty-puppet-mock' && envName === 'production') {
    throw new ConfigError('WECHATY_PUPPET', 'wechaty-puppet-mock is a test double and connects to no WeChat account; it is refused in production');
  }
  const botNames = raw.WECHATY_BOT_NAMES.split(/[,，、]/).map((n) => n.trim()).filter(Boolean);
  if (botNames.some((n) => n.length > 32)) throw new ConfigError('WECHATY_BOT_NAMES', 'each name must be at most 32 characters (names are separated by commas)');
  return {
    puppet: raw.WECHATY_PUPPET,
    token: raw.WECHATY_PUPPET_TOKEN,
    endpoint: raw.WECHATY_PUPPET_ENDPOINT,
    name: raw.WECHATY_NAME,
    sessionFile: raw.WECHATY_NAME === undefined ? undefined : path.join(dataDir, 'wechaty', raw.WECHATY_NAME),
    botNames,
    acceptFriendships: raw.WECHATY_ACCEPT_FRIENDS === 'true',
  };
}

/** Sandbox providers fake credit data and payments and log SMS codes: refused in production. */
function parseProviders(raw: { PROVIDERS: Config['providers']; SANDBOX_OTP_CODE?: string | undefined }, envName: Config['env']): Pick<Config, 'providers' | 'sandboxOtpCode'> {
  if (envName === 'production' && raw.PROVIDERS === 'sandbox') {
    throw new ConfigError('PROVIDERS', 'is sandbox, which fakes credit data and payments and logs SMS codes; production needs PROVIDERS=bank with the bank\'s providers wired in (a demo runs in development mode, on this machine)');
  }
  if (raw.SANDBOX_OTP_CODE !== undefined && (envName === 'production' || raw.PROVIDERS !== 'sandbox')) {
    throw new ConfigError('SANDBOX_OTP_CODE', 'a fixed verification code is only allowed with sandbox providers outside production');
  }
  return { providers: raw.PROVIDERS, sandboxOtpCode: raw.SANDBOX_OTP_CODE };
}

/** The REST chat channel is a bank's integration point: open for development, never in production. */
function parseChatApiToken(value: string | undefined, envName: Config['env']): string | undefined {
  if (value === undefined && envName === 'production') {
    throw new ConfigError('CHAT_API_TOKEN', 'is required in production: without it anyone could act as, and read, any REST user (at least 32 random characters, e.g. `openssl rand -hex 24`)');
  }
  return value;
}

/** unset → embedded PGlite in <data dir>/pglite; pglite:memory; pglite:<dir>; postgres(ql)://… */
export function parseDatabaseUrl(url: string | undefined, dataDir: string): DatabaseTarget {
  if (url === undefined) return { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
  if (url === 'pglite:memory' || url === 'memory://') return { kind: 'pglite', dataDir: 'memory://' };
  if (url.startsWith('pglite:')) {
    const dir = url.slice('pglite:'.length).replace(/^\/\//, '');
    if (!dir) throw new ConfigError('DATABASE_URL', 'pglite: needs a directory, e.g. pglite:./.data/pglite, or pglite:memory');
    return { kind: 'pglite', dataDir: path.resolve(dir) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url };
  }
  const scheme = /^([a-z0-9+.-]+):/i.exec(url)?.[1];
  throw new ConfigError(
    'DATABASE_URL',
    `unsupported scheme ${scheme ? `"${scheme}:"` : `in "${url.slice(0, 40)}"`}; use postgres://…, postgresql://…, pglite:<dir>, pglite:memory, or leave it unset for the embedded database`,
  );
}

function parseDataKeys(value: string | undefined, old: string | undefined, envName: Config['env']): Pick<Config, 'dataKey' | 'dataKeyIsDevelopmentDefault' | 'oldDataKeys'> {
  const oldDataKeys = (old ?? '').split(/[,\s]+/).filter(Boolean).map((k, i) => decodeKey('KUAIDAI_DATA_KEYS_OLD', k, ` (key ${i + 1})`));
  if (value === undefined) {
    if (envName === 'production') {
      throw new ConfigError('KUAIDAI_DATA_KEY', 'is required in production (32 random bytes, base64 or hex; e.g. `openssl rand -base64 32`)');
    }
    if (oldDataKeys.length) throw new ConfigError('KUAIDAI_DATA_KEYS_OLD', 'is set but KUAIDAI_DATA_KEY is not: old keys are read beside a current one');
    return { dataKey: DEVELOPMENT_DATA_KEY, dataKeyIsDevelopmentDefault: true, oldDataKeys };
  }
  return { dataKey: decodeKey('KUAIDAI_DATA_KEY', value), dataKeyIsDevelopmentDefault: false, oldDataKeys };
}

function decodeKey(setting: string, value: string, which = ''): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError(setting, `must be 32 bytes (base64 or 64 hex characters)${which}; got ${key.length} bytes`);
  return key;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `10.0.0.5, 10.1.0.0/16, loopback`: what proxy-addr accepts, checked here so a typo stops start-up instead of trusting nobody. */
function parseTrustProxy(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[,\s]+/).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const ok = PROXY_NAMES.has(entry) || (family !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))));
    if (!ok) throw new ConfigError('TRUST_PROXY', `${entry.slice(0, 64)} is not an IP address, a CIDR (10.0.0.0/8) or loopback/linklocal/uniquelocal`);
  }
  return entries;
}
