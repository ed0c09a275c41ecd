import path from 'node:path';
import { z } from 'zod';

/** A setting that cannot be used: start-up stops with one line naming it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly setting: string,
    readonly reason: string,
  ) {
    super(`${setting}: ${reason}`);
  }
}

export type DatabaseTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string } // a directory, or 'memory://'
  | { readonly kind: 'postgres'; readonly url: string };

export interface Config {
  readonly env: 'development' | 'test' | 'production';
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** auto: readable lines on a terminal in development, JSON otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly database: DatabaseTarget;
  /** 32-byte key for field encryption (ID numbers, phones); a fixed development key outside production. */
  readonly dataKey: Buffer;
  readonly dataKeyIsDevelopmentDefault: boolean;
  readonly shutdownGraceMs: number;
  /** Bearer token the REST chat channel requires; unset means open (refused in production). */
  readonly chatApiToken: string | undefined;
  /** How often the scheduler and the outbox look for due work; 0 turns polling off. */
  readonly jobsPollMs: number;
  /** How long a conversation turn may wait for its machine to settle (busy states) before it apologises. */
  readonly turnSettleTimeoutMs: number;
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
}

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
  KUAIDAI_DATA_DIR: z.string().min(1).default('.data'),
  KUAIDAI_DATA_KEY: z.string().optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  CHAT_API_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 24`)').optional(),
  JOBS_POLL_MS: z.coerce.number().int().min(0).max(600_000).default(1_000),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://loans.example-bank.cn' }).optional(),
  PRODUCTS_FILE: z.string().min(1).optional(),
  FAQ_FILE: z.string().min(1).optional(),
  TURN_SETTLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PROVIDERS: z.enum(['sandbox', 'bank']).default('sandbox'),
  ALLOW_SANDBOX_PROVIDERS: z.enum(['true', 'false']).default('false'),
  SANDBOX_OTP_CODE: z.string().regex(/^\d{6}$/, 'must be 6 digits').optional(),
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

  return {
    env: envName,
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT,
    database: parseDatabaseUrl(raw.DATABASE_URL, dataDir),
    ...parseDataKey(raw.KUAIDAI_DATA_KEY, envName),
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
    chatApiToken: parseChatApiToken(raw.CHAT_API_TOKEN, envName),
    jobsPollMs: raw.JOBS_POLL_MS,
    turnSettleTimeoutMs: raw.TURN_SETTLE_TIMEOUT_MS,
    ...parseProviders(raw, envName),
    publicBaseUrl: (raw.PUBLIC_BASE_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    productsFile: raw.PRODUCTS_FILE === undefined ? undefined : path.resolve(cwd, raw.PRODUCTS_FILE),
    faqFile: raw.FAQ_FILE === undefined ? undefined : path.resolve(cwd, raw.FAQ_FILE),
  };
}

/** Sandbox providers fake credit data and payments: refused in production unless explicitly allowed (a demo server). */
function parseProviders(raw: { PROVIDERS: Config['providers']; ALLOW_SANDBOX_PROVIDERS: 'true' | 'false'; SANDBOX_OTP_CODE?: string | undefined }, envName: Config['env']): Pick<Config, 'providers' | 'sandboxOtpCode'> {
  if (envName === 'production' && raw.PROVIDERS === 'sandbox' && raw.ALLOW_SANDBOX_PROVIDERS !== 'true') {
    throw new ConfigError('PROVIDERS', 'is sandbox, which fakes credit data and payments; set PROVIDERS=bank and wire the bank\'s providers, or ALLOW_SANDBOX_PROVIDERS=true for a demo server');
  }
  if (raw.SANDBOX_OTP_CODE !== undefined && (envName === 'production' || raw.PROVIDERS !== 'sandbox')) {
    throw new ConfigError('SANDBOX_OTP_CODE', 'a fixed verification code is only allowed with sandbox providers outside production');
  }
  return { providers: raw.PROVIDERS, sandboxOtpCode: raw.SANDBOX_OTP_CODE };
}

/** The REST chat channel is a bank's integration point: open for development, never in production. */
function parseChatApiToken(value: string | undefined, envName: Config['env']): string | undefined {
  if (value === undefined && envName === 'production') {
    throw new ConfigError('CHAT_API_TOKEN', 'is required in production: the REST chat API must not be open (at least 16 random characters, e.g. `openssl rand -hex 24`)');
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

function parseDataKey(value: string | undefined, envName: Config['env']): Pick<Config, 'dataKey' | 'dataKeyIsDevelopmentDefault'> {
  if (value === undefined) {
    if (envName === 'production') {
      throw new ConfigError('KUAIDAI_DATA_KEY', 'is required in production (32 random bytes, base64 or hex; e.g. `openssl rand -base64 32`)');
    }
    return { dataKey: DEVELOPMENT_DATA_KEY, dataKeyIsDevelopmentDefault: true };
  }
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError('KUAIDAI_DATA_KEY', `must be 32 bytes (base64 or 64 hex characters); got ${key.length} bytes`);
  return { dataKey: key, dataKeyIsDevelopmentDefault: false };
}
